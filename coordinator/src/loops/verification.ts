/**
 * The verification loop: every verification tick, the proofs due for a check are
 * verified (flows/verify.ts), then the releases of verified jobs are handed over
 * (flows/settle.ts). The hand-over reads its queue (jobs:releasing), not the verdict
 * in memory: a crash between the verdict and the hand-over loses nothing.
 */
import { handOverReleases, type SettleDeps } from "../flows/settle";
import { type ProofCheckDeps, verifyDueProofs } from "../flows/verify";
import { Loop } from "./loop";

export type VerificationLoopDeps = ProofCheckDeps & SettleDeps<"jobs" | "verification", "release"> & { readonly tickMs: number };

export function verificationLoop(deps: VerificationLoopDeps): Loop {
  return new Loop("verification", deps.tickMs, deps.log, async () => {
    await verifyDueProofs(deps);
    await handOverReleases(deps);
  });
}
