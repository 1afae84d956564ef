/**
 * The queue of jobs waiting for a node, most urgent first. Urgency is a number fixed
 * when the job enters (see matcher.ts: ageing folds into it), so the order never has to
 * be recomputed as time passes. Entering and leaving are lazy: new entries wait in a
 * small unsorted batch and removed ones are only forgotten, and both are folded into
 * the sorted array when the order is next read, in one linear pass.
 */
import { CoordinatorError } from "./errors";

export interface QueueEntry {
  readonly jobId: string;
  /** Smaller is more urgent. */
  readonly urgency: number;
  /** Tie-break: equal urgency goes first come, first served. */
  readonly submittedAt: number;
  /** Tie-break of last resort: order of entry. */
  readonly sequence: number;
}

function compare(a: QueueEntry, b: QueueEntry): number {
  return a.urgency - b.urgency || a.submittedAt - b.submittedAt || a.sequence - b.sequence;
}

export class JobQueue<Entry extends QueueEntry> {
  private sorted: Entry[] = [];
  private incoming: Entry[] = [];
  private readonly live = new Map<string, Entry>();
  private removedSinceCompaction = 0;

  get size(): number {
    return this.live.size;
  }

  has(jobId: string): boolean {
    return this.live.has(jobId);
  }

  get(jobId: string): Entry | undefined {
    return this.live.get(jobId);
  }

  /** Whether `entry` is still the queued entry of its job. */
  isLive(entry: Entry): boolean {
    return this.live.get(entry.jobId) === entry;
  }

  push(entry: Entry): void {
    if (this.live.has(entry.jobId)) throw new CoordinatorError("JOB_ALREADY_QUEUED", `job ${entry.jobId} is already queued`);
    this.live.set(entry.jobId, entry);
    this.incoming.push(entry);
  }

  delete(jobId: string): Entry | undefined {
    const entry = this.live.get(jobId);
    if (entry === undefined) return undefined;
    this.live.delete(jobId);
    this.removedSinceCompaction += 1;
    return entry;
  }

  /**
   * The queued entries, most urgent first. The array is a snapshot: entries deleted
   * while a caller walks it stay in it, so callers check `isLive`.
   */
  ordered(): readonly Entry[] {
    if (this.removedSinceCompaction > 0) {
      this.sorted = this.sorted.filter((entry) => this.isLive(entry));
      this.removedSinceCompaction = 0;
    }
    if (this.incoming.length > 0) {
      const incoming = this.incoming.filter((entry) => this.isLive(entry)).sort(compare);
      this.incoming = [];
      this.sorted = merge(this.sorted, incoming);
    }
    return this.sorted;
  }
}

function merge<Entry extends QueueEntry>(left: readonly Entry[], right: readonly Entry[]): Entry[] {
  if (right.length === 0) return left.slice();
  if (left.length === 0) return right.slice();
  const out: Entry[] = new Array<Entry>(left.length + right.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < left.length && j < right.length) out[k++] = compare(left[i], right[j]) <= 0 ? left[i++] : right[j++];
  while (i < left.length) out[k++] = left[i++];
  while (j < right.length) out[k++] = right[j++];
  return out;
}
