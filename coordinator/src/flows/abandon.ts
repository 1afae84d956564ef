/**
 * Give up: a node hands back an offered or running job (POST /v1/jobs/:id/fail). The
 * job leaves the node at once with a lost node's semantics: queued for its unlock,
 * attempt + 1, the node excluded (the maxAttempts-th loss refunds); the node stays
 * online and free.
 */
import type { Abandon, AbandonOutcome } from "../store/leases";
import type { FlowContext } from "./context";
import { nodeJob, type NodeJobRefusal } from "./node-job";

export async function abandonJob(
  ctx: Pick<FlowContext, "store" | "clock" | "log">,
  request: Omit<Abandon, "now">,
): Promise<AbandonOutcome | NodeJobRefusal> {
  const { jobId, nodeId } = request;
  const checked = await nodeJob(ctx.store, jobId, nodeId, request.jobToken);
  if (checked.kind !== "ok") return checked;
  const outcome = await ctx.store.leases.abandon({ ...request, now: ctx.clock() });
  if (outcome.kind === "abandoned") {
    ctx.log.info("node abandoned its job", { jobId, nodeId, from: outcome.from, to: outcome.to, fault: request.fault ?? null });
  }
  return outcome;
}
