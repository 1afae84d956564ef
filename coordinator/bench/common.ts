/**
 * What the coordinator benches share: options, percentiles, a free port, a private
 * redis-server (scripts/services.sh) when $CYXWIZ_BENCH_REDIS_URL is not set, the
 * coordinator in a child process (so the load generator never shares its event loop),
 * and one way of printing a figure next to its target. Figures are printed, never
 * asserted.
 */
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, request, type Agent } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import Redis from "ioredis";

import type { EscrowActions } from "../src/ports";

export const ROOT = resolve(__dirname, "../..");

export function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index < 0 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

export interface BenchRedis {
  readonly url: string;
  /** Deletes the bench's keys (prefix) and stops a private server. */
  close(prefix: string): Promise<void>;
}

/** $CYXWIZ_BENCH_REDIS_URL, or a private redis-server on a free port, stopped by close(). */
export async function benchRedis(): Promise<BenchRedis> {
  const given = process.env.CYXWIZ_BENCH_REDIS_URL;
  let stop = (): void => undefined;
  let url = given;
  if (url === undefined) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "cyxwiz-bench-redis-"));
    execFileSync("bash", ["-c", `source scripts/install.sh && source scripts/services.sh && ensure_redis && start_redis ${port} ${dir}`], {
      cwd: ROOT,
      stdio: "inherit",
    });
    stop = () => execFileSync("bash", ["-c", `source scripts/services.sh && stop_redis ${port}`], { cwd: ROOT, stdio: "inherit" });
    url = `redis://127.0.0.1:${port}`;
  }
  const redisUrl = url;
  return {
    url: redisUrl,
    async close(prefix) {
      const cleanup = new Redis(redisUrl);
      let cursor = "0";
      do {
        const [next, keys] = await cleanup.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await cleanup.del(...keys);
      } while (cursor !== "0");
      cleanup.disconnect();
      stop();
    },
  };
}

/** Messages between a bench and its coordinator child. */
export type ToParent = { kind: "ready"; port: number } | { kind: "commands"; count: number };
export type ToChild = { kind: "commands" } | { kind: "stop" };

/** Forks `file` with `args` under ts-node (transpile only); $CYXWIZ_BENCH_PROFILE adds a CPU profile. */
export function forkServer(file: string, args: readonly string[]): ChildProcess {
  const profile = process.env.CYXWIZ_BENCH_PROFILE;
  return fork(file, [...args], {
    execArgv: ["-r", "ts-node/register/transpile-only", ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [])],
  });
}

export function nextMessage<Kind extends ToParent["kind"]>(child: ChildProcess, kind: Kind): Promise<Extract<ToParent, { kind: Kind }>> {
  return new Promise((done, fail) => {
    const listener = (reply: ToParent) => {
      if (reply.kind !== kind) return;
      child.off("message", listener);
      done(reply as Extract<ToParent, { kind: Kind }>);
    };
    child.on("message", listener);
    child.once("exit", (code) => fail(new Error(`the coordinator exited (${code})`)));
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.send({ kind: "stop" } satisfies ToChild);
  await exited;
}

export interface Sent {
  readonly status: number;
  readonly body: string;
}

export function post(agent: Agent, port: number, path: string, headers: Record<string, string>, body: Buffer): Promise<Sent> {
  return new Promise((done, fail) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", fail);
    req.end(body);
  });
}

/** One printed figure: value, unit, and whether it meets its target (if it has one). */
export function figure(label: string, value: string, unit: string, target?: { text: string; met: boolean }): string {
  const verdict = target === undefined ? "" : `${`target ${target.text}`.padEnd(22)}(${target.met ? "meets" : "misses"})`;
  return `  ${label.padEnd(18)}${value.padStart(9)} ${unit.padEnd(10)}${verdict}`;
}

/** An EscrowActions port that refuses everything: benches that run no loops never need one. */
export function refusingSettlement(bench: string): EscrowActions {
  const refuse = async (): Promise<never> => {
    throw new Error(`no settlement in the ${bench} bench`);
  };
  return { lock: refuse, unlock: refuse, refund: refuse, release: refuse, settlePartial: refuse };
}
