/**
 * cyxwiz/command@1 in the bubblewrap sandbox (the real bwrap: apt-get install -y
 * bubblewrap), through the agent with the fake coordinator: the output file is the
 * reported weights; the sandbox has no network, a read-only root and only the job's
 * directory writable.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { type AgentHandle, COMMAND_KIND, parseCommandConfig, probeSandbox, runAgent } from "../src";
import { sha256Hex } from "../src/ipfs";
import { EventLog, FakeCoordinator, MemoryIpfs } from "./harness/fakes";

describe("node agent: sandboxed commands (cyxwiz/command@1)", function () {
  this.timeout(60_000);
  let coordinator: FakeCoordinator;
  let ipfs: MemoryIpfs;
  let log: EventLog;
  let workDir: string;
  let agent: AgentHandle | null = null;

  beforeEach(async () => {
    coordinator = await new FakeCoordinator().start();
    ipfs = new MemoryIpfs();
    log = new EventLog();
    workDir = mkdtempSync(join(tmpdir(), "cyxwiz-agent-cmd-"));
  });

  afterEach(async () => {
    await agent?.stop();
    agent = null;
    await coordinator.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  function start(bwrap?: string): AgentHandle {
    agent = runAgent(
      {
        keypair: Keypair.generate(),
        coordinatorUrl: coordinator.url,
        ipfsApiUrl: "http://127.0.0.1:1",
        workDir,
        gpu: { model: "CPU", vramGb: 0 },
        priceFloor: "1",
        allowCommands: true,
        ipfs,
        bwrap,
      },
      { onEvent: log.push },
    );
    return agent;
  }

  it("bwrap works on this machine (apt-get install -y bubblewrap)", async () => {
    expect(await probeSandbox()).to.deep.equal({ ok: true, reason: "" });
  });

  it("runs the command with the dataset in its directory and reports its output file as the weights", async () => {
    const dataset = new TextEncoder().encode("rows of data\n");
    const datasetCid = await ipfs.add(dataset);
    start();
    await log.next("registered");
    // What the sandbox allows and forbids, written into the output for the test to read.
    const script = [
      "set -u",
      "net=$(grep -c : /proc/net/dev)", // interfaces: only lo when the network is unshared
      "if touch /usr/cyxwiz-escape 2>/dev/null; then root=writable; else root=read-only; fi",
      "if touch /tmp/scratch; then tmp=writable; else tmp=read-only; fi",
      'cat "$CYXWIZ_DATASET" > weights.bin',
      'echo "net=$net root=$root tmp=$tmp" >> weights.bin',
    ].join("\n");
    const offer = coordinator.offerJob({ kind: COMMAND_KIND, command: ["sh", "-c", script], outputs: "weights.bin" }, datasetCid);
    const reported = await log.next("reported");
    const weights = ipfs.files.get(reported.weightsCid);
    if (weights === undefined) expect.fail("the output is not on IPFS");
    expect(new TextDecoder().decode(weights)).to.equal("rows of data\nnet=1 root=read-only tmp=writable\n");
    expect(coordinator.reports).to.deep.equal([
      { jobId: offer.jobId, body: { weightsCid: reported.weightsCid, weightsSha256: sha256Hex(weights), metrics: {} } },
    ]);
  });

  it("a command that fails or writes no output: the job fails with its exit code and output, nothing reported", async () => {
    const datasetCid = await ipfs.add(new Uint8Array([1, 2, 3]));
    start();
    await log.next("registered");
    const offer = coordinator.offerJob(
      { kind: COMMAND_KIND, command: ["sh", "-c", "echo oops >&2; exit 3"], outputs: "weights.bin" },
      datasetCid,
    );
    const failed = await log.next("job-failed");
    // The offer carried no jobToken (an older coordinator): the failure cannot be told, only logged.
    expect(failed).to.deep.equal({
      type: "job-failed",
      jobId: offer.jobId,
      reason: "the command exited with code 3; its last output: oops",
      fault: "job",
      abandoned: false,
    });
    const second = coordinator.offerJob({ kind: COMMAND_KIND, command: ["true"], outputs: "weights.bin" }, datasetCid);
    const none = await log.next("job-failed", (event) => event.jobId === second.jobId);
    expect(none.reason).to.match(/^the command ended without writing weights.bin in its directory \(ENOENT\)/);
    expect(coordinator.reports).to.deep.equal([]);
  });

  it("cancelled while running: the sandbox is killed, nothing reported", async () => {
    const datasetCid = await ipfs.add(new Uint8Array([1]));
    start();
    await log.next("registered");
    const offer = coordinator.offerJob({ kind: COMMAND_KIND, command: ["sleep", "600"], outputs: "weights.bin" }, datasetCid);
    await log.next("dataset-fetched");
    coordinator.cancel = { jobId: offer.jobId, reason: "client cancelled" };
    await log.next("cancelled");
    expect(coordinator.reports).to.deep.equal([]);
  });

  it("cancelled as soon as the command starts: the agent is not held, and no process of the sandbox survives", async () => {
    const datasetCid = await ipfs.add(new Uint8Array([1]));
    start();
    await log.next("registered");
    // A duration no other process on the machine has, to find the sandbox's process by.
    const marker = `600.${Date.now() % 1_000_000}`;
    const offer = coordinator.offerJob({ kind: COMMAND_KIND, command: ["sleep", marker], outputs: "weights.bin" }, datasetCid);
    await log.next("dataset-fetched");
    coordinator.cancel = { jobId: offer.jobId, reason: "client cancelled" };
    await log.next("cancelled");
    const deadline = Date.now() + 5_000;
    let survivors = sleepers(marker);
    while (survivors.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      survivors = sleepers(marker);
    }
    expect(survivors, "sandboxed processes still running after the cancel").to.deep.equal([]);
    expect(coordinator.reports).to.deep.equal([]);
  });

  it("where bwrap cannot run, command offers are refused with the reason and the fix", async () => {
    const datasetCid = await ipfs.add(new Uint8Array([1]));
    start("/nonexistent/bwrap");
    await log.next("registered");
    const offer = coordinator.offerJob({ kind: COMMAND_KIND, command: ["true"], outputs: "weights.bin" }, datasetCid);
    const refused = await log.next("offer-refused");
    expect(refused).to.deep.include({ jobId: offer.jobId, kind: COMMAND_KIND });
    expect(refused.reason).to.match(/bubblewrap \(\/nonexistent\/bwrap\) is not installed; install it \(apt-get install -y bubblewrap\)/);
  });

  it("command configs are checked field by field", () => {
    expect(parseCommandConfig({ kind: COMMAND_KIND, command: ["python3", "train.py"], outputs: "weights.bin" })).to.deep.equal({
      command: ["python3", "train.py"],
      outputs: "weights.bin",
    });
    expect(parseCommandConfig({ kind: COMMAND_KIND, command: [], outputs: "weights.bin" })).to.match(
      /config.command must be a non-empty array/,
    );
    expect(parseCommandConfig({ kind: COMMAND_KIND, command: ["x"], outputs: "../etc/passwd" })).to.match(
      /config.outputs must be a plain file name/,
    );
    expect(parseCommandConfig({ kind: COMMAND_KIND, command: ["x"], outputs: "w.bin", env: {} })).to.match(
      /config.env is not a field of cyxwiz\/command@1/,
    );
  });
});

/** Pids of `sleep DURATION` processes on this machine. */
function sleepers(duration: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv.includes("sleep") && argv.includes(duration)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}
