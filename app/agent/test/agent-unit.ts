/**
 * The agent against a fake coordinator (node:http, signatures checked) and an in-memory
 * IPFS; training is the real trainer on a small generated dataset.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHash } from "node:crypto";

import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { MlpClassifierEvaluator } from "@cyxwiz/coordinator/proofs/builtin-evaluator";
import { parseSpec, train } from "@cyxwiz/trainer";
import { type AgentHandle, COMMAND_KIND, runAgent } from "../src";
import type { OfferedCheckpoint, OfferInfo } from "../src/events";
import { EventLog, FakeCoordinator, MemoryIpfs, mlpConfig, smallDataset } from "./harness/fakes";

describe("node agent (fake coordinator)", function () {
  this.timeout(60_000);
  let coordinator: FakeCoordinator;
  let ipfs: MemoryIpfs;
  let log: EventLog;
  let workDir: string;
  let agent: AgentHandle | null;
  const lines: string[] = [];

  beforeEach(async () => {
    coordinator = await new FakeCoordinator().start();
    ipfs = new MemoryIpfs();
    log = new EventLog();
    workDir = mkdtempSync(join(tmpdir(), "cyxwiz-agent-"));
    agent = null;
    lines.length = 0;
  });

  afterEach(async () => {
    await agent?.stop("test over");
    await coordinator.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  function start(options: { allowCommands?: boolean; checkpointEveryEpochs?: number; bwrap?: string } = {}): AgentHandle {
    agent = runAgent(
      {
        keypair: Keypair.generate(),
        coordinatorUrl: coordinator.url,
        ipfsApiUrl: "http://127.0.0.1:1",
        workDir,
        gpu: { model: "rtx 3060", vramGb: 12 },
        priceFloor: "1000",
        backoff: { initialMs: 20, maxMs: 200 },
        requestTimeoutMs: 2_000,
        ipfs,
        ...options,
      },
      { onEvent: log.push, onLog: (level, message) => lines.push(`${level} ${message}`) },
    );
    return agent;
  }

  /** The coordinator's own evaluator reproduces the reported metrics from the weights on IPFS. */
  async function expectReproduced(offer: OfferInfo, body: Record<string, unknown>): Promise<void> {
    const weights = ipfs.files.get(body.weightsCid as string);
    if (weights === undefined) expect.fail("the reported weights are not on IPFS");
    const evaluation = await new MlpClassifierEvaluator().evaluate({
      jobId: offer.jobId,
      kind: offer.config.kind as string,
      config: offer.config,
      datasetCid: offer.datasetCid,
      weights: { cid: body.weightsCid as string, sha256: body.weightsSha256 as string, bytes: weights.length },
      claimed: body.metrics as Record<string, number>,
      read: async (cid: string) => {
        const bytes = ipfs.files.get(cid);
        if (bytes === undefined) throw new Error(`${cid} missing`);
        return bytes;
      },
      signal: new AbortController().signal,
    });
    expect(evaluation.reproduced, JSON.stringify(evaluation)).to.equal(true);
  }

  /** Trains `config` here as another node would: its checkpoint after `epoch` (on IPFS) and its final weights' sha256. */
  async function earlierRun(
    config: Record<string, unknown>,
    dataset: Uint8Array,
    epoch: number,
  ): Promise<{ checkpoint: OfferedCheckpoint; weightsSha256: string }> {
    let bytes: Uint8Array | null = null;
    const result = await train(parseSpec(config), dataset, {
      onCheckpoint: (checkpoint, at) => {
        if (at === epoch) bytes = checkpoint;
      },
    });
    if (bytes === null) expect.fail(`no checkpoint after epoch ${epoch}`);
    const cid = await ipfs.add(bytes);
    const epochs = (config.hyperparameters as { epochs: number }).epochs;
    return {
      checkpoint: { cid, sha256: createHash("sha256").update(bytes).digest("hex"), epoch, epochs },
      weightsSha256: result.weightsSha256,
    };
  }

  const jobDirs = () => (existsSync(join(workDir, "jobs")) ? readdirSync(join(workDir, "jobs")) : []);

  it("registers, accepts an mlp offer by naming it, trains with progress in its beats, uploads and reports metrics the coordinator's evaluator reproduces", async () => {
    const dataset = await smallDataset(ipfs);
    const handle = start({ checkpointEveryEpochs: 2 });
    await log.next("registered");
    expect(coordinator.registrations).to.deep.equal([{ gpuModel: "RTX_3060", vramGb: 12, gpuCount: 1, priceFloor: "1000" }]);
    const offer = coordinator.offerJob(mlpConfig(dataset.cid, 5), dataset.cid, "job-token-1");
    const reported = await log.next("reported");

    expect(log.milestones()).to.deep.equal(["offer", "accepted", "dataset-fetched", "weights-uploaded", "reported"]);
    expect(log.of("epoch").map((event) => event.epoch)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(coordinator.reports).to.have.length(1);
    const report = coordinator.reports[0];
    expect(report.jobId).to.equal(offer.jobId);
    expect(report.body.jobToken, "the offer's job token goes back with the report").to.equal("job-token-1");
    expect(reported.weightsCid).to.equal(report.body.weightsCid);

    // The weights on IPFS are the reported ones, and the coordinator's own evaluator reproduces the metrics.
    await expectReproduced(offer, report.body);

    // Accepted by a beat naming the job; progress rose to 1 in the beats that followed.
    const named = coordinator.beats.filter((beat) => beat.body.jobId === offer.jobId);
    expect(named[0].body).to.deep.equal({ jobId: offer.jobId });
    const progress = named.map((beat) => beat.body.progress).filter((p): p is number => p !== undefined);
    expect(progress, "progress never goes down").to.deep.equal([...progress].sort((a, b) => a - b));
    expect(progress.every((p) => p > 0 && p <= 1)).to.equal(true);
    // Checkpoints after epochs 2 and 4 (not the last) were uploaded and announced.
    await log.next("checkpoint-uploaded", (event) => event.epoch === 4);
    expect(coordinator.checkpoints.map((c) => [c.body.epoch, c.body.epochs, c.body.jobToken])).to.deep.equal([
      [2, 5, "job-token-1"],
      [4, 5, "job-token-1"],
    ]);
    for (const checkpoint of coordinator.checkpoints) expect(ipfs.files.has(checkpoint.body.cid as string)).to.equal(true);
    expect(jobDirs(), "the job's directory is deleted after the report").to.deep.equal([]);

    await handle.stop("done");
    await handle.done;
    expect(log.events.at(-1)).to.deep.equal({ type: "stopped", reason: "done" });
  });

  it("an offer with resumeFrom: the checkpoint is fetched and hash-checked, only the remaining epochs are trained, checkpoints start after it, and the result is the uninterrupted run's, reproduced by the coordinator's evaluator", async () => {
    const dataset = await smallDataset(ipfs);
    const config = mlpConfig(dataset.cid, 6);
    const earlier = await earlierRun(config, dataset.bytes, 3);
    start({ checkpointEveryEpochs: 1 });
    await log.next("registered");
    const offer = coordinator.offerJob(config, dataset.cid, "job-token-r");
    coordinator.offer = { ...offer, resumeFrom: earlier.checkpoint };
    await log.next("reported");

    expect(
      log.of("epoch").map((event) => event.epoch),
      "only the epochs after the checkpoint",
    ).to.deep.equal([4, 5, 6]);
    await log.next("checkpoint-uploaded", (event) => event.epoch === 5);
    expect(
      coordinator.checkpoints.map((c) => c.body.epoch),
      "checkpoints start after the resume epoch",
    ).to.deep.equal([4, 5]);
    const report = coordinator.reports[0];
    expect(report.body.weightsSha256, "the same weights as an uninterrupted run").to.equal(earlier.weightsSha256);
    await expectReproduced(offer, report.body);
    expect(
      lines.some((line) =>
        line.startsWith(`info job ${offer.jobId}: resuming from the offered checkpoint ${earlier.checkpoint.cid} (epoch 3/6)`),
      ),
    ).to.equal(true);
  });

  for (const bad of ["sha256", "spec"] as const) {
    it(`an offered checkpoint that ${bad === "sha256" ? "does not hash to the offered sha256" : "belongs to another spec"} is not used: all epochs are trained, the reason logged`, async () => {
      const dataset = await smallDataset(ipfs);
      const config = mlpConfig(dataset.cid, 4);
      const other =
        bad === "spec" ? await earlierRun(mlpConfig(dataset.cid, 5), dataset.bytes, 2) : await earlierRun(config, dataset.bytes, 2);
      const checkpoint = bad === "sha256" ? { ...other.checkpoint, sha256: "0".repeat(64) } : { ...other.checkpoint, epochs: 4 };
      start({ checkpointEveryEpochs: 1 });
      await log.next("registered");
      const offer = coordinator.offerJob(config, dataset.cid, "job-token-b");
      coordinator.offer = { ...offer, resumeFrom: checkpoint };
      await log.next("reported");
      expect(log.of("epoch").map((event) => event.epoch)).to.deep.equal([1, 2, 3, 4]);
      // Epochs 1 and 2 are at or below the offered resume point: uploaded, not announced
      // (the coordinator refuses them, and this run is paid only past epoch 2).
      await log.next("checkpoint-uploaded", (event) => event.epoch === 3);
      expect(log.of("checkpoint-uploaded").map((event) => [event.epoch, event.announced])).to.deep.equal([
        [1, false],
        [2, false],
        [3, true],
      ]);
      expect(coordinator.checkpoints.map((c) => c.body.epoch)).to.deep.equal([3]);
      await expectReproduced(offer, coordinator.reports[0].body);
      const why =
        bad === "sha256"
          ? /^warn job [0-9a-f]+: the offered checkpoint .* hashes to [0-9a-f]{64}, not the offered 0{64}; training from the start$/
          : /^info job [0-9a-f]+: the offered checkpoint does not fit this job \(.*\); training from the start$/;
      expect(
        lines.filter((line) => why.test(line)),
        lines.join("\n"),
      ).to.have.length(1);
    });
  }

  it("an offer that comes while the node is still busy is not refused: it is taken once the node is free", async () => {
    const dataset = await smallDataset(ipfs);
    start();
    await log.next("registered");
    const first = coordinator.offerJob(mlpConfig(dataset.cid, 6), dataset.cid);
    await log.next("epoch", (event) => event.jobId === first.jobId && event.epoch === 1);
    // What a node sees when it is offered the next job before its report of the last has landed.
    const beats = coordinator.beats.length;
    const second = coordinator.offerJob(mlpConfig(dataset.cid, 2), dataset.cid);
    await waitForBeat(coordinator, beats, (beat) => beat.body.jobId === first.jobId);
    await log.next("reported", (event) => event.jobId === second.jobId);
    expect(coordinator.reports.map((report) => report.jobId)).to.deep.equal([first.jobId, second.jobId]);
    expect(log.of("offer-refused")).to.deep.equal([]);
  });

  it("cancel mid-training: training aborts, nothing is reported, the job's directory is deleted", async () => {
    const dataset = await smallDataset(ipfs);
    start();
    await log.next("registered");
    const offer = coordinator.offerJob(mlpConfig(dataset.cid, 500), dataset.cid);
    await log.next("epoch", (event) => event.epoch === 2);
    expect(jobDirs()).to.deep.equal([offer.jobId]);
    coordinator.cancel = { jobId: offer.jobId, reason: "the client cancelled" };
    const cancelled = await log.next("cancelled");
    expect(cancelled).to.deep.equal({ type: "cancelled", jobId: offer.jobId, reason: "the client cancelled" });
    // The next beat says the node is free; by then the job's directory is gone.
    const after = coordinator.beats.length;
    await waitForBeat(coordinator, after, (beat) => beat.body.jobId === undefined);
    expect(jobDirs()).to.deep.equal([]);
    expect(coordinator.reports).to.deep.equal([]);
    expect(log.of("weights-uploaded")).to.deep.equal([]);
    expect(log.of("epoch").at(-1)?.epoch ?? 0).to.be.below(500);
  });

  it("409 NOT_ASSIGNED on a beat naming the job: the node lost it, training aborts, no report", async () => {
    const dataset = await smallDataset(ipfs);
    start();
    await log.next("registered");
    const offer = coordinator.offerJob(mlpConfig(dataset.cid, 500), dataset.cid);
    await log.next("epoch", (event) => event.epoch === 2);
    coordinator.revoked = true;
    const lost = await log.next("job-lost");
    expect(lost.jobId).to.equal(offer.jobId);
    expect(lost.reason).to.match(/no longer this node's/);
    const after = coordinator.beats.length;
    await waitForBeat(coordinator, after, (beat) => beat.body.jobId === undefined && beat.status === 200);
    expect(jobDirs()).to.deep.equal([]);
    expect(coordinator.reports).to.deep.equal([]);
    expect(log.of("epoch").at(-1)?.epoch ?? 0).to.be.below(500);
  });

  it("a run that fails here is given back with POST /v1/jobs/:id/fail (the token, the reason, fault job for an invalid dataset), then job-failed; the node is free for the next offer", async () => {
    const broken = await ipfs.add(new TextEncoder().encode("not a cyxwiz-tabular@1 dataset"));
    start();
    await log.next("registered");
    const offer = coordinator.offerJob(mlpConfig(broken, 3), broken, "job-token-9");
    const failed = await log.next("job-failed");
    expect(failed).to.include({ jobId: offer.jobId, fault: "job", abandoned: true });
    expect(coordinator.fails).to.have.length(1);
    expect(coordinator.fails[0].jobId).to.equal(offer.jobId);
    expect(coordinator.fails[0].body).to.deep.equal({ jobToken: "job-token-9", reason: failed.reason, fault: "job" });
    expect(String(coordinator.fails[0].body.reason).length).to.be.within(1, 500);
    expect(coordinator.reports).to.deep.equal([]);
    expect(jobDirs()).to.deep.equal([]);
    // Free again: the next offer is accepted and reported.
    const dataset = await smallDataset(ipfs);
    const next = coordinator.offerJob(mlpConfig(dataset.cid, 2), dataset.cid, "job-token-10");
    const reported = await log.next("reported");
    expect(reported.jobId).to.equal(next.jobId);
  });

  it("the give-up is retried while the coordinator answers 503 and sent once it takes it", async () => {
    const broken = await ipfs.add(new TextEncoder().encode("still not a dataset"));
    start();
    await log.next("registered");
    coordinator.failsUnavailable = 2;
    const offer = coordinator.offerJob(mlpConfig(broken, 3), broken, "job-token-11");
    await log.next("coordinator-unreachable");
    const failed = await log.next("job-failed");
    expect(coordinator.failsUnavailable).to.equal(0);
    expect(failed).to.include({ jobId: offer.jobId, abandoned: true });
    expect(coordinator.fails.map((f) => f.jobId)).to.deep.equal([offer.jobId]);
  });

  it("coordinator unreachable: training goes on, beats back off, the report arrives when it is back", async () => {
    const dataset = await smallDataset(ipfs);
    start();
    await log.next("registered");
    coordinator.checkpointRoute = false;
    const offer = coordinator.offerJob(mlpConfig(dataset.cid, 6), dataset.cid);
    await log.next("accepted");
    await coordinator.stop();
    // Down from the start of training to past the upload: every epoch and the upload happen without it.
    await log.next("weights-uploaded");
    await log.next("coordinator-unreachable");
    expect(log.of("epoch").map((event) => event.epoch)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(coordinator.reports).to.deep.equal([]);
    await coordinator.start();
    const reported = await log.next("reported");
    await log.next("coordinator-back");
    expect(coordinator.reports.map((r) => r.jobId)).to.deep.equal([offer.jobId]);
    expect(coordinator.reports[0].body.weightsSha256).to.equal(reported.weightsSha256);
    expect(log.of("coordinator-unreachable"), "one event per outage, not one per failed call").to.have.length(1);
  });

  it("a report refused with a 4xx is not retried: the job fails saying so; a coordinator without the checkpoint endpoint only loses the announcements", async () => {
    const dataset = await smallDataset(ipfs);
    start({ checkpointEveryEpochs: 1 });
    await log.next("registered");
    coordinator.checkpointRoute = false;
    coordinator.refuseReport = { code: "INVALID_FIELD", message: "metrics.x is not a metric name" };
    const offer = coordinator.offerJob(mlpConfig(dataset.cid, 3), dataset.cid);
    const failed = await log.next("job-failed");
    expect(failed.jobId).to.equal(offer.jobId);
    expect(failed.reason).to.match(
      /^the coordinator refused the report of job [0-9a-f]{64}: metrics.x is not a metric name; not retrying \(the weights stay on IPFS as b[a-z2-7]+\)$/,
    );
    expect(coordinator.refusedReports).to.equal(1);
    expect(log.of("error").map((event) => [event.code, event.fatal])).to.deep.equal([["REPORT_REFUSED", false]]);
    expect(log.of("checkpoint-uploaded").map((event) => [event.epoch, event.announced])).to.deep.equal([
      [1, false],
      [2, false],
    ]);
    expect(lines.filter((line) => line.startsWith("debug the coordinator has no checkpoint endpoint"))).to.have.length(1);
    expect(jobDirs()).to.deep.equal([]);
  });

  it("refuses offers it cannot run and never names them: unknown kind, no kind, commands when not allowed, a spec naming another dataset", async () => {
    const dataset = await smallDataset(ipfs);
    const other = await smallDataset(ipfs, {
      seed: 99,
      samples: 300,
      features: 4,
      classes: 3,
      clustersPerClass: 2,
      spread: 1,
      centreRange: 2,
    });
    start();
    await log.next("registered");
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ kind: "someone/else@1", lr: 0.1 }, /the kind "someone\/else@1"; this agent runs cyxwiz\/mlp-classifier@1/],
      [{ lr: 0.1 }, /names no kind/],
      [{ kind: COMMAND_KIND, command: ["true"], outputs: "weights.bin" }, /does not allow commands/],
      [mlpConfig(other.cid, 3), /is not the job's datasetCid/],
      [{ ...mlpConfig(dataset.cid, 3), hyperparameters: { epochs: 3 } }, /not a valid cyxwiz\/mlp-classifier@1 spec/],
    ];
    for (const [config, reason] of cases) {
      const offer = coordinator.offerJob(config, dataset.cid);
      const refused = await log.next("offer-refused", (event) => event.jobId === offer.jobId);
      expect(refused.reason).to.match(reason);
      // Several beats later the offer is still there, unaccepted.
      await waitForBeat(coordinator, coordinator.beats.length + 3, () => true);
      expect(coordinator.beats.some((beat) => beat.body.jobId === offer.jobId)).to.equal(false);
      expect(coordinator.offer?.jobId).to.equal(offer.jobId);
      expect(
        log.of("offer").filter((event) => event.offer.jobId === offer.jobId),
        "considered once",
      ).to.have.length(1);
    }
    expect(log.of("accepted")).to.deep.equal([]);
  });

  it("stop() during training: aborts the job, stops beating, resolves done; nothing reported", async () => {
    const dataset = await smallDataset(ipfs);
    const handle = start();
    await log.next("registered");
    coordinator.offerJob(mlpConfig(dataset.cid, 500), dataset.cid);
    await log.next("epoch", (event) => event.epoch === 1);
    await handle.stop("SIGINT");
    await handle.done;
    const beats = coordinator.beats.length;
    expect(log.events.at(-1)).to.deep.equal({ type: "stopped", reason: "SIGINT" });
    expect(jobDirs()).to.deep.equal([]);
    expect(coordinator.reports).to.deep.equal([]);
    // No beat after done (one more beat interval later, nothing arrived).
    await new Promise((resolve) => setTimeout(resolve, coordinator.nextBeatInMs * 3));
    expect(coordinator.beats.length).to.equal(beats);
  });

  it("beats back off during an outage but never beyond the coordinator's beat interval (a restarted coordinator hears from the node within its grace)", async () => {
    coordinator.nextBeatInMs = 40;
    start();
    await log.next("beat");
    await coordinator.stop();
    const down = await log.next("coordinator-unreachable");
    expect(down.retryInMs).to.be.at.most(40);
    // Backoff would reach 200 ms (maxMs) after 4 failures; the waits stay ≤ 40 ms.
    const waits = () =>
      lines
        .filter((line) => line.startsWith("debug coordinator still unreachable"))
        .map((line) => Number(/next try in (\d+) ms/.exec(line)?.[1]));
    await waitUntil(() => waits().length >= 6);
    expect(waits().slice(0, 6)).to.deep.equal([40, 40, 40, 40, 40, 40]);
    await coordinator.start();
    await log.next("coordinator-back");
  });

  it("coordinator down at start: registration retried with backoff until it answers", async () => {
    await coordinator.stop();
    start();
    const down = await log.next("coordinator-unreachable");
    expect(down.error).to.match(/cannot reach the coordinator .*ECONNREFUSED/);
    await coordinator.start();
    await log.next("registered");
    await log.next("coordinator-back");
    expect(coordinator.registrations).to.have.length(1);
  });

  it("a registration the coordinator refuses ends the agent: done rejects saying what to fix", async () => {
    coordinator.refuseRegistration = { code: "INVALID_FIELD", message: "gpuModel must be one of CPU, RTX_3060, …", field: "gpuModel" };
    const handle = start();
    let failure: unknown = null;
    await handle.done.catch((error: unknown) => {
      failure = error;
    });
    expect(failure).to.include({ code: "REGISTRATION_REFUSED" });
    expect(String((failure as Error).message)).to.match(
      /refused to register this node as 1× RTX_3060 12 GB .*gpuModel must be one of.*\(field gpuModel\); fix the declared GPU/,
    );
    expect(log.types().slice(-2)).to.deep.equal(["error", "stopped"]);
    expect(log.of("error")[0].fatal).to.equal(true);
    expect(coordinator.beats).to.deep.equal([]);
  });

  it("options are checked before anything starts", () => {
    const base = { keypair: Keypair.generate(), coordinatorUrl: coordinator.url, ipfsApiUrl: "http://127.0.0.1:1", workDir, ipfs };
    expect(() => runAgent({ ...base, priceFloor: "1.5" })).to.throw(/price floor must be token base units as a decimal integer/);
    expect(() => runAgent({ ...base, priceFloor: "1", checkpointEveryEpochs: -1 })).to.throw(
      /checkpointEveryEpochs must be an integer ≥ 0/,
    );
    expect(() => runAgent({ ...base, priceFloor: "1", keypair: join(workDir, "missing.json") })).to.throw(
      /cannot read the node keypair .*missing.json.*solana-keygen new/,
    );
    expect(() => runAgent({ ...base, priceFloor: "1", gpu: { model: "RTX_4090", vramGb: -2 } })).to.throw(/vramGb must be a number ≥ 0/);
  });
});

/** Resolves once a beat after index `from` passes `test` (polls the fake's record). */
async function waitForBeat(
  coordinator: FakeCoordinator,
  from: number,
  test: (beat: FakeCoordinator["beats"][number]) => boolean,
): Promise<void> {
  while (!coordinator.beatsAfter(from).some(test)) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
