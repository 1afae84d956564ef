/**
 * What every node-side step on a job (checkpoint, report, give up) checks first: the
 * node is registered, the job exists, and the job-scoped token is the one of the
 * job's current offer to this node (security test 33).
 */
import { createHash, timingSafeEqual } from "node:crypto";

import type { Store } from "../store";
import type { StoredJob } from "../store/job-codec";

export type NodeJobRefusal =
  | { readonly kind: "unknown-node" }
  | { readonly kind: "unknown-job" }
  /** Wrong, of an earlier attempt, or of a job taken back from its node. */
  | { readonly kind: "bad-token" }
  /** The right token, from another node than the job's. */
  | { readonly kind: "not-assigned" };

export type NodeJobCheck = { readonly kind: "ok"; readonly job: StoredJob } | NodeJobRefusal;

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

/**
 * The token check: the job's current offer token, bound to its node. A token of an
 * earlier attempt, of a job taken back from its node, or a wrong one is `bad-token`;
 * a right token from another node than the job's is `not-assigned`.
 */
export function jobTokenCheck(job: StoredJob, nodeId: string, jobToken: string): "ok" | "bad-token" | "not-assigned" {
  const current = job.jobToken !== null && job.jobTokenNode !== null && job.jobTokenNode === job.state.nodeId;
  // Compared as digests, in constant time.
  if (!current || !timingSafeEqual(digest(job.jobToken as string), digest(jobToken))) return "bad-token";
  if (job.jobTokenNode !== nodeId) return "not-assigned";
  return "ok";
}

/** The node, the job and the token, checked in that order. */
export async function nodeJob(
  store: Pick<Store, "nodes" | "jobs">,
  jobId: string,
  nodeId: string,
  jobToken: string,
): Promise<NodeJobCheck> {
  if ((await store.nodes.get(nodeId)) === null) return { kind: "unknown-node" };
  const job = await store.jobs.get(jobId);
  if (job === null) return { kind: "unknown-job" };
  const token = jobTokenCheck(job, nodeId, jobToken);
  return token === "ok" ? { kind: "ok", job } : { kind: token };
}
