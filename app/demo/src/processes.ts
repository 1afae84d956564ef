/**
 * Child processes of the demo and the CLI's end-to-end test: the coordinator
 * (coordinator/dist/main.js) and `cyxwiz` commands (app/cli/dist/main.js), each a real
 * process running the compiled JavaScript (`npm run build` first), its output kept in a
 * log file and read line by line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

export const ROOT = resolve(__dirname, "..", "..", "..");
export const CLI_MAIN = join(ROOT, "app", "cli", "dist", "main.js");
const COORDINATOR_MAIN = join(ROOT, "coordinator", "dist", "main.js");

export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<number | string>;
}

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  readonly log?: string;
  /** Each stdout line, as it comes. */
  readonly onLine?: (line: string) => void;
}

/** A compiled entry point of this repository as a process of its own. */
export function spawnNode(script: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log: WriteStream | undefined;
  if (options.log !== undefined) log = createWriteStream(options.log, { flags: "a" });
  child.stderr?.on("data", (chunk: Buffer) => log?.write(chunk));
  if (child.stdout === null) throw new Error(`${script} was started without a stdout pipe`);
  createInterface({ input: child.stdout }).on("line", (line) => {
    log?.write(`${line}\n`);
    options.onLine?.(line);
  });
  const exited = new Promise<number | string>((resolveExit) => {
    child.on("exit", (code, signal) => {
      log?.end();
      resolveExit(code ?? signal ?? -1);
    });
  });
  return {
    process: child,
    pid: child.pid ?? -1,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** `cyxwiz <args>` as a process. */
export function spawnCli(args: readonly string[], options: SpawnOptions = {}): Child {
  return spawnNode(CLI_MAIN, args, options);
}

export interface CliResult {
  /** The exit code, or the signal's name. */
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cyxwiz <args>` to its end and collects what it printed. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code, signal) => resolveRun({ code: code ?? signal ?? -1, stdout, stderr }));
  });
}

/** A TCP port nothing listens on right now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface CoordinatorOptions {
  readonly port: number;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly rpcUrl: string;
  readonly ipfsApi: string;
  readonly keypairPath: string;
  readonly log: string;
  readonly heartbeatMs?: number;
  readonly heartbeatMisses?: number;
  /** A built dashboard (app/web/dist) the coordinator serves at /; none when absent. */
  readonly dashboardDir?: string;
}

export interface RunningCoordinator {
  readonly url: string;
  readonly child: Child;
}

/** Starts coordinator/dist/main.js and resolves at its ready line; rejects if it exits first. */
export async function startCoordinator(options: CoordinatorOptions): Promise<RunningCoordinator> {
  let ready: (url: string) => void = () => undefined;
  const readyLine = new Promise<string>((resolveReady) => (ready = resolveReady));
  const child = spawnNode(COORDINATOR_MAIN, [], {
    log: options.log,
    env: {
      CYXWIZ_COORDINATOR_PORT: String(options.port),
      CYXWIZ_REDIS_URL: options.redisUrl,
      CYXWIZ_REDIS_PREFIX: options.redisPrefix,
      CYXWIZ_RPC_URL: options.rpcUrl,
      CYXWIZ_IPFS_API: options.ipfsApi,
      CYXWIZ_COORDINATOR_KEYPAIR: options.keypairPath,
      CYXWIZ_HEARTBEAT_INTERVAL_MS: String(options.heartbeatMs ?? 1_000),
      CYXWIZ_HEARTBEAT_MISSES: String(options.heartbeatMisses ?? 3),
      ...(options.dashboardDir === undefined ? {} : { CYXWIZ_DASHBOARD_DIR: options.dashboardDir }),
    },
    onLine(line) {
      const match = /^coordinator ready on (\S+)/.exec(line);
      if (match !== null) ready(match[1]);
    },
  });
  const url = await Promise.race([
    readyLine,
    child.exited.then((code) => {
      throw new Error(`the coordinator exited (${code}) before it was ready; its log: ${options.log}`);
    }),
  ]);
  return { url, child };
}

/** Each JSON line of a `--json` event stream (other lines are ignored). */
export function jsonLines(onEvent: (event: Record<string, unknown>) => void): (line: string) => void {
  return (line) => {
    if (!line.startsWith("{")) return;
    try {
      onEvent(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not an event line.
    }
  };
}
