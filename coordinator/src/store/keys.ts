/**
 * The Redis key layout, in one place. Every key starts with the configured prefix, so
 * one Redis can hold several coordinators (and every test its own namespace).
 *
 *   nonce:{wallet}:{nonce}   string   a signed request's nonce, until its timestamp goes stale
 *   quote:{id}               string   the quote JSON; expires with the quote
 *   quote:{id}:used          string   the job that used the quote; expires with the quote
 *   idem:{wallet}:{key}      hash     bodyHash, response: a submission's idempotency record
 *   job:{id}                 hash     the job (see jobs.ts)
 *   job:{id}:history         list     the job's transitions, JSON, oldest first
 *   job:{id}:excluded        set      nodes that failed the job and may not get it again
 *   jobs:queued              zset     queued jobs ready to match, by urgency (smaller first)
 *   jobs:offered             zset     offered jobs, by offer deadline
 *   jobs:unlocking           zset     jobs back in the queue whose escrow unlock is pending
 *   jobs:refunding           zset     jobs whose refund is to be handed to settlement
 *   jobs:verifying           zset     jobs with a reported proof, by when to check it (report time, then a retry's nextAt)
 *   jobs:releasing           zset     jobs whose verified release is to be handed to settlement
 *   jobs:count               hash     status -> number of jobs in it
 *   job:{id}:checkpoints     hash     epoch -> the checkpoint (JSON, domain/checkpoints.ts)
 *   checkpoints:due          zset     "{jobId}:{epoch}" of pending checkpoints, by when to check them
 *   jobs:deadlines           zset     accepted jobs, by the end of their allowed run (ms)
 *   jobs:settling            zset     jobs whose partial settlement is to be handed to settlement
 *   node:{wallet}            hash     the node (see nodes.ts)
 *   nodes                    set      every registered node
 *   nodes:lease              zset     online nodes, by last heartbeat (ms)
 */
export class Keys {
  constructor(readonly prefix: string) {}

  nonce(wallet: string, nonce: string): string {
    return `${this.prefix}nonce:${wallet}:${nonce}`;
  }

  quote(quoteId: string): string {
    return `${this.prefix}quote:${quoteId}`;
  }

  quoteUse(quoteId: string): string {
    return `${this.prefix}quote:${quoteId}:used`;
  }

  idempotency(wallet: string, key: string): string {
    return `${this.prefix}idem:${wallet}:${key}`;
  }

  job(jobId: string): string {
    return `${this.prefix}job:${jobId}`;
  }

  jobHistory(jobId: string): string {
    return `${this.prefix}job:${jobId}:history`;
  }

  jobExcluded(jobId: string): string {
    return `${this.prefix}job:${jobId}:excluded`;
  }

  get jobsQueued(): string {
    return `${this.prefix}jobs:queued`;
  }

  get jobsOffered(): string {
    return `${this.prefix}jobs:offered`;
  }

  get jobsUnlocking(): string {
    return `${this.prefix}jobs:unlocking`;
  }

  get jobsRefunding(): string {
    return `${this.prefix}jobs:refunding`;
  }

  get jobsVerifying(): string {
    return `${this.prefix}jobs:verifying`;
  }

  get jobsReleasing(): string {
    return `${this.prefix}jobs:releasing`;
  }

  jobCheckpoints(jobId: string): string {
    return `${this.prefix}job:${jobId}:checkpoints`;
  }

  get checkpointsDue(): string {
    return `${this.prefix}checkpoints:due`;
  }

  get jobsDeadlines(): string {
    return `${this.prefix}jobs:deadlines`;
  }

  get jobsSettling(): string {
    return `${this.prefix}jobs:settling`;
  }

  get jobCounts(): string {
    return `${this.prefix}jobs:count`;
  }

  node(nodeId: string): string {
    return `${this.prefix}node:${nodeId}`;
  }

  get nodes(): string {
    return `${this.prefix}nodes`;
  }

  get leases(): string {
    return `${this.prefix}nodes:lease`;
  }
}
