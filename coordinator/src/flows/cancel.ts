/**
 * Cancel: the payer cancels its job. Queued or offered → refunding (an offered node
 * is told cancelled-by-client); running → settling-partial by verified progress, like
 * a timeout; verifying, releasing or final → not cancellable. The money is handed
 * over by flows/settle.ts. Someone else's job reads as absent.
 */
import type { CancelOutcome } from "../store/runs";
import type { FlowContext } from "./context";

export async function cancelJob(
  ctx: Pick<FlowContext, "store" | "clock">,
  client: string,
  jobId: string,
): Promise<CancelOutcome | { readonly kind: "unknown-job" }> {
  const job = await ctx.store.jobs.get(jobId);
  if (job === null || job.client !== client) return { kind: "unknown-job" };
  return (await ctx.store.runs.cancel(jobId, ctx.clock())) ?? { kind: "unknown-job" };
}
