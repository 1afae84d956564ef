/**
 * Money intents in Redis. Every change is one Lua script, so the intent is the
 * cross-process lock of a job's money (one open intent per job), a re-sign is a
 * compare-and-set, and finishing an intent applies the caller's state change in
 * the same atomic step. Its keys (intent:{jobId}, intent-seq:{jobId},
 * intent-done:{jobId}:{seq}, intents-open) are named with every other in store/keys.ts;
 * its scripts in ./lua run through the store's Lua runner.
 */
import { join } from "node:path";

import type Redis from "ioredis";

import { Keys } from "../store/keys";
import { LuaRunner } from "../store/lua-runner";
import type { RedisWrite } from "../store/payouts";
import { fieldsOf, type Intent, type IntentState, type OutcomeSource, parseIntent } from "./intent";
import { SettlementError } from "./errors";

/** One write of the caller's state change (the store's payout writes, store/payouts.ts). */
export type { RedisWrite } from "../store/payouts";

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

type IntentScript = "open-intent" | "replace-transaction" | "complete-intent";

function verdictReply(reply: unknown): [unknown, Intent | null] {
  if (!Array.isArray(reply) || reply.length !== 2) {
    throw new SettlementError("INTENT_CORRUPT", `unexpected script reply ${JSON.stringify(reply)}`);
  }
  return [reply[0], parseIntent(fieldsOf(reply[1]))];
}

export class IntentStore {
  private readonly keys: Keys;
  private readonly scripts: LuaRunner<IntentScript>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new Keys(prefix);
    this.scripts = new LuaRunner(redis, join(__dirname, "lua"));
  }

  intentKey(jobId: string): string {
    return this.keys.intent(jobId);
  }

  doneKey(jobId: string, seq: number): string {
    return this.keys.intentDone(jobId, seq);
  }

  async read(jobId: string): Promise<Intent | null> {
    return parseIntent(await this.redis.hgetall(this.intentKey(jobId)));
  }

  async readDone(jobId: string, seq: number): Promise<Intent | null> {
    return parseIntent(await this.redis.hgetall(this.doneKey(jobId, seq)));
  }

  /** Job ids whose intent is pending. */
  openJobIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.intentsOpen);
  }

  async open(p: {
    jobId: string;
    action: string;
    args: string;
    signed: SignedTransaction | null;
    escrowAttempt: number;
    now: number;
  }): Promise<{ verdict: OpenVerdict; intent: Intent }> {
    const reply = await this.scripts.run(
      "open-intent",
      [this.keys.intent(p.jobId), this.keys.intentSeq(p.jobId), this.keys.intentsOpen],
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
  async replaceTransaction(seen: Intent, signed: SignedTransaction, now: number): Promise<{ replaced: boolean; current: Intent | null }> {
    const reply = await this.scripts.run(
      "replace-transaction",
      [this.keys.intent(seen.jobId)],
      [seen.seq, seen.attempts, signed.tx, signed.signature, signed.blockhash, signed.lastValidBlockHeight, now],
    );
    const [replaced, current] = verdictReply(reply);
    return { replaced: replaced === 1, current };
  }

  /** Finish `intent` with `completion` and apply `writes`; false when it was no longer pending. */
  async complete(intent: Intent, completion: Completion, writes: readonly RedisWrite[], now: number): Promise<boolean> {
    const fixed = [this.keys.intent(intent.jobId), this.keys.intentsOpen, this.keys.intentDone(intent.jobId, intent.seq)];
    const encoded = writes.map((write, index) => ({ op: write.op, key: fixed.length + index + 1, args: argsOf(write) }));
    const reply = await this.scripts.runWithExtraKeys(
      "complete-intent",
      fixed,
      writes.map((write) => write.key),
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
