/**
 * Report: the node that runs a job hands in its weights (CID and sha256) and the
 * metrics it claims, with its job token: running → verifying. Nothing is paid on the
 * node's word; flows/verify.ts checks the proof.
 */
import type { WeightsProof } from "../domain/job-state";
import type { ReportOutcome } from "../store/jobs";
import type { FlowContext } from "./context";
import { nodeJob, type NodeJobRefusal } from "./node-job";

export interface Report {
  readonly jobId: string;
  readonly nodeId: string;
  readonly jobToken: string;
  readonly proof: WeightsProof;
  /** The claimed metrics; undefined when none are claimed. */
  readonly metrics: unknown;
}

export async function reportWeights(ctx: Pick<FlowContext, "store" | "clock">, report: Report): Promise<ReportOutcome | NodeJobRefusal> {
  const { jobId, nodeId } = report;
  // The token is checked on this snapshot; the report's script then requires the job
  // unchanged and running on this node, and a token changes only with a new offer.
  const checked = await nodeJob(ctx.store, jobId, nodeId, report.jobToken);
  if (checked.kind !== "ok") return checked;
  return ctx.store.jobs.report(jobId, nodeId, report.proof, JSON.stringify(report.metrics ?? {}), ctx.clock());
}
