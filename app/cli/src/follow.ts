/**
 * Following a job live: polls GET /v1/jobs/:id, prints each new transition with its
 * reason once, and keeps a status line (spinner; a progress bar while it runs) until
 * the job is final.
 */
import type { JobReply, TransitionBody } from "@cyxwiz/protocol/api/responses";
import { type CoordinatorClient, CoordinatorUnreachableError } from "@cyxwiz/lib";
import { type Output, progressBar, shortKey } from "./output";
import { transitionLine } from "./render";

export const FINAL_STATUSES = ["released", "refunded", "settled", "cancelled"];

export interface FollowHooks {
  /** Each new transition, in order (after it is printed). */
  onTransition?(transition: TransitionBody, job: JobReply): void | Promise<void>;
  /** Each poll's view. */
  onView?(job: JobReply): void | Promise<void>;
}

function statusText(job: JobReply): string {
  const node = job.nodeId ? ` on node ${shortKey(String(job.nodeId))}` : "";
  switch (job.status) {
    case "queued":
      return `queued: waiting for a node (attempt ${Number(job.attempts ?? 0) + 1})`;
    case "offered":
      return `offered${node}: escrow locked to it, waiting for it to accept`;
    case "running":
      return `running${node} ${progressBar(Number(job.progress ?? 0))}`;
    case "verifying":
      return `verifying${node}: fetching the weights, checking their hash and metrics`;
    case "releasing":
      return "releasing: paying the node and the treasury on chain";
    case "refunding":
      return "refunding: returning the escrow to you on chain";
    default:
      return String(job.status);
  }
}

export async function followJob(
  api: CoordinatorClient,
  jobId: string,
  out: Output,
  hooks: FollowHooks = {},
  pollMs = 400,
): Promise<JobReply> {
  let seen = 0;
  let misses = 0;
  try {
    for (;;) {
      let job: JobReply;
      try {
        job = await api.getJob(jobId);
        misses = 0;
      } catch (error) {
        // A coordinator restart is not the end of the job: keep asking for a while.
        if (!(error instanceof CoordinatorUnreachableError) || ++misses > 50) throw error;
        out.status(`coordinator unreachable, retrying (${misses})`);
        await sleep(pollMs * 2);
        continue;
      }
      const history = job.history ?? [];
      for (; seen < history.length; seen++) {
        const transition = history[seen] as TransitionBody;
        out.line(transitionLine(transition));
        await hooks.onTransition?.(transition, job);
      }
      await hooks.onView?.(job);
      if (FINAL_STATUSES.includes(job.status)) return job;
      const tenth = job.status === "running" ? Math.floor(Number(job.progress ?? 0) * 10) : 0;
      out.status(statusText(job), `${job.status}:${job.nodeId}:${tenth}`);
      await sleep(pollMs);
    }
  } finally {
    out.stopStatus();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
