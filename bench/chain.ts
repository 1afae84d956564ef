/**
 * Chain throughput: N escrow cycles (create → lock → release) through the RPC with
 * a configurable concurrency. Prints transactions per second and the p50/p99
 * send+confirm latency of each instruction. A measurement, never an assertion.
 *
 *   npm run bench:chain -- [--cycles 200] [--concurrency 16] [--amount 1000000] [--json]
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";

import { migrate } from "../migrations/migrate";
import {
  chainUnixTime,
  createConnection,
  EscrowClient,
  type FundedWallet,
  fundNewWallet,
  jobIdFromUuid,
  jobIdToHex,
  loadManifestKeys,
  proofHashOf,
  sol,
  topUp,
} from "@cyxwiz/sdk";

const INSTRUCTIONS = ["create_escrow", "lock_escrow", "release_escrow"] as const;
type InstructionName = (typeof INSTRUCTIONS)[number];

interface BenchOptions {
  cycles: number;
  concurrency: number;
  amount: bigint;
  json: boolean;
}

class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\nusage: npm run bench:chain -- [--cycles N] [--concurrency C] [--amount BASE_UNITS] [--json]`);
    this.name = "UsageError";
  }
}

function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = { cycles: 200, concurrency: 16, amount: 1_000_000n, json: false };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    if (flag === "--json") {
      options.json = true;
      continue;
    }
    const value = argv[index + 1];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    index += 1;
    if (flag === "--cycles") options.cycles = Number(value);
    else if (flag === "--concurrency") options.concurrency = Number(value);
    else if (flag === "--amount") options.amount = BigInt(value);
    else throw new UsageError(`unknown flag ${flag}`);
  }
  for (const [name, value] of [
    ["--cycles", options.cycles],
    ["--concurrency", options.concurrency],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new UsageError(`${name} must be a positive integer`);
  }
  if (options.amount < 1n) throw new UsageError("--amount must be at least 1");
  return options;
}

interface LatencyStats {
  instruction: InstructionName;
  count: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function stats(instruction: InstructionName, samples: number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? 0 : sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return {
    instruction,
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: mean,
    maxMs: sorted.at(-1) ?? 0,
  };
}

async function timed<T>(samples: number[], action: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await action();
  samples.push(performance.now() - start);
  return result;
}

async function run(options: BenchOptions): Promise<void> {
  const log = options.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const connection = createConnection();
  const manifest = await migrate({ connection });
  const keys = loadManifestKeys(manifest);
  const client = await EscrowClient.connect(connection);
  const coordinator = keys.coordinator;

  log(`setting up ${options.concurrency} payers on ${connection.rpcEndpoint} ...`);
  const cyclesPerWorker = Math.ceil(options.cycles / options.concurrency);
  await topUp(connection, keys.mintAuthority.publicKey, sol(10 + options.concurrency * 2), sol(100 + options.concurrency * 2));
  const grant = { lamports: sol(1), tokens: options.amount * BigInt(cyclesPerWorker) };
  const payers: FundedWallet[] = await Promise.all(
    Array.from({ length: options.concurrency }, () => fundNewWallet(connection, keys.mintAuthority, client.config.mint, grant)),
  );
  const node = await fundNewWallet(connection, keys.mintAuthority, client.config.mint, { lamports: sol(0.01), tokens: 0n });

  const samples: Record<InstructionName, number[]> = { create_escrow: [], lock_escrow: [], release_escrow: [] };
  const failures: string[] = [];
  const expiresAt = (await chainUnixTime(connection)) + 24 * 60 * 60;
  let next = 0;

  const worker = async (payer: FundedWallet) => {
    while (next < options.cycles) {
      next += 1;
      const jobId = jobIdFromUuid(randomUUID());
      try {
        const { escrow } = await timed(samples.create_escrow, () =>
          client.createEscrow({ payer: payer.keypair, jobId, amount: options.amount, expiresAt }),
        );
        await timed(samples.lock_escrow, () => client.lockEscrow({ coordinator, escrow, node: node.publicKey }));
        await timed(samples.release_escrow, () =>
          client.releaseEscrow({ coordinator, escrow, node: node.publicKey, proofHash: proofHashOf(jobIdToHex(jobId)) }),
        );
      } catch (error) {
        failures.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
    }
  };

  log(`running ${options.cycles} cycles (create → lock → release), concurrency ${options.concurrency} ...`);
  const start = performance.now();
  await Promise.all(payers.map(worker));
  const seconds = (performance.now() - start) / 1_000;

  const table = INSTRUCTIONS.map((name) => stats(name, samples[name]));
  const transactions = table.reduce((sum, row) => sum + row.count, 0);
  const report = {
    rpcUrl: connection.rpcEndpoint,
    cycles: options.cycles,
    concurrency: options.concurrency,
    transactions,
    failures: failures.length,
    seconds,
    transactionsPerSecond: transactions / seconds,
    cyclesPerSecond: transactions / INSTRUCTIONS.length / seconds,
    latency: table,
  };

  if (options.json) {
    console.log(JSON.stringify({ ...report, failureSamples: failures.slice(0, 5) }, null, 2));
    return;
  }
  const ms = (value: number) => value.toFixed(1).padStart(9);
  console.log("");
  console.log(
    `${"instruction".padEnd(16)}${"count".padStart(7)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"mean ms".padStart(9)}${"max ms".padStart(9)}`,
  );
  for (const row of table) {
    console.log(
      `${row.instruction.padEnd(16)}${String(row.count).padStart(7)}${ms(row.p50Ms)}${ms(row.p99Ms)}${ms(row.meanMs)}${ms(row.maxMs)}`,
    );
  }
  console.log("");
  console.log(
    `${transactions} transactions in ${seconds.toFixed(2)} s: ${report.transactionsPerSecond.toFixed(1)} tx/s, ` +
      `${report.cyclesPerSecond.toFixed(1)} escrow cycles/s (concurrency ${options.concurrency})`,
  );
  if (failures.length > 0) {
    console.log(`${failures.length} cycles failed; first: ${failures[0]}`);
  }
}

Promise.resolve()
  .then(() => run(parseOptions(process.argv.slice(2))))
  .then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? `error: ${error.message}` : error);
      process.exit(1);
    },
  );
