/**
 * `scripts/cyxwiz` run the way a user runs it: from a directory outside the repository,
 * through symlinks (e.g. ~/.local/bin/cyxwiz → the repository's scripts/cyxwiz), and as
 * `npm run cyxwiz`. No services: --help, `dev keygen` (writes a file) and `quote --spec`
 * (reads one, and stops at the file before it would need IPFS). Relative paths in the
 * arguments must resolve against the caller's directory, not the repository's.
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";

import { expect } from "chai";

const ROOT = resolve(__dirname, "../../..");
const SCRIPT = join(ROOT, "scripts/cyxwiz");

interface Run {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The caller's environment, minus what ts-mocha and npm set for this process
 * (TS_NODE_PROJECT, npm_*, INIT_CWD): a user's shell has none of it, so the CLI must find
 * its tsconfig and its working directory by itself.
 */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("TS_NODE_") && !key.startsWith("npm_") && key !== "INIT_CWD") env[key] = value;
  }
  return { ...env, ...extra };
}

/** `command args...` in `cwd`; never rejects (the exit code is part of the result). */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = userEnv()): Promise<Run> {
  return new Promise((done) => {
    execFile(command, args, { cwd, env, timeout: 120_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : (error.code ?? error.signal ?? -1), stdout, stderr });
    });
  });
}

function describeRun(result: Run): string {
  return `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

function expectUsage(result: Run): void {
  expect(result.code, describeRun(result)).to.equal(0);
  expect(result.stdout).to.match(/^usage: cyxwiz <command> \[flags\]/);
  expect(result.stdout).to.include("Commands:");
  expect(result.stdout).to.include("dev keygen");
  expect(result.stderr).to.equal("");
}

describe("cyxwiz from any directory and through a symlink", function () {
  this.timeout(300_000);
  // Real paths: the CLI reports absolute paths as the kernel resolves them.
  const base = realpathSync(mkdtempSync(join(tmpdir(), "cyxwiz-cli-anywhere-")));
  const work = join(base, "work");
  const bin = join(base, "bin");
  const links = join(base, "links");
  // Names nothing in the repository has, so that a file written there by mistake is seen.
  const wallet = `wallet-${randomBytes(4).toString("hex")}.json`;
  const npmWallet = `npm-${wallet}`;

  before(() => {
    // The CLI's build, brought up to date first (a no-op after `npm run build`), so that the
    // cases below see a CLI that starts without building (nothing on stderr).
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-b", join(ROOT, "app/cli")], { stdio: "inherit" });
    mkdirSync(work);
    mkdirSync(bin);
    mkdirSync(links);
    // Two hops, as with a package manager's shim: bin/cyxwiz → links/cyxwiz → scripts/cyxwiz.
    symlinkSync(SCRIPT, join(links, "cyxwiz"));
    symlinkSync(join("..", "links", "cyxwiz"), join(bin, "cyxwiz"));
  });

  after(() => {
    rmSync(base, { recursive: true, force: true });
    for (const name of [wallet, npmWallet]) rmSync(join(ROOT, name), { force: true });
  });

  it("prints the usage with exit 0 when run by its path from a directory outside the repository", async () => {
    expectUsage(await run(SCRIPT, ["--help"], work));
  });

  it("prints the usage with exit 0 when found on PATH through a chain of symlinks", async () => {
    const env = userEnv({ PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` });
    expectUsage(await run("cyxwiz", ["--help"], work, env));
  });

  it("writes a relative --keypair in the caller's directory (dev keygen --json, through the symlink)", async () => {
    const result = await run(join(bin, "cyxwiz"), ["dev", "keygen", "--keypair", `./${wallet}`, "--json"], work);
    expect(result.code, describeRun(result)).to.equal(0);
    const document = JSON.parse(result.stdout) as { path: string; publicKey: string };
    expect(document.path).to.equal(join(work, wallet));
    expect(JSON.parse(readFileSync(join(work, wallet), "utf8")))
      .to.be.an("array")
      .with.lengthOf(64);
    expect(existsSync(join(ROOT, wallet)), `${wallet} written in the repository`).to.equal(false);

    const again = await run(join(bin, "cyxwiz"), ["dev", "keygen", "--keypair", `./${wallet}`, "--json"], work);
    expect(again.code, describeRun(again)).to.equal(1);
    expect(JSON.parse(again.stdout).error.code).to.equal("KEYPAIR_EXISTS");
  });

  it("reads a relative --spec from the caller's directory (quote stops at the invalid file)", async () => {
    writeFileSync(join(work, "job.json"), "not json\n");
    const here = await run(SCRIPT, ["quote", "--spec", "./job.json", "--json"], work);
    expect(here.code, describeRun(here)).to.equal(1);
    expect(JSON.parse(here.stdout).error).to.include({ code: "FILE_INVALID" });

    const elsewhere = await run(SCRIPT, ["quote", "--spec", "./job.json", "--json"], bin);
    expect(elsewhere.code, describeRun(elsewhere)).to.equal(1);
    expect(JSON.parse(elsewhere.stdout).error).to.include({ code: "FILE_UNREADABLE" });
  });

  it("resolves relative paths against the directory npm was run from (npm run cyxwiz)", async () => {
    const result = await run(
      "npm",
      ["--prefix", ROOT, "run", "-s", "cyxwiz", "--", "dev", "keygen", "--keypair", `./${npmWallet}`, "--json"],
      work,
    );
    expect(result.code, describeRun(result)).to.equal(0);
    expect((JSON.parse(result.stdout) as { path: string }).path).to.equal(join(work, npmWallet));
    expect(existsSync(join(work, npmWallet))).to.equal(true);
    expect(existsSync(join(ROOT, npmWallet)), `${npmWallet} written in the repository`).to.equal(false);
  });
});
