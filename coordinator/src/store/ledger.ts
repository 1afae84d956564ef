/**
 * The read side's records: each client's jobs (newest first), what every node has
 * earned, the settlements of the whole marketplace and the tokens held in escrow (their
 * keys are in keys.ts). They are written by the two scripts that already change a job's
 * money state, in the same atomic step: submit-job (the client index, the escrow held)
 * and complete-intent with the confirmed payout's writes (payouts.ts: earnings,
 * settlements, held released, settlement counters). So each is written exactly once
 * and never disagrees with the job.
 *
 * Sums of token amounts are u64s added up, which can pass Redis' signed 64-bit
 * integers, and an HINCRBY overflow would fail a script half-way. So a sum is kept as
 * two HINCRBY counters: Hi += floor(amount / 10⁹) and Lo += amount mod 10⁹ (each
 * stays far inside 2⁶³ for billions of jobs), and read as Hi × 10⁹ + Lo in bigint.
 */
import type Redis from "ioredis";

import { JOB_STATUSES, type JobStatus } from "../domain/job-state";
import { storeCall } from "./failures";
import { decodeJob, type StoredJob } from "./job-codec";
import type { Keys } from "./keys";

const SPLIT = 1_000_000_000n;

/** [hi, lo] increments of a counted amount: amount = hi × 10⁹ + lo. */
export function amountParts(amount: bigint, sign: 1 | -1 = 1): [string, string] {
  const s = BigInt(sign);
  return [((amount / SPLIT) * s).toString(), ((amount % SPLIT) * s).toString()];
}

/** The amount two counters hold (absent fields are 0). */
export function amountOf(hi: string | null | undefined, lo: string | null | undefined): bigint {
  return BigInt(hi ?? "0") * SPLIT + BigInt(lo ?? "0");
}

/** A node's payout, as its history lists it. */
export interface NodePayout {
  readonly jobId: string;
  readonly outcome: "released" | "settled";
  /** The node's share, base units. */
  readonly amount: string;
  readonly signature: string | null;
  readonly at: number;
}

/** A confirmed payout of any kind, as the marketplace's settlement list shows it. */
export interface SettlementRecord {
  readonly jobId: string;
  readonly outcome: "released" | "refunded" | "settled";
  /** What the escrow held, base units. */
  readonly amount: string;
  readonly nodeId: string | null;
  readonly nodeAmount: string;
  readonly platformFee: string;
  readonly clientRefund: string;
  readonly signature: string | null;
  readonly at: number;
}

export interface Earnings {
  readonly total: bigint;
  readonly jobs: number;
}

export interface EscrowHeld {
  readonly held: bigint;
  readonly openJobs: number;
}

export interface ClientJobsQuery {
  readonly client: string;
  readonly status: JobStatus | null;
  readonly limit: number;
}

/** How many ids a filtered listing reads per round. */
const PAGE = 200;

function checked<T>(replies: [Error | null, unknown][] | null, what: string): T[] {
  if (replies === null) throw new Error(`${what} was aborted`);
  return replies.map(([error, value]) => {
    if (error !== null) throw error;
    return value as T;
  });
}

export class LedgerStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** The client's jobs, newest first, at most `limit`, only `status` ones if given. */
  async clientJobs(query: ClientJobsQuery): Promise<StoredJob[]> {
    const index = this.keys.clientJobs(query.client);
    if (query.status === null) {
      const ids = await storeCall("client jobs", () => this.redis.zrevrange(index, 0, query.limit - 1));
      return this.jobs(ids);
    }
    const wanted: string[] = [];
    for (let start = 0; wanted.length < query.limit; start += PAGE) {
      const ids = await storeCall("client jobs", () => this.redis.zrevrange(index, start, start + PAGE - 1));
      if (ids.length === 0) break;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hget(this.keys.job(id), "status");
      const statuses = checked<string | null>(await storeCall("job statuses", () => pipeline.exec()), "job statuses");
      ids.forEach((id, i) => {
        if (statuses[i] === query.status && wanted.length < query.limit) wanted.push(id);
      });
    }
    // The status is read again with the job: one that moved on meanwhile is left out.
    return (await this.jobs(wanted)).filter((job) => job.state.status === query.status);
  }

  /** Jobs by id, each hash, history and exclusions read in one MULTI (so they agree). */
  async jobs(ids: readonly string[]): Promise<StoredJob[]> {
    if (ids.length === 0) return [];
    const multi = this.redis.multi();
    for (const id of ids) multi.hgetall(this.keys.job(id)).lrange(this.keys.jobHistory(id), 0, -1).smembers(this.keys.jobExcluded(id));
    const replies = checked<unknown>(await storeCall("job reads", () => multi.exec()), "job reads");
    const jobs: StoredJob[] = [];
    ids.forEach((id, i) => {
      const hash = replies[3 * i] as Record<string, string>;
      if (Object.keys(hash).length === 0) return;
      jobs.push(decodeJob(this.keys.job(id), hash, replies[3 * i + 1] as string[], replies[3 * i + 2] as string[]));
    });
    return jobs;
  }

  /** Each node's earnings, in the order given. */
  async earnings(nodeIds: readonly string[]): Promise<Earnings[]> {
    if (nodeIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of nodeIds) pipeline.hmget(this.keys.nodeEarnings(id), "jobs", "totalHi", "totalLo");
    const replies = checked<(string | null)[]>(await storeCall("node earnings", () => pipeline.exec()), "node earnings");
    return replies.map(([jobs, hi, lo]) => ({ total: amountOf(hi, lo), jobs: Number(jobs ?? "0") }));
  }

  /** The node's payouts, newest first. */
  async payouts(nodeId: string): Promise<NodePayout[]> {
    const members = await storeCall("node payouts", () => this.redis.zrevrange(this.keys.nodePayouts(nodeId), 0, -1));
    return members.map((member) => JSON.parse(member) as NodePayout);
  }

  /** The latest `limit` confirmed payouts of the marketplace, newest first. */
  async latestSettlements(limit: number): Promise<SettlementRecord[]> {
    const members = await storeCall("settlements", () => this.redis.zrevrange(this.keys.settlements, 0, limit - 1));
    return members.map((member) => JSON.parse(member) as SettlementRecord);
  }

  async escrowHeld(): Promise<EscrowHeld> {
    const [open, hi, lo] = await storeCall("escrow held", () => this.redis.hmget(this.keys.escrowHeld, "open", "heldHi", "heldLo"));
    return { held: amountOf(hi, lo), openJobs: Number(open ?? "0") };
  }

  /** Finished money intents by "{action}:{state}". */
  async settlementCounts(): Promise<Record<string, number>> {
    const hash = await storeCall("settlement counts", () => this.redis.hgetall(this.keys.settlementCounts));
    return Object.fromEntries(Object.entries(hash).map(([key, count]) => [key, Number(count)]));
  }

  /** Jobs per status, every status present. */
  async jobCounts(): Promise<Record<JobStatus, number>> {
    const hash = await storeCall("job counts", () => this.redis.hgetall(this.keys.jobCounts));
    return Object.fromEntries(JOB_STATUSES.map((status) => [status, Number(hash[status] ?? "0")])) as Record<JobStatus, number>;
  }
}
