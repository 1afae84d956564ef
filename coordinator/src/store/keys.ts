/**
 * The Redis key layout, in one place: every key the coordinator reads or writes is
 * named here (the job's state, the read side's ledger, the money intents). Every key
 * starts with the configured prefix, so one Redis can hold several coordinators (and
 * every test its own namespace). The strings are a stored format: changing one
 * orphans the data already written under it.
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
 *
 * The read side (ledger.ts; written with the job, in the same scripts):
 *
 *   client:{wallet}:jobs     zset     the client's job ids, by submittedAt (ms)
 *   node:{wallet}:earnings   hash     jobs, totalHi, totalLo: the node's paid jobs and their sum
 *   node:{wallet}:payouts    zset     the node's payouts, JSON, by confirmation time (ms)
 *   settlements              zset     every confirmed payout, JSON, by confirmation time (ms)
 *   escrow:held              hash     open, heldHi, heldLo: jobs not final and what they hold
 *   settlements:count        hash     "{action}:{confirmed|failed}" -> finished money intents
 *
 * Money intents (chain/intent-store.ts):
 *
 *   intent:{jobId}             hash     the job's current (or last) intent
 *   intent-seq:{jobId}         string   counter: the intent's `seq`
 *   intent-done:{jobId}:{seq}  hash     audit copy of every finished intent, kept
 *   intents-open               set      job ids with a pending intent, for recover()
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

  // The read side.

  clientJobs(wallet: string): string {
    return `${this.prefix}client:${wallet}:jobs`;
  }

  nodeEarnings(nodeId: string): string {
    return `${this.prefix}node:${nodeId}:earnings`;
  }

  nodePayouts(nodeId: string): string {
    return `${this.prefix}node:${nodeId}:payouts`;
  }

  get settlements(): string {
    return `${this.prefix}settlements`;
  }

  get escrowHeld(): string {
    return `${this.prefix}escrow:held`;
  }

  get settlementCounts(): string {
    return `${this.prefix}settlements:count`;
  }

  // Money intents.

  intent(jobId: string): string {
    return `${this.prefix}intent:${jobId}`;
  }

  intentSeq(jobId: string): string {
    return `${this.prefix}intent-seq:${jobId}`;
  }

  intentDone(jobId: string, seq: number): string {
    return `${this.prefix}intent-done:${jobId}:${seq}`;
  }

  get intentsOpen(): string {
    return `${this.prefix}intents-open`;
  }
}
