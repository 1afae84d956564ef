/**
 * Money intents in Redis. Every change is one Lua script, so the intent is the
 * cross-process lock of a job's money (one open intent per job), a re-sign is a
 * compare-and-set, and finishing an intent applies the caller's state change in
 * the same atomic step.
 *
 * Keys (under the coordinator's prefix):
 *   intent:<jobId>             hash: the job's current (or last) intent
 *   intent-seq:<jobId>         counter: the intent's `seq`
 *   intent-done:<jobId>:<seq>  hash: audit copy of every finished intent, kept
 *   intents-open               set: job ids with a pending intent, for recover()
 */
import Redis from "ioredis";

import { fieldsOf, Intent, IntentState, OutcomeSource, parseIntent } from "./intent";
import { LuaScript } from "./lua-script";
import { SettlementError } from "./errors";

/**
 * One write of the caller's state change, applied atomically with finishing the
 * intent (e.g. the job's status → released). Arguments are strings: Lua turns
 * numbers into integers. HINCRBY is there for counters other jobs change at the
 * same time (per-status job counts, the job's version): only a relative change
 * stays right whatever happened between the caller's read and the script.
 */
export type RedisWrite =
  | { op: "HSET"; key: string; fields: Record<string, string> }
  | { op: "HINCRBY"; key: string; field: string; by: string }
  | { op: "HDEL" | "SADD" | "SREM" | "ZREM" | "RPUSH"; key: string; members: string[] }
  | { op: "SET"; key: string; value: string }
  | { op: "DEL"; key: string }
  | { op: "ZADD"; key: string; score: string; member: string };

function argsOf(write: RedisWrite): string[] {
  switch (write.op) {
    case "HSET":
      return Object.entries(write.fields).flat();
    case "HINCRBY":
      return [write.field, write.by];
    case "HDEL":
    case "SADD":
    case "SREM":
    case "ZREM":
    case "RPUSH":
      return write.members;
    case "SET":
      return [write.value];
    case "DEL":
      return [];
    case "ZADD":
      return [write.score, write.member];
  }
}

export interface SignedTransaction {
  /** Wire bytes, base64. */
  tx: string;
  signature: string;
  blockhash: string;
  lastValidBlockHeight: number;
}

export type OpenVerdict = "created" | "open" | "done";

export interface Completion {
  state: Exclude<IntentState, "pending">;
  via: OutcomeSource;
  landedSignature: string | null;
  error: string | null;
  detail: string | null;
}

const SCRIPTS = {
  open: LuaScript.load("open-intent-3"),
  replace: LuaScript.load("replace-transaction-1"),
  complete: LuaScript.load("complete-intent"),
};

function verdictReply(reply: unknown): [unknown, Intent | null] {
  if (!Array.isArray(reply) || reply.length !== 2) {
    throw new SettlementError("INTENT_CORRUPT", `unexpected script reply ${JSON.stringify(reply)}`);
  }
  return [reply[0], parseIntent(fieldsOf(reply[1]))];
}

export class IntentStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  intentKey(jobId: string): string {
    return `${this.prefix}intent:${jobId}`;
  }

  doneKey(jobId: string, seq: number): string {
    return `${this.prefix}intent-done:${jobId}:${seq}`;
  }

  private seqKey(jobId: string): string {
    return `${this.prefix}intent-seq:${jobId}`;
  }

  private openKey(): string {
    return `${this.prefix}intents-open`;
  }

  async read(jobId: string): Promise<Intent | null> {
    return parseIntent(await this.redis.hgetall(this.intentKey(jobId)));
  }

  async readDone(jobId: string, seq: number): Promise<Intent | null> {
    return parseIntent(await this.redis.hgetall(this.doneKey(jobId, seq)));
  }

  /** Job ids whose intent is pending. */
  openJobIds(): Promise<string[]> {
    return this.redis.smembers(this.openKey());
  }

  async open(p: {
    jobId: string;
    action: string;
    args: string;
    signed: SignedTransaction | null;
    escrowAttempt: number;
    now: number;
  }): Promise<{ verdict: OpenVerdict; intent: Intent }> {
    const reply = await SCRIPTS.open.run(
      this.redis,
      [this.intentKey(p.jobId), this.seqKey(p.jobId), this.openKey()],
      [
        p.jobId,
        p.action,
        p.args,
        p.signed?.tx ?? "",
        p.signed?.signature ?? "",
        p.signed?.blockhash ?? "",
        p.signed?.lastValidBlockHeight ?? 0,
        p.escrowAttempt,
        p.now,
      ],
    );
    const [verdict, intent] = verdictReply(reply);
    if ((verdict !== "created" && verdict !== "open" && verdict !== "done") || intent === null) {
      throw new SettlementError("INTENT_CORRUPT", `open-intent answered ${JSON.stringify(reply)}`);
    }
    return { verdict, intent };
  }

  /** Compare-and-set the transaction of `seen`; returns whether it replaced, and the record now. */
  async replaceTransaction(
    seen: Intent,
    signed: SignedTransaction,
    now: number,
  ): Promise<{ replaced: boolean; current: Intent | null }> {
    const reply = await SCRIPTS.replace.run(
      this.redis,
      [this.intentKey(seen.jobId)],
      [seen.seq, seen.attempts, signed.tx, signed.signature, signed.blockhash, signed.lastValidBlockHeight, now],
    );
    const [replaced, current] = verdictReply(reply);
    return { replaced: replaced === 1, current };
  }

  /** Finish `intent` with `completion` and apply `writes`; false when it was no longer pending. */
  async complete(intent: Intent, completion: Completion, writes: readonly RedisWrite[], now: number): Promise<boolean> {
    const fixed = [this.intentKey(intent.jobId), this.openKey(), this.doneKey(intent.jobId, intent.seq)];
    const encoded = writes.map((write, index) => ({ op: write.op, key: fixed.length + index + 1, args: argsOf(write) }));
    const reply = await SCRIPTS.complete.run(
      this.redis,
      [...fixed, ...writes.map((write) => write.key)],
      [
        intent.seq,
        completion.state,
        completion.via,
        completion.landedSignature ?? "",
        completion.error ?? "",
        completion.detail ?? "",
        now,
        JSON.stringify(encoded),
      ],
    );
    return reply === 1;
  }
}
