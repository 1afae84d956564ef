/** The checkpoint loop: every verification tick, the pending checkpoints due for a check are checked (flows/checkpoint.ts). */
import { type CheckpointCheckDeps, checkDueCheckpoints } from "../flows/checkpoint";
import { Loop } from "./loop";

export function checkpointLoop(deps: CheckpointCheckDeps & { readonly tickMs: number }): Loop {
  return new Loop("checkpoints", deps.tickMs, deps.log, () => checkDueCheckpoints(deps));
}
