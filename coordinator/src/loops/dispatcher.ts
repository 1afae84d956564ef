/** The dispatcher: every matching tick, one round of matching and offers (flows/dispatch.ts). */
import { type DispatchContext, dispatchRound } from "../flows/dispatch";
import { Loop } from "./loop";

export function dispatcherLoop(ctx: DispatchContext, batch: number): Loop {
  return new Loop("dispatcher", ctx.config.matching.tickMs, ctx.log, () => dispatchRound(ctx, batch));
}
