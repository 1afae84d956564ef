/**
 * The agent against a fake coordinator (node:http, signatures checked) and an in-memory
 * IPFS, training with the real trainer on a small generated dataset: a job run to its
 * report, a resumed job, an offer while busy, a cancel and a lost job. Set-up in
 * harness/agent-world.ts.
 */
import { expect } from "chai";

import { mlpConfig, smallDataset } from "./harness/fakes";
import { describeAgent, waitForBeat } from "./harness/agent-world";

describeAgent((w) => {
  const { lines, start, expectReproduced, earlierRun, jobDirs } = w;

  it("registers, accepts an mlp offer by naming it, trains with progress in its beats, uploads and reports metrics the coordinator's evaluator reproduces", async () => {
    const dataset = await smallDataset(w.ipfs);
    const handle = start({ checkpointEveryEpochs: 2 });
    await w.log.next("registered");
    expect(w.coordinator.registrations).to.deep.equal([{ gpuModel: "RTX_3060", vramGb: 12, gpuCount: 1, priceFloor: "1000" }]);
    const offer = w.coordinator.offerJob(mlpConfig(dataset.cid, 5), dataset.cid, "job-token-1");
    const reported = await w.log.next("reported");

    expect(w.log.milestones()).to.deep.equal(["offer", "accepted", "dataset-fetched", "weights-uploaded", "reported"]);
    expect(w.log.of("epoch").map((event) => event.epoch)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(w.coordinator.reports).to.have.length(1);
    const report = w.coordinator.reports[0];
    expect(report.jobId).to.equal(offer.jobId);
    expect(report.body.jobToken, "the offer's job token goes back with the report").to.equal("job-token-1");
    expect(reported.weightsCid).to.equal(report.body.weightsCid);

    // The weights on IPFS are the reported ones, and the coordinator's own evaluator reproduces the metrics.
    await expectReproduced(offer, report.body);

    // Accepted by a beat naming the job; progress rose to 1 in the beats that followed.
    const named = w.coordinator.beats.filter((beat) => beat.body.jobId === offer.jobId);
    expect(named[0].body).to.deep.equal({ jobId: offer.jobId });
    const progress = named.map((beat) => beat.body.progress).filter((p): p is number => p !== undefined);
    expect(progress, "progress never goes down").to.deep.equal([...progress].sort((a, b) => a - b));
    expect(progress.every((p) => p > 0 && p <= 1)).to.equal(true);
    // Checkpoints after epochs 2 and 4 (not the last) were uploaded and announced.
    await w.log.next("checkpoint-uploaded", (event) => event.epoch === 4);
    expect(w.coordinator.checkpoints.map((c) => [c.body.epoch, c.body.epochs, c.body.jobToken])).to.deep.equal([
      [2, 5, "job-token-1"],
      [4, 5, "job-token-1"],
    ]);
    for (const checkpoint of w.coordinator.checkpoints) expect(w.ipfs.files.has(checkpoint.body.cid as string)).to.equal(true);
    expect(jobDirs(), "the job's directory is deleted after the report").to.deep.equal([]);

    await handle.stop("done");
    await handle.done;
    expect(w.log.events.at(-1)).to.deep.equal({ type: "stopped", reason: "done" });
  });

  it("an offer with resumeFrom: the checkpoint is fetched and hash-checked, only the remaining epochs are trained, checkpoints start after it, and the result is the uninterrupted run's, reproduced by the coordinator's evaluator", async () => {
    const dataset = await smallDataset(w.ipfs);
    const config = mlpConfig(dataset.cid, 6);
    const earlier = await earlierRun(config, dataset.bytes, 3);
    start({ checkpointEveryEpochs: 1 });
    await w.log.next("registered");
    const offer = w.coordinator.offerJob(config, dataset.cid, "job-token-r");
    w.coordinator.offer = { ...offer, resumeFrom: earlier.checkpoint };
    await w.log.next("reported");

    expect(
      w.log.of("epoch").map((event) => event.epoch),
      "only the epochs after the checkpoint",
    ).to.deep.equal([4, 5, 6]);
    await w.log.next("checkpoint-uploaded", (event) => event.epoch === 5);
    expect(
      w.coordinator.checkpoints.map((c) => c.body.epoch),
      "checkpoints start after the resume epoch",
    ).to.deep.equal([4, 5]);
    const report = w.coordinator.reports[0];
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
      const dataset = await smallDataset(w.ipfs);
      const config = mlpConfig(dataset.cid, 4);
      const other =
        bad === "spec" ? await earlierRun(mlpConfig(dataset.cid, 5), dataset.bytes, 2) : await earlierRun(config, dataset.bytes, 2);
      const checkpoint = bad === "sha256" ? { ...other.checkpoint, sha256: "0".repeat(64) } : { ...other.checkpoint, epochs: 4 };
      start({ checkpointEveryEpochs: 1 });
      await w.log.next("registered");
      const offer = w.coordinator.offerJob(config, dataset.cid, "job-token-b");
      w.coordinator.offer = { ...offer, resumeFrom: checkpoint };
      await w.log.next("reported");
      expect(w.log.of("epoch").map((event) => event.epoch)).to.deep.equal([1, 2, 3, 4]);
      // Epochs 1 and 2 are at or below the offered resume point: uploaded, not announced
      // (the coordinator refuses them, and this run is paid only past epoch 2).
      await w.log.next("checkpoint-uploaded", (event) => event.epoch === 3);
      expect(w.log.of("checkpoint-uploaded").map((event) => [event.epoch, event.announced])).to.deep.equal([
        [1, false],
        [2, false],
        [3, true],
      ]);
      expect(w.coordinator.checkpoints.map((c) => c.body.epoch)).to.deep.equal([3]);
      await expectReproduced(offer, w.coordinator.reports[0].body);
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
    const dataset = await smallDataset(w.ipfs);
    start();
    await w.log.next("registered");
    const first = w.coordinator.offerJob(mlpConfig(dataset.cid, 6), dataset.cid);
    await w.log.next("epoch", (event) => event.jobId === first.jobId && event.epoch === 1);
    // What a node sees when it is offered the next job before its report of the last has landed.
    const beats = w.coordinator.beats.length;
    const second = w.coordinator.offerJob(mlpConfig(dataset.cid, 2), dataset.cid);
    await waitForBeat(w.coordinator, beats, (beat) => beat.body.jobId === first.jobId);
    await w.log.next("reported", (event) => event.jobId === second.jobId);
    expect(w.coordinator.reports.map((report) => report.jobId)).to.deep.equal([first.jobId, second.jobId]);
    expect(w.log.of("offer-refused")).to.deep.equal([]);
  });

  it("cancel mid-training: training aborts, nothing is reported, the job's directory is deleted", async () => {
    const dataset = await smallDataset(w.ipfs);
    start();
    await w.log.next("registered");
    const offer = w.coordinator.offerJob(mlpConfig(dataset.cid, 500), dataset.cid);
    await w.log.next("epoch", (event) => event.epoch === 2);
    expect(jobDirs()).to.deep.equal([offer.jobId]);
    w.coordinator.cancel = { jobId: offer.jobId, reason: "the client cancelled" };
    const cancelled = await w.log.next("cancelled");
    expect(cancelled).to.deep.equal({ type: "cancelled", jobId: offer.jobId, reason: "the client cancelled" });
    // The next beat says the node is free; by then the job's directory is gone.
    const after = w.coordinator.beats.length;
    await waitForBeat(w.coordinator, after, (beat) => beat.body.jobId === undefined);
    expect(jobDirs()).to.deep.equal([]);
    expect(w.coordinator.reports).to.deep.equal([]);
    expect(w.log.of("weights-uploaded")).to.deep.equal([]);
    expect(w.log.of("epoch").at(-1)?.epoch ?? 0).to.be.below(500);
  });

  it("409 NOT_ASSIGNED on a beat naming the job: the node lost it, training aborts, no report", async () => {
    const dataset = await smallDataset(w.ipfs);
    start();
    await w.log.next("registered");
    const offer = w.coordinator.offerJob(mlpConfig(dataset.cid, 500), dataset.cid);
    await w.log.next("epoch", (event) => event.epoch === 2);
    w.coordinator.revoked = true;
    const lost = await w.log.next("job-lost");
    expect(lost.jobId).to.equal(offer.jobId);
    expect(lost.reason).to.match(/no longer this node's/);
    const after = w.coordinator.beats.length;
    await waitForBeat(w.coordinator, after, (beat) => beat.body.jobId === undefined && beat.status === 200);
    expect(jobDirs()).to.deep.equal([]);
    expect(w.coordinator.reports).to.deep.equal([]);
    expect(w.log.of("epoch").at(-1)?.epoch ?? 0).to.be.below(500);
  });
});
