/**
 * A finished money intent's writes to the job's Redis layout: for a confirmed payout,
 * the job's confirmation transition (releasing → released, refunding → refunded,
 * settling-partial → settled) and the read side's records; for every finished intent,
 * its count. The chain side applies them in the SAME script that marks the intent
 * confirmed (chain/lua/complete-intent-3.lua), so a job can never show "refunded" while
 * its refund intent is still open, nor the other way round, and a process dying between
 * the two cannot exist; after a restart, `recover()` asks for them again for whatever it
 * finishes.
 *
 * Why the writes need no version check of their own: they are computed from a snapshot
 * of a job in a money state (releasing, refunding, settling-partial), which only its own
 * confirmation event can leave (domain EVENT_SOURCES), and the job's single open intent
 * is the lock on that event: complete-intent applies them only while this very intent is
 * pending, once. The counters other jobs touch concurrently (jobs:count, the version)
 * change by HINCRBY, never by absolute value. A job not in the expected state (already
 * moved, deleted) gets no writes.
 *
 * Lock and unlock need nothing here: the dispatcher and the watchdog await them and then
 * write the store themselves (publish-offer, unlocked), each version-checked.
 *
 * The read side's records (ledger.ts) go in the same writes: a confirmed payout appends
 * its settlement (amounts by the SDK's split math, as the program paid them), credits
 * the node's earnings for a release or a settlement, and takes the job's amount out of
 * the escrow held; every finished intent (any action, confirmed or failed) counts in
 * settlements:count. Exactly once, with the intent.
 */
import { type JobEvent, type JobStatus, transition, TransitionError } from "../domain/job-state";
import type { Logger } from "../logger";
import { BPS_DENOMINATOR, releaseSplit, split, type Split } from "@cyxwiz/sdk/split";
import { lastRecord, type StoredJob } from "./job-codec";
import type { JobStore } from "./jobs";
import type { Keys } from "./keys";
import { amountParts, type NodePayout, type SettlementRecord } from "./ledger";

/**
 * One write applied atomically with finishing a money intent. Arguments are strings:
 * Lua turns numbers into integers. HINCRBY is there for counters other jobs change at
 * the same time (per-status job counts, the job's version): only a relative change stays
 * right whatever happened between the read and the script.
 */
export type RedisWrite =
  | { op: "HSET"; key: string; fields: Record<string, string> }
  | { op: "HINCRBY"; key: string; field: string; by: string }
  | { op: "HDEL" | "SADD" | "SREM" | "ZREM" | "RPUSH"; key: string; members: string[] }
  | { op: "SET"; key: string; value: string }
  | { op: "DEL"; key: string }
  | { op: "ZADD"; key: string; score: string; member: string };

/** A finished money intent, as the chain side reports it. */
export interface FinishedIntent {
  readonly jobId: string;
  readonly action: string;
  readonly state: "confirmed" | "failed";
  readonly via: string;
  /** The transaction that landed, or null when the chain state alone settled it. */
  readonly signature: string | null;
  readonly detail: string | null;
}

type Payout = "release" | "refund" | "settle-partial";

/** Per payout: the job status it confirms and the domain event that ends it. */
const CONFIRMS: Readonly<Record<Payout, { from: JobStatus; event: "release-confirmed" | "refund-confirmed" | "settle-confirmed" }>> = {
  release: { from: "releasing", event: "release-confirmed" },
  refund: { from: "refunding", event: "refund-confirmed" },
  "settle-partial": { from: "settling-partial", event: "settle-confirmed" },
};

function isPayout(action: string): action is Payout {
  return action in CONFIRMS;
}

export interface PayoutDeps {
  readonly jobs: Pick<JobStore, "get">;
  readonly keys: Keys;
  readonly log: Logger;
  /** Unix ms, for the history record. */
  readonly clock: () => number;
  /** The node's share (bps) a partial settlement of `jobId` was signed with, if known (its pending intent). */
  readonly signedShareBps: (jobId: string) => Promise<number | null | undefined>;
}

/** The store's part of finishing a money intent. */
export class PayoutStore {
  constructor(private readonly deps: PayoutDeps) {}

  /** The writes to apply with finishing `intent` (see the file's comment). */
  async finishedWrites(intent: FinishedIntent): Promise<RedisWrite[]> {
    const { keys, log } = this.deps;
    const counted: RedisWrite = { op: "HINCRBY", key: keys.settlementCounts, field: `${intent.action}:${intent.state}`, by: "1" };
    if (intent.state !== "confirmed" || !isPayout(intent.action)) return [counted];
    const { from, event } = CONFIRMS[intent.action];
    const job = await this.deps.jobs.get(intent.jobId);
    if (job === null || job.state.status !== from) {
      log.warn("payout confirmed for a job not waiting for it; job left as it is", {
        jobId: intent.jobId,
        action: intent.action,
        status: job?.state.status ?? null,
      });
      return [counted];
    }
    // A confirmation from the escrow's state alone (someone else's transaction, or ours
    // recorded by another process) has no signature of ours to show.
    const signature = intent.signature ?? "";
    const confirmed: JobEvent = { type: event, signature, at: this.deps.clock() };
    const next = transition(job.state, confirmed);
    if (next instanceof TransitionError) {
      // Cannot happen after the status check; never block the money record on it.
      log.error("payout confirmation refused by the job state machine", { jobId: job.jobId, error: next.message });
      return [];
    }
    const record = JSON.parse(lastRecord(next)) as Record<string, unknown>;
    if (intent.via === "chain-state" && intent.detail !== null) record.detail = `confirmed from the escrow: ${intent.detail}`;

    const jobKey = keys.job(job.jobId);
    return [
      { op: "HSET", key: jobKey, fields: { status: next.status, settlementSignature: signature, updatedAt: String(confirmed.at) } },
      { op: "HINCRBY", key: jobKey, field: "version", by: "1" },
      { op: "RPUSH", key: keys.jobHistory(job.jobId), members: [JSON.stringify(record)] },
      { op: "HINCRBY", key: keys.jobCounts, field: from, by: "-1" },
      { op: "HINCRBY", key: keys.jobCounts, field: next.status, by: "1" },
      // A finished job leaves every work queue that could still name it.
      { op: "ZREM", key: keys.jobsRefunding, members: [job.jobId] },
      { op: "ZREM", key: keys.jobsVerifying, members: [job.jobId] },
      { op: "ZREM", key: keys.jobsReleasing, members: [job.jobId] },
      counted,
      ...ledgerWrites(keys, job, next.status as Outcome, await this.paidSplit(intent.action, job), intent.signature, confirmed.at),
    ];
  }

  /** What the escrow paid whom, by the program's math (sdk/src/split.ts). */
  private async paidSplit(action: Payout, job: StoredJob): Promise<Split> {
    if (action === "release") return releaseSplit(job.amount, job.feeBps);
    if (action === "refund") return { node: 0n, platform: 0n, payer: job.amount };
    // The share the settlement was signed with (its intent, still pending here).
    const signed = await this.deps.signedShareBps(job.jobId);
    const bps = signed === undefined ? job.state.nodeShareBps : signed;
    if (bps === null || bps === undefined) {
      this.deps.log.error("settlement confirmed without a node share; recorded as all refunded", { jobId: job.jobId });
      return { node: 0n, platform: 0n, payer: job.amount };
    }
    return split(job.amount, Math.min(bps, BPS_DENOMINATOR), job.feeBps);
  }
}

type Outcome = SettlementRecord["outcome"];

/** The settlement record, the node's earnings and the escrow no longer held. */
function ledgerWrites(keys: Keys, job: StoredJob, outcome: Outcome, paid: Split, signature: string | null, at: number): RedisWrite[] {
  const nodeId = outcome === "refunded" ? null : job.state.nodeId;
  const record: SettlementRecord = {
    jobId: job.jobId,
    outcome,
    amount: job.amount.toString(),
    nodeId,
    nodeAmount: paid.node.toString(),
    platformFee: paid.platform.toString(),
    clientRefund: paid.payer.toString(),
    signature,
    at,
  };
  const [heldHi, heldLo] = amountParts(job.amount, -1);
  const writes: RedisWrite[] = [
    { op: "ZADD", key: keys.settlements, score: String(at), member: JSON.stringify(record) },
    { op: "HINCRBY", key: keys.escrowHeld, field: "open", by: "-1" },
    { op: "HINCRBY", key: keys.escrowHeld, field: "heldHi", by: heldHi },
    { op: "HINCRBY", key: keys.escrowHeld, field: "heldLo", by: heldLo },
  ];
  if (nodeId === null || outcome === "refunded") return writes;
  const payout: NodePayout = { jobId: job.jobId, outcome, amount: paid.node.toString(), signature, at };
  const [hi, lo] = amountParts(paid.node);
  return [
    ...writes,
    { op: "ZADD", key: keys.nodePayouts(nodeId), score: String(at), member: JSON.stringify(payout) },
    { op: "HINCRBY", key: keys.nodeEarnings(nodeId), field: "jobs", by: "1" },
    { op: "HINCRBY", key: keys.nodeEarnings(nodeId), field: "totalHi", by: hi },
    { op: "HINCRBY", key: keys.nodeEarnings(nodeId), field: "totalLo", by: lo },
  ];
}
