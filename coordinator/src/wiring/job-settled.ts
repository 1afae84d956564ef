/**
 * The chain Settlement's `onSettled` hook: the job's state change for a confirmed
 * payout, as writes that complete-intent.lua applies in the SAME script that marks
 * the intent confirmed. So a job can never show "refunded" while its refund intent
 * is still open, nor the other way round, and a process dying between the two
 * cannot exist; after a restart, `recover()` calls this hook again for whatever it
 * finishes.
 *
 * Why the writes need no version check of their own: they are computed from a
 * snapshot of a job in a money state (releasing, refunding, settling-partial),
 * which only its own confirmation event can leave (domain EVENT_SOURCES), and the
 * job's single open intent is the lock on that event: complete-intent applies them
 * only while this very intent is pending, once. The counters other jobs touch
 * concurrently (jobs:count, the version) change by HINCRBY, never by absolute value.
 * A job not in the expected state (already moved, deleted) gets no writes.
 *
 * Lock and unlock need nothing here: the dispatcher and the watchdog await them and
 * then write the store themselves (publish-offer, unlocked), each version-checked.
 *
 * The read side's records go in the same writes (store/ledger.ts): a confirmed payout
 * appends its settlement (amounts by the SDK's split math, as the program paid them),
 * credits the node's earnings for a release or a settlement, and takes the job's
 * amount out of the escrow held; every finished intent (any action, confirmed or
 * failed) counts in settlements:count. Exactly once, with the intent.
 */
import { JobEvent, JobStatus, transition, TransitionError } from "../domain/job-state";
import { Logger } from "../logger";
import { IntentStore, RedisWrite, SettlementAction, SettlementOutcome } from "../chain";
import { Store } from "../store";
import { lastRecord, StoredJob } from "../store/job-codec";
import { amountParts, LedgerKeys, NodePayout, SettlementRecord } from "../store/ledger";
import { BPS_DENOMINATOR, releaseSplit, split, Split } from "../../../sdk/src/split";

type Payout = Extract<SettlementAction, "release" | "refund" | "settle-partial">;

/** Per payout: the job status it confirms and the domain event that ends it. */
const CONFIRMS: Readonly<Record<Payout, { from: JobStatus; event: "release-confirmed" | "refund-confirmed" | "settle-confirmed" }>> = {
  release: { from: "releasing", event: "release-confirmed" },
  refund: { from: "refunding", event: "refund-confirmed" },
  "settle-partial": { from: "settling-partial", event: "settle-confirmed" },
};

function isPayout(action: SettlementAction): action is Payout {
  return action in CONFIRMS;
}

export interface JobSettledDeps {
  readonly store: Pick<Store, "jobs" | "keys" | "redis">;
  readonly log: Logger;
  /** Unix ms, for the history record. */
  readonly clock: () => number;
}

export type OnSettled = (outcome: SettlementOutcome) => Promise<readonly RedisWrite[]>;

export function jobSettledHook(deps: JobSettledDeps): OnSettled {
  const { store, log } = deps;
  const ledger = new LedgerKeys(store.keys.prefix);
  const intents = new IntentStore(store.redis, store.keys.prefix);
  return async (outcome) => {
    const counted: RedisWrite = { op: "HINCRBY", key: ledger.settlementCounts, field: `${outcome.action}:${outcome.state}`, by: "1" };
    if (outcome.state !== "confirmed" || !isPayout(outcome.action)) return [counted];
    const { from, event } = CONFIRMS[outcome.action];
    const job = await store.jobs.get(outcome.jobId);
    if (job === null || job.state.status !== from) {
      log.warn("payout confirmed for a job not waiting for it; job left as it is", {
        jobId: outcome.jobId,
        action: outcome.action,
        status: job?.state.status ?? null,
      });
      return [counted];
    }
    // A confirmation from the escrow's state alone (someone else's transaction, or ours
    // recorded by another process) has no signature of ours to show.
    const signature = outcome.signature ?? "";
    const confirmed: JobEvent = { type: event, signature, at: deps.clock() };
    const next = transition(job.state, confirmed);
    if (next instanceof TransitionError) {
      // Cannot happen after the status check; never block the money record on it.
      log.error("payout confirmation refused by the job state machine", { jobId: job.jobId, error: next.message });
      return [];
    }
    const record = JSON.parse(lastRecord(next)) as Record<string, unknown>;
    if (outcome.via === "chain-state" && outcome.detail !== null) record.detail = `confirmed from the escrow: ${outcome.detail}`;

    const keys = store.keys;
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
      ...ledgerWrites(ledger, job, next.status as Outcome, await paidSplit(outcome.action, job), outcome.signature, confirmed.at),
    ];
  };

  /** What the escrow paid whom, by the program's math (sdk/src/split.ts). */
  async function paidSplit(action: Payout, job: StoredJob): Promise<Split> {
    if (action === "release") return releaseSplit(job.amount, job.feeBps);
    if (action === "refund") return { node: 0n, platform: 0n, payer: job.amount };
    // The share the settlement was signed with (its intent, still pending here).
    const intent = await intents.read(job.jobId);
    const bps = intent?.request.action === "settle-partial" ? intent.request.nodeShareBps : job.state.nodeShareBps;
    if (bps === null || bps === undefined) {
      log.error("settlement confirmed without a node share; recorded as all refunded", { jobId: job.jobId });
      return { node: 0n, platform: 0n, payer: job.amount };
    }
    return split(job.amount, Math.min(bps, BPS_DENOMINATOR), job.feeBps);
  }
}

type Outcome = SettlementRecord["outcome"];

/** The settlement record, the node's earnings and the escrow no longer held. */
function ledgerWrites(ledger: LedgerKeys, job: StoredJob, outcome: Outcome, paid: Split, signature: string | null, at: number): RedisWrite[] {
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
    { op: "ZADD", key: ledger.settlements, score: String(at), member: JSON.stringify(record) },
    { op: "HINCRBY", key: ledger.escrowHeld, field: "open", by: "-1" },
    { op: "HINCRBY", key: ledger.escrowHeld, field: "heldHi", by: heldHi },
    { op: "HINCRBY", key: ledger.escrowHeld, field: "heldLo", by: heldLo },
  ];
  if (nodeId === null || outcome === "refunded") return writes;
  const payout: NodePayout = { jobId: job.jobId, outcome, amount: paid.node.toString(), signature, at };
  const [hi, lo] = amountParts(paid.node);
  return [
    ...writes,
    { op: "ZADD", key: ledger.nodePayouts(nodeId), score: String(at), member: JSON.stringify(payout) },
    { op: "HINCRBY", key: ledger.nodeEarnings(nodeId), field: "jobs", by: "1" },
    { op: "HINCRBY", key: ledger.nodeEarnings(nodeId), field: "totalHi", by: hi },
    { op: "HINCRBY", key: ledger.nodeEarnings(nodeId), field: "totalLo", by: lo },
  ];
}
