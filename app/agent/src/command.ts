/**
 * The kind cyxwiz/command@1: the client's own program, run in a bubblewrap sandbox.
 *
 *   config  {kind: "cyxwiz/command@1", command: ["python3", "train.py", ...], outputs: "weights.bin"}
 *
 * Refused unless the operator allowed commands (allowCommands) and bwrap works on this
 * machine. The sandbox: every namespace unshared (so no network, only a loopback),
 * the whole file system read-only, /tmp an empty tmpfs, /dev and /proc minimal, the
 * job's directory the only writable place (it is the working directory and holds the
 * dataset as `dataset.bin`), a clean environment, killed with the agent
 * (--die-with-parent) or on cancellation. The output file is reported as the weights;
 * no metrics are claimed (the coordinator has no evaluator for arbitrary programs, so
 * it checks the weights' hash only).
 */
import { execFile, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { OfferInfo } from "./events";
import { type JobContext, type JobExecutor, JobFaultError, type JobOutcome } from "./kinds";

export const COMMAND_KIND = "cyxwiz/command@1";

const OUTPUT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_ARGS = 256;
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

export interface CommandConfig {
  readonly command: readonly string[];
  readonly outputs: string;
}

/** The config's command and output file, or why it is not one. */
export function parseCommandConfig(config: Record<string, unknown>): CommandConfig | string {
  const { command, outputs } = config;
  for (const key of Object.keys(config)) {
    if (!["kind", "command", "outputs"].includes(key))
      return `config.${key} is not a field of ${COMMAND_KIND} (allowed: kind, command, outputs)`;
  }
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    command.length > MAX_ARGS ||
    !command.every((arg) => typeof arg === "string" && arg.length > 0)
  ) {
    return `config.command must be a non-empty array of at most ${MAX_ARGS} non-empty strings (program and arguments)`;
  }
  if (typeof outputs !== "string" || !OUTPUT_RE.test(outputs) || outputs === "dataset.bin") {
    return `config.outputs must be a plain file name in the job directory (e.g. "weights.bin"), not ${JSON.stringify(outputs)}`;
  }
  return { command: command as string[], outputs };
}

/** The bwrap command line that runs `command` with `dir` as the only writable place. */
export function sandboxArgs(dir: string, command: readonly string[]): string[] {
  return [
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
    "--bind",
    dir,
    dir,
    "--chdir",
    dir,
    "--clearenv",
    "--setenv",
    "PATH",
    "/usr/local/bin:/usr/bin:/bin",
    "--setenv",
    "HOME",
    dir,
    "--setenv",
    "CYXWIZ_DATASET",
    join(dir, "dataset.bin"),
    "--",
    ...command,
  ];
}

export interface SandboxStatus {
  readonly ok: boolean;
  /** Why commands cannot run here (with the fix), when not ok. */
  readonly reason: string;
}

/** Whether bwrap can build the sandbox on this machine: runs `true` inside it once. */
export function probeSandbox(bwrap = "bwrap"): Promise<SandboxStatus> {
  return new Promise((resolve) => {
    execFile(
      bwrap,
      ["--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--", "true"],
      { timeout: 10_000 },
      (error, _stdout, stderr) => {
        if (error === null) return resolve({ ok: true, reason: "" });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT")
          return resolve({
            ok: false,
            reason: `bubblewrap (${bwrap}) is not installed; install it (apt-get install -y bubblewrap) to run ${COMMAND_KIND} jobs`,
          });
        resolve({
          ok: false,
          reason: `bubblewrap cannot build a sandbox here (${String(stderr).trim() || error.message}); enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run the agent where bwrap works`,
        });
      },
    );
  });
}

export class CommandExecutor implements JobExecutor {
  readonly kind = COMMAND_KIND;
  private sandbox: Promise<SandboxStatus> | null = null;

  constructor(
    private readonly allowed: boolean,
    private readonly timeoutMs: number,
    private readonly bwrap = "bwrap",
  ) {}

  async check(offer: OfferInfo): Promise<string | null> {
    if (!this.allowed)
      return `${COMMAND_KIND} runs the client's own program; this agent does not allow commands (start it with allowCommands / --allow-commands to run them, sandboxed)`;
    const config = parseCommandConfig(offer.config);
    if (typeof config === "string") return config;
    this.sandbox ??= probeSandbox(this.bwrap);
    const status = await this.sandbox;
    return status.ok ? null : status.reason;
  }

  async run(context: JobContext): Promise<JobOutcome> {
    const config = parseCommandConfig(context.offer.config);
    if (typeof config === "string") throw new JobFaultError(config);
    await writeFile(join(context.dir, "dataset.bin"), await context.fetchDataset());
    await this.execute(context, config);
    const weights = await readFile(join(context.dir, config.outputs)).catch((error: NodeJS.ErrnoException) => {
      throw new JobFaultError(`the command ended without writing ${config.outputs} in its directory (${error.code ?? error.message})`);
    });
    if (weights.length > MAX_OUTPUT_BYTES)
      throw new JobFaultError(`${config.outputs} has ${weights.length} bytes, more than the ${MAX_OUTPUT_BYTES} a proof may have`);
    context.progress(1);
    return { weights: new Uint8Array(weights), metrics: {} };
  }

  private execute(context: JobContext, config: CommandConfig): Promise<void> {
    context.signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      // fd 3: bwrap's --info-fd, where it writes the pid of the sandbox's first process.
      const child = spawn(this.bwrap, ["--info-fd", "3", ...sandboxArgs(context.dir, config.command)], {
        stdio: ["ignore", "pipe", "pipe", "pipe"],
      });
      let tail = "";
      const keep = (chunk: Buffer) => {
        tail = (tail + chunk.toString("utf8")).slice(-2_000);
      };
      child.stdout?.on("data", keep);
      child.stderr?.on("data", keep);
      const sandbox = sandboxPid(child.stdio[3] as Readable | null);
      let why: string | null = null;
      let settled = false;
      const kill = (reason: string) => {
        why ??= reason;
        child.kill("SIGKILL");
        // Killing the sandbox's first process ends its whole pid namespace, also when
        // bwrap was killed before --die-with-parent took hold in the sandbox.
        void sandbox.then((pid) => pid !== null && killQuietly(pid));
        // Whatever survived must not hold the job: settle when bwrap exits, not when
        // the last holder of its output pipes lets go.
        child.once("exit", () => {
          for (const stream of [child.stdout, child.stderr, child.stdio[3]]) (stream as Readable | null)?.destroy();
          finish(null, null);
        });
      };
      const onAbort = () => kill("aborted");
      context.signal.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(() => kill(`the command ran longer than ${this.timeoutMs} ms`), this.timeoutMs);
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        context.signal.removeEventListener("abort", onAbort);
        if (context.signal.aborted) return reject(context.signal.reason);
        if (why !== null) return reject(new Error(why));
        if (code === 0) return resolve();
        reject(
          new JobFaultError(
            `the command exited with ${code === null ? `signal ${signal}` : `code ${code}`}; its last output: ${tail.trim() || "(none)"}`,
          ),
        );
      };
      child.on("error", (error) => kill(`cannot start ${this.bwrap}: ${error.message}`));
      child.on("close", finish);
    });
  }
}

/** The pid bwrap reports on its info fd (`{"child-pid": N}`), or null if it reports none. */
function sandboxPid(info: Readable | null): Promise<number | null> {
  if (info === null) return Promise.resolve(null);
  return new Promise((resolve) => {
    let text = "";
    info.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const match = /"child-pid":\s*(\d+)/.exec(text);
      if (match !== null) resolve(Number(match[1]));
    });
    info.on("error", () => resolve(null));
    info.on("close", () => resolve(null));
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
