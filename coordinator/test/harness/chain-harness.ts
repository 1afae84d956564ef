/**
 * Shared set-up of the chain-side integration tests (no tests in here): the real
 * localnet ($CYXWIZ_RPC_URL, keys and manifest in $CYXWIZ_LOCALNET_DIR, prepared by
 * `npm run migrate`) and the real redis-server ($CYXWIZ_TEST_REDIS_URL). Each test
 * gets its own key prefix, removed afterwards, and its own EscrowActionRunner "processes".
 */
import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { promisify } from "node:util";

import { type Connection, type PublicKey, Transaction } from "@solana/web3.js";
import bs58 from "bs58";
import type Redis from "ioredis";

import { type EscrowTarget, rpcSend, type SendTransaction, EscrowActionRunner, type EscrowActionRunnerDeps } from "../../src/chain";
import { DEFAULT_CONFIG } from "../../src/config";
import { memoryLogger } from "../../src/logger";
import { connectRedis } from "../../src/store/redis";
import { jobIdToHex } from "@cyxwiz/sdk";
import type { EscrowSuite, FundedEscrow, TestWallet } from "../../../tests/setup";

export const REDIS_URL = process.env.CYXWIZ_TEST_REDIS_URL ?? "redis://127.0.0.1:16379";
const REPO = resolve(__dirname, "..", "..", "..");

/** Fast loop timing for tests; the chain's block height still decides expiry. */
export const TEST_TIMING = { pollMs: 50, resendMs: 150, retryMs: 100 };

export function connectTestRedis(): Promise<Redis> {
  return connectRedis({ ...DEFAULT_CONFIG.redis, url: REDIS_URL }, memoryLogger());
}

/** A fresh key namespace per test, and the connections opened in it. */
export class TestNamespace {
  readonly prefix = `cyx-test:${randomUUID()}:`;
  private readonly connections: Redis[] = [];

  async redis(): Promise<Redis> {
    const redis = await connectTestRedis();
    this.connections.push(redis);
    return redis;
  }

  /** An EscrowActionRunner on its own Redis connection: one coordinator "process". */
  async settlement(deps: Pick<EscrowActionRunnerDeps, "connection" | "program" | "coordinator"> & Partial<EscrowActionRunnerDeps>) {
    const redis = await this.redis();
    return new EscrowActionRunner({
      redis,
      keyPrefix: this.prefix,
      log: memoryLogger(),
      timing: TEST_TIMING,
      ...deps,
    });
  }

  async cleanUp(): Promise<void> {
    const redis = await connectTestRedis();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${this.prefix}*`, "COUNT", 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    redis.disconnect();
    for (const connection of this.connections) connection.disconnect();
  }
}

/** A send that never returns: the process froze (was killed) at that point. */
export function frozen(): Promise<never> {
  return new Promise<never>(() => undefined);
}

export interface SendRecord {
  signature: string;
  wire: string;
  /** The finalized block height when the send was made. */
  height: number;
  delivered: boolean;
}

/** The RPC send, recording each call; `deliver(n)` says whether the n-th call (from 0) goes out. */
export function recordingSend(
  connection: Connection,
  deliver: (index: number) => boolean = () => true,
): { send: SendTransaction; sends: SendRecord[] } {
  const sends: SendRecord[] = [];
  const rpc = rpcSend(connection);
  const send: SendTransaction = async (wire) => {
    const transaction = Transaction.from(wire);
    if (transaction.signature === null) throw new Error("unsigned transaction sent");
    const record: SendRecord = {
      signature: bs58.encode(transaction.signature),
      wire: wire.toString("base64"),
      height: await connection.getBlockHeight("finalized"),
      delivered: deliver(sends.length),
    };
    sends.push(record);
    if (record.delivered) await rpc(wire);
  };
  return { send, sends };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

export interface FundedJob extends FundedEscrow {
  target: EscrowTarget;
  payer: TestWallet;
  node: TestWallet;
  amount: bigint;
}

/** A payer's escrow of `amount` (created through the SDK), and a node with a token account. */
export async function fundedJob(suite: EscrowSuite, amount: bigint, lifetimeSecs?: number): Promise<FundedJob> {
  const payer = await suite.wallet(amount);
  const node = await suite.wallet();
  const funded = await suite.createEscrow(payer, amount, lifetimeSecs);
  return { ...funded, payer, node, amount, target: { jobId: jobIdToHex(funded.jobId), escrow: funded.escrow } };
}

/** Every transaction that touched `escrow`, oldest first, with its error. */
export async function escrowTransactions(connection: Connection, escrow: PublicKey) {
  const signatures = await connection.getSignaturesForAddress(escrow);
  return signatures.reverse().map((entry) => ({ signature: entry.signature, err: entry.err }));
}

/**
 * Stops the test redis-server and starts it again on the same data directory, with
 * scripts/services.sh (a clean shutdown flushes the AOF; the restart replays it).
 */
export async function restartTestRedis(): Promise<void> {
  const port = new URL(REDIS_URL).port || "6379";
  const admin = await connectTestRedis();
  const [, dir] = (await admin.config("GET", "dir")) as string[];
  admin.disconnect();
  await promisify(execFile)("bash", ["-c", 'source scripts/services.sh && restart_redis "$1" "$2"', "restart", port, dir], {
    cwd: REPO,
  });
}

/**
 * Runs chain-crash-child.ts: a real coordinator process that releases `target` and
 * SIGKILLs itself before or after sending. Resolves with the signal it died of.
 */
export function runKilledCoordinator(
  crashAt: "before-send" | "after-send",
  prefix: string,
  target: EscrowTarget,
  proofText: string,
): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=source",
      "-r",
      "ts-node/register/transpile-only",
      resolve(__dirname, "chain-crash-child.ts"),
      crashAt,
      prefix,
      target.jobId,
      target.escrow.toBase58(),
      proofText,
    ],
    { cwd: REPO, env: { ...process.env, TS_NODE_PROJECT: resolve(REPO, "tsconfig.json") }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("exit", (code, signal) => done({ signal, code, stderr }));
  });
}
