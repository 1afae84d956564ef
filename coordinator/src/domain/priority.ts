/**
 * Job priority and the queue's one urgency formula. One weight per level serves twice:
 * it multiplies the price (normal 1×, high 2×, critical 3×) and it is the job's
 * starting level in the queue, where waiting adds one level per `agingStepMs`:
 *
 *   effective(job, now) = weight + (now − submittedAt) / agingStepMs
 *
 * Comparing two jobs at the same `now`, `now` cancels out, so the queue order is the
 * order of
 *
 *   urgency = submittedAt − weight × agingStepMs     (smaller first)
 *
 * a number fixed when the job is submitted (it is the job's sort key in the store):
 * ageing needs no re-sorting, and a normal job that has waited 2 × agingStepMs longer
 * than a critical one is equal to it and, being older, goes first (FIFO within equal
 * effective priority). Nothing starves: every waiting job's effective priority grows
 * without bound. A job put back in the queue keeps its `submittedAt`, hence its place.
 */
import { PRIORITIES, type Priority } from "@cyxwiz/protocol/api/constants";

/** The levels are the API's (protocol/src/api/constants.ts). */
export { PRIORITIES, Priority } from "@cyxwiz/protocol/api/constants";

export const PRIORITY_WEIGHT: Readonly<Record<Priority, number>> = {
  normal: 1,
  high: 2,
  critical: 3,
};

export function isPriority(value: unknown): value is Priority {
  return typeof value === "string" && (PRIORITIES as readonly string[]).includes(value);
}

/** A waiting job's effective priority at `now` (its weight until it has waited). */
export function effectivePriority(priority: Priority, submittedAt: number, now: number, agingStepMs: number): number {
  return PRIORITY_WEIGHT[priority] + Math.max(0, now - submittedAt) / agingStepMs;
}

/** The queue's sort key, smaller first: the same order as `effectivePriority` at any one `now`. */
export function queueUrgency(priority: Priority, submittedAt: number, agingStepMs: number): number {
  return submittedAt - effectivePriority(priority, submittedAt, submittedAt, agingStepMs) * agingStepMs;
}

/** What the queue order reads of a job. */
export interface QueueOrdered {
  readonly urgency: number;
  readonly submittedAt: number;
  /** Tie-break of last resort: the order the jobs were handed in. */
  readonly sequence: number;
}

/** Most urgent first; equal urgency goes first come, first served, then by order of entry. */
export function byQueueOrder(a: QueueOrdered, b: QueueOrdered): number {
  return a.urgency - b.urgency || a.submittedAt - b.submittedAt || a.sequence - b.sequence;
}
