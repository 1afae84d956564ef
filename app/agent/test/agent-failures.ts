/**
 * The agent against a fake coordinator and an in-memory IPFS when things go wrong: a run
 * given back, a coordinator that answers 503 or is unreachable, a report refused, offers it
 * cannot run, stop() during training. Set-up in harness/agent-world.ts.
 */
import { expect } from "chai";
import { COMMAND_KIND } from "../src";
import { mlpConfig, smallDataset } from "./harness/fakes";
import { describeAgent, waitForBeat } from "./harness/agent-world";

describeAgent((w) => {
  const { lines, start, jobDirs } = w;

  it("a run that fails here is given back with POST /v1/jobs/:id/fail (the token, the reason, fault job for an invalid dataset), then job-failed; the node is free for the next offer", async () => {
    const broken = await w.ipfs.add(new TextEncoder().encode("not a cyxwiz-tabular@1 dataset"));
    start();
    await w.log.next("registered");
    const offer = w.coordinator.offerJob(mlpConfig(broken, 3), broken, "job-token-9");
    const failed = await w.log.next("job-failed");
    expect(failed).to.include({ jobId: offer.jobId, fault: "job", abandoned: true });
    expect(w.coordinator.fails).to.have.length(1);
    expect(w.coordinator.fails[0].jobId).to.equal(offer.jobId);
    expect(w.coordinator.fails[0].body).to.deep.equal({ jobToken: "job-token-9", reason: failed.reason, fault: "job" });
    expect(String(w.coordinator.fails[0].body.reason).length).to.be.within(1, 500);
    expect(w.coordinator.reports).to.deep.equal([]);
    expect(jobDirs()).to.deep.equal([]);
    // Free again: the next offer is accepted and reported.
    const dataset = await smallDataset(w.ipfs);
    const next = w.coordinator.offerJob(mlpConfig(dataset.cid, 2), dataset.cid, "job-token-10");
    const reported = await w.log.next("reported");
    expect(reported.jobId).to.equal(next.jobId);
  });

  it("the give-up is retried while the coordinator answers 503 and sent once it takes it", async () => {
    const broken = await w.ipfs.add(new TextEncoder().encode("still not a dataset"));
    start();
    await w.log.next("registered");
    w.coordinator.failsUnavailable = 2;
    const offer = w.coordinator.offerJob(mlpConfig(broken, 3), broken, "job-token-11");
    await w.log.next("coordinator-unreachable");
    const failed = await w.log.next("job-failed");
    expect(w.coordinator.failsUnavailable).to.equal(0);
    expect(failed).to.include({ jobId: offer.jobId, abandoned: true });
    expect(w.coordinator.fails.map((f) => f.jobId)).to.deep.equal([offer.jobId]);
  });

  it("coordinator unreachable: training goes on, beats back off, the report arrives when it is back", async () => {
    const dataset = await smallDataset(w.ipfs);
    start();
    await w.log.next("registered");
    w.coordinator.checkpointRoute = false;
    const offer = w.coordinator.offerJob(mlpConfig(dataset.cid, 6), dataset.cid);
    await w.log.next("accepted");
    await w.coordinator.stop();
    // Down from the start of training to past the upload: every epoch and the upload happen without it.
    await w.log.next("weights-uploaded");
    await w.log.next("coordinator-unreachable");
    expect(w.log.of("epoch").map((event) => event.epoch)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(w.coordinator.reports).to.deep.equal([]);
    await w.coordinator.start();
    const reported = await w.log.next("reported");
    await w.log.next("coordinator-back");
    expect(w.coordinator.reports.map((r) => r.jobId)).to.deep.equal([offer.jobId]);
    expect(w.coordinator.reports[0].body.weightsSha256).to.equal(reported.weightsSha256);
    expect(w.log.of("coordinator-unreachable"), "one event per outage, not one per failed call").to.have.length(1);
  });

  it("a report refused with a 4xx is not retried: the job fails saying so; a coordinator without the checkpoint endpoint only loses the announcements", async () => {
    const dataset = await smallDataset(w.ipfs);
    start({ checkpointEveryEpochs: 1 });
    await w.log.next("registered");
    w.coordinator.checkpointRoute = false;
    w.coordinator.refuseReport = { code: "INVALID_FIELD", message: "metrics.x is not a metric name" };
    const offer = w.coordinator.offerJob(mlpConfig(dataset.cid, 3), dataset.cid);
    const failed = await w.log.next("job-failed");
    expect(failed.jobId).to.equal(offer.jobId);
    expect(failed.reason).to.match(
      /^the coordinator refused the report of job [0-9a-f]{64}: metrics.x is not a metric name; not retrying \(the weights stay on IPFS as b[a-z2-7]+\)$/,
    );
    expect(w.coordinator.refusedReports).to.equal(1);
    expect(w.log.of("error").map((event) => [event.code, event.fatal])).to.deep.equal([["REPORT_REFUSED", false]]);
    expect(w.log.of("checkpoint-uploaded").map((event) => [event.epoch, event.announced])).to.deep.equal([
      [1, false],
      [2, false],
    ]);
    expect(lines.filter((line) => line.startsWith("debug the coordinator has no checkpoint endpoint"))).to.have.length(1);
    expect(jobDirs()).to.deep.equal([]);
  });

  it("refuses offers it cannot run and never names them: unknown kind, no kind, commands when not allowed, a spec naming another dataset", async () => {
    const dataset = await smallDataset(w.ipfs);
    const other = await smallDataset(w.ipfs, {
      seed: 99,
      samples: 300,
      features: 4,
      classes: 3,
      clustersPerClass: 2,
      spread: 1,
      centreRange: 2,
    });
    start();
    await w.log.next("registered");
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ kind: "someone/else@1", lr: 0.1 }, /the kind "someone\/else@1"; this agent runs cyxwiz\/mlp-classifier@1/],
      [{ lr: 0.1 }, /names no kind/],
      [{ kind: COMMAND_KIND, command: ["true"], outputs: "weights.bin" }, /does not allow commands/],
      [mlpConfig(other.cid, 3), /is not the job's datasetCid/],
      [{ ...mlpConfig(dataset.cid, 3), hyperparameters: { epochs: 3 } }, /not a valid cyxwiz\/mlp-classifier@1 spec/],
    ];
    for (const [config, reason] of cases) {
      const offer = w.coordinator.offerJob(config, dataset.cid);
      const refused = await w.log.next("offer-refused", (event) => event.jobId === offer.jobId);
      expect(refused.reason).to.match(reason);
      // Several beats later the offer is still there, unaccepted.
      await waitForBeat(w.coordinator, w.coordinator.beats.length + 3, () => true);
      expect(w.coordinator.beats.some((beat) => beat.body.jobId === offer.jobId)).to.equal(false);
      expect(w.coordinator.offer?.jobId).to.equal(offer.jobId);
      expect(
        w.log.of("offer").filter((event) => event.offer.jobId === offer.jobId),
        "considered once",
      ).to.have.length(1);
    }
    expect(w.log.of("accepted")).to.deep.equal([]);
  });

  it("stop() during training: aborts the job, stops beating, resolves done; nothing reported", async () => {
    const dataset = await smallDataset(w.ipfs);
    const handle = start();
    await w.log.next("registered");
    w.coordinator.offerJob(mlpConfig(dataset.cid, 500), dataset.cid);
    await w.log.next("epoch", (event) => event.epoch === 1);
    await handle.stop("SIGINT");
    await handle.done;
    const beats = w.coordinator.beats.length;
    expect(w.log.events.at(-1)).to.deep.equal({ type: "stopped", reason: "SIGINT" });
    expect(jobDirs()).to.deep.equal([]);
    expect(w.coordinator.reports).to.deep.equal([]);
    // No beat after done (one more beat interval later, nothing arrived).
    await new Promise((resolve) => setTimeout(resolve, w.coordinator.nextBeatInMs * 3));
    expect(w.coordinator.beats.length).to.equal(beats);
  });
});
