/**
 * The escrow action runner: exactly-once money actions on a job's escrow (security
 * tests 26–30, 35, 36), signed by the coordinator key.
 *
 * 1. Intent before transaction. The action is signed first, then persisted in one
 *    Lua script with its wire bytes, signature and lastValidBlockHeight, and only
 *    then sent. The script refuses a second open intent for the job, which makes the
 *    Redis record the lock across processes: of any number of concurrent callers,
 *    one transaction is persisted, the others follow it (same action) or are refused
 *    (another action, INTENT_CONFLICT). Unsent losing signatures are discarded.
 * 2. Same bytes until they expire. The persisted bytes are sent without preflight
 *    (a duplicate of a landed transaction is dropped, not an error) and re-sent every
 *    `resendMs` while the signature status is polled. A new transaction is signed
 *    only once the cluster's finalized block height is past the old one's
 *    lastValidBlockHeight and its status is still empty: from then on the old bytes
 *    can never land, so two transactions of one intent can never both land.
 * 3. After expiry, the chain decides. The escrow is read: if it already shows the
 *    action (a previous process's transaction landed, or someone else did it) the
 *    intent is done; otherwise a new transaction is signed (attempt + 1) by
 *    compare-and-set, so of several followers exactly one re-signs.
 * 4. Landed but failed. The program error is decoded; InvalidStatus on an escrow
 *    that already shows the action is success by someone else; anything else is a
 *    failure recorded with the error's name.
 * 5. Done atomically. Finishing the intent, keeping its audit copy and applying the
 *    caller's state change (`onSettled` writes) is one Lua script that applies only
 *    to a still-pending intent: whoever observes the landing first records it.
 * 6. Start-up. `recover()` follows every pending intent through the same loop: a
 *    landed signature is confirmed, live bytes are re-sent, expired ones are
 *    reconciled from the chain. A crash at any point between two of these steps
 *    therefore pays at most once (tests 27, 28), and Redis restarting loses nothing
 *    that was acknowledged (AOF; test 30).
 *
 * Decisions use only chain data (block height, signature status, escrow state);
 * the local clock (`now`) only stamps records and paces re-sends, so a skewed
 * coordinator clock changes nothing (test 35).
 */
import type { Connection, PublicKey, Signer } from "@solana/web3.js";
import type Redis from "ioredis";

import type { Escrow, EscrowStatusName, JobEscrowProgram, ProofHash } from "@cyxwiz/sdk";
import type { Logger } from "../logger";
import { decodeJobEscrow, fetchJobEscrow, readEscrowSnapshot } from "./escrow-account";
import { SettlementError, SettlementFailedError } from "./errors";
import { type Intent, outcomeOf, type SettlementOutcome } from "./intent";
import { chainState, DEFAULT_SETTLEMENT_TIMING, IntentDriver, logFields, type SettlementTiming } from "./intent-driver";
import { IntentStore, type RedisWrite } from "./intent-store";
import { allowedIn, encodeRequest, isReflected, type SettlementRequest, validateRequest } from "./settlement-actions";
import { rpcSend, type SendTransaction } from "./transaction";

export interface EscrowActionRunnerDeps {
  redis: Redis;
  connection: Connection;
  program: JobEscrowProgram;
  /** The config's coordinator key: signs and pays for every action. */
  coordinator: Signer;
  /** The coordinator's Redis key prefix (config `redis.keyPrefix`). */
  keyPrefix: string;
  log: Logger;
  timing?: Partial<SettlementTiming>;
  /** Unix ms; stamps records and paces re-sends, never decides expiry. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  send?: SendTransaction;
  /**
   * The caller's state change for a finished action (e.g. the job → released),
   * applied in the same atomic step that finishes the intent, in whichever process
   * observes the outcome (also in `recover()` after a restart).
   */
  onSettled?: (outcome: SettlementOutcome) => readonly RedisWrite[] | Promise<readonly RedisWrite[]>;
}

/** The job a money action is for: the coordinator's job id and its escrow address. */
export interface EscrowTarget {
  jobId: string;
  escrow: PublicKey;
}

export interface EscrowReconciliation {
  jobId: string;
  escrow: PublicKey;
  /** The escrow on chain; null when it does not exist (never created, or closed). */
  onChain: Escrow | null;
  status: EscrowStatusName | null;
  /** Unix seconds by the Clock sysvar. */
  chainNow: number;
  /** By the chain clock; null without an escrow. */
  expired: boolean | null;
  /** The job's intent still in flight, if any: recover() finishes it. */
  pendingIntent: Intent | null;
}

/** An action under way: `recorded` once its intent is durably in Redis, `outcome` once it is finished. */
export interface ActionInFlight {
  /**
   * Resolves once the job's intent holds this very request, pending or confirmed:
   * opened here, or found there (opened by another caller or process). Never rejects;
   * it stays pending when the action ends before that (refused, failed, or already
   * reflected by the escrow), so race it with `outcome`.
   */
  readonly recorded: Promise<void>;
  readonly outcome: Promise<SettlementOutcome>;
}

const requestKey = (action: string, args: string) => `${action} ${args}`;

/** A promise and its resolve, for `recorded`. */
function signal(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

interface Tracked {
  readonly key: string;
  readonly promise: Promise<SettlementOutcome>;
  readonly recorded: Promise<void>;
}

export class EscrowActionRunner {
  private readonly store: IntentStore;
  private readonly driver: IntentDriver;
  private readonly now: () => number;
  private readonly inflight = new Map<string, Tracked>();
  private stopped = false;

  constructor(private readonly deps: EscrowActionRunnerDeps) {
    this.store = new IntentStore(deps.redis, deps.keyPrefix);
    // Read through a closure, so a clock replaced later (tests of skew) is the one used.
    this.now = deps.now ?? (() => Date.now());
    this.driver = new IntentDriver({
      store: this.store,
      connection: deps.connection,
      program: deps.program,
      coordinator: deps.coordinator,
      log: deps.log,
      timing: { ...DEFAULT_SETTLEMENT_TIMING, ...deps.timing },
      now: this.now,
      sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      send: deps.send ?? rpcSend(deps.connection),
      onSettled: deps.onSettled,
      isStopped: () => this.stopped,
    });
  }

  /**
   * Starts `request` on the job's escrow, as lock() … settlePartial() do, and tells
   * when its intent is recorded as well as when it is finished: a caller may hand a
   * payout over once it is recorded (recover() finishes it after a crash).
   */
  begin(target: EscrowTarget, request: SettlementRequest): ActionInFlight {
    const recorded = signal();
    const outcome = this.perform(target, request, recorded.resolve);
    return { recorded: recorded.promise, outcome };
  }

  /** Created → Locked to `node`. */
  lock(target: EscrowTarget, node: PublicKey): Promise<SettlementOutcome> {
    return this.perform(target, { action: "lock", node });
  }

  /** Locked → Created (the node vanished). */
  unlock(target: EscrowTarget): Promise<SettlementOutcome> {
    return this.perform(target, { action: "unlock" });
  }

  /** Locked → Released: the node is paid amount − fee, the treasury the fee. */
  release(target: EscrowTarget, proofHash: ProofHash): Promise<SettlementOutcome> {
    return this.perform(target, { action: "release", proofHash });
  }

  /** Everything back to the payer. */
  refund(target: EscrowTarget): Promise<SettlementOutcome> {
    return this.perform(target, { action: "refund" });
  }

  /** Timeout: the node is paid `nodeShareBps` of the amount (less the fee on it), the rest goes back. */
  settlePartial(target: EscrowTarget, nodeShareBps: number, proofHash: ProofHash): Promise<SettlementOutcome> {
    return this.perform(target, { action: "settle-partial", nodeShareBps, proofHash });
  }

  /**
   * Finishes every pending intent (at start-up, or after Redis came back). Returns
   * their outcomes, failed ones included; never sends a second transaction for an
   * intent whose first one may still land. One unreadable intent is logged and
   * does not keep the others from finishing.
   */
  async recover(): Promise<SettlementOutcome[]> {
    const jobIds = await this.store.openJobIds();
    const results = await Promise.allSettled(jobIds.map((jobId) => this.resume(jobId)));
    const outcomes: SettlementOutcome[] = [];
    results.forEach((result, index) => {
      if (result.status === "rejected") {
        this.deps.log.error("recovering a money intent failed", { jobId: jobIds[index], error: result.reason });
      } else if (result.value !== null) {
        outcomes.push(result.value);
      }
    });
    return outcomes;
  }

  /** The escrow of an open job as the chain has it, with the chain's time and the job's pending intent. */
  async reconcileEscrow(jobId: string, escrow: PublicKey): Promise<EscrowReconciliation> {
    const [{ account, chainNow }, intent] = await Promise.all([readEscrowSnapshot(this.deps.connection, escrow), this.store.read(jobId)]);
    const onChain = decodeJobEscrow(this.deps.program, escrow, account);
    return {
      jobId,
      escrow,
      onChain,
      status: onChain?.status ?? null,
      chainNow,
      expired: onChain === null ? null : chainNow >= onChain.expiresAt,
      pendingIntent: intent?.state === "pending" ? intent : null,
    };
  }

  /** Stops every loop at its next step; their intents stay pending for recover(). */
  close(): void {
    this.stopped = true;
  }

  private async perform(
    target: EscrowTarget,
    request: SettlementRequest,
    onRecorded: () => void = () => undefined,
  ): Promise<SettlementOutcome> {
    validateRequest(target.jobId, request);
    const args = encodeRequest(target.escrow, request);
    const outcome = await this.track(target.jobId, requestKey(request.action, args), onRecorded, (recorded) =>
      this.start(target, request, args, recorded),
    );
    if (outcome.state === "failed") {
      throw new SettlementFailedError(outcome.jobId, outcome.action, outcome.error ?? "unknown error", outcome.signature);
    }
    return outcome;
  }

  /**
   * One driver per job in this process: the same request joins it (and is recorded
   * when it is), another is refused. `run` is told when its intent is recorded.
   */
  private track(
    jobId: string,
    key: string,
    onRecorded: () => void,
    run: (recorded: () => void) => Promise<SettlementOutcome>,
  ): Promise<SettlementOutcome> {
    const current = this.inflight.get(jobId);
    if (current !== undefined) {
      if (current.key !== key) return Promise.reject(conflict(jobId, current.key, key));
      void current.recorded.then(onRecorded);
      return current.promise;
    }
    const recorded = signal();
    void recorded.promise.then(onRecorded);
    const promise: Promise<SettlementOutcome> = run(recorded.resolve).finally(() => {
      if (this.inflight.get(jobId)?.promise === promise) this.inflight.delete(jobId);
    });
    this.inflight.set(jobId, { key, promise, recorded: recorded.promise });
    return promise;
  }

  private async resume(jobId: string): Promise<SettlementOutcome | null> {
    const current = this.inflight.get(jobId);
    if (current !== undefined) return current.promise;
    const intent = await this.store.read(jobId);
    if (intent === null || intent.state !== "pending") return null;
    this.deps.log.info("recovering money intent", logFields(intent));
    return this.track(
      jobId,
      requestKey(intent.action, intent.args),
      () => undefined,
      (recorded) => {
        recorded(); // read from Redis: it is recorded
        return this.driver.drive(intent);
      },
    );
  }

  private async start(target: EscrowTarget, request: SettlementRequest, args: string, recorded: () => void): Promise<SettlementOutcome> {
    const existing = await this.store.read(target.jobId);
    if (existing?.state === "pending") return this.follow(existing, request.action, args, recorded);
    if (existing?.state === "confirmed" && existing.action === request.action && existing.args === args) {
      recorded();
      return outcomeOf(existing);
    }
    const escrow = await fetchJobEscrow(this.deps.connection, this.deps.program, target.escrow);
    if (escrow === null) {
      throw new SettlementError(
        "ESCROW_NOT_FOUND",
        `no JobEscrow at ${target.escrow.toBase58()} for job ${target.jobId}: nothing to ${request.action}`,
      );
    }
    const reflected = isReflected(escrow, request, escrow.attempt);
    const allowed = allowedIn(request.action).includes(escrow.status);
    // Sign before persisting: the record must hold the very bytes that may be sent.
    const signed = reflected || !allowed ? null : await this.driver.sign(escrow, request);
    const { verdict, intent } = await this.store.open({
      jobId: target.jobId,
      action: request.action,
      args,
      signed,
      escrowAttempt: escrow.attempt,
      now: this.now(),
    });
    if (verdict === "done") {
      if (intent.state !== "failed") recorded();
      return outcomeOf(intent);
    }
    if (verdict === "open") return this.follow(intent, request.action, args, recorded);
    this.deps.log.info("money intent opened", logFields(intent));
    if (reflected) {
      return this.driver.finish(intent, chainState("confirmed", `the escrow already shows it (${escrow.status})`));
    }
    if (!allowed) {
      return this.driver.finish(intent, {
        ...chainState("failed", `the escrow is ${escrow.status}; nothing was sent`),
        error: "InvalidStatus",
      });
    }
    recorded();
    return this.driver.drive(intent);
  }

  /** Joins a pending intent of the same request (possibly another process's): it is recorded. */
  private follow(intent: Intent, action: string, args: string, recorded: () => void): Promise<SettlementOutcome> {
    if (intent.action !== action || intent.args !== args) {
      throw conflict(intent.jobId, requestKey(intent.action, intent.args), requestKey(action, args));
    }
    recorded();
    return this.driver.drive(intent);
  }
}

function conflict(jobId: string, open: string, requested: string): SettlementError {
  return new SettlementError(
    "INTENT_CONFLICT",
    `job ${jobId} has a money action in flight (${open}); refusing ${requested} until it is finished`,
  );
}
