/**
 * The verification loop and its store on a real redis-server and a real kubo daemon,
 * with the API harness's settlement port (the chain side is exercised end to end in
 * e2e-proofs.ts). Loop ticks are run by hand. Pinned here: each verdict is one
 * version-checked script (a verdict from an old snapshot is dropped), a retry
 * reschedules the proof at its nextAt, final verdicts move counts and queues together
 * and count in the node's record, and the release is handed over from its queue with
 * the verified sha256 only (so a crash after the verdict loses nothing, and a job
 * without a matching verified verdict is never released).
 */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import type { ProofVerdict } from "../../src/domain/proof-verdict";
import { type Api, call, heartbeat, jobTokenOf, registerNode, startApi, submitJob } from "../harness/api-harness";
import { addedWeights, IPFS_API, missingWeights } from "../harness/ipfs-harness";

describe("api: the verification loop on real Redis and IPFS", function () {
  this.timeout(30_000);
  let api: Api;
  let client: Keypair;
  let node: Keypair;
  beforeEach(async () => {
    api = await startApi({ config: (c) => ({ ...c, ipfs: { ...c.ipfs, apiUrl: IPFS_API, fetchTimeoutMs: 5_000 } }) });
    client = Keypair.generate();
    node = Keypair.generate();
  });
  afterEach(() => api.close());

  const job = async (jobId: string) => (await call(api, "GET", `/v1/jobs/${jobId}`, { signer: client })).body;
  const store = () => api.service.store;

  /** A job running on `node`, reported with this proof. */
  async function reported(weightsCid: string, weightsSha256: string): Promise<string> {
    await registerNode(api, node);
    const jobId = await submitJob(api, client);
    await api.service.dispatcher.runOnce();
    expect((await heartbeat(api, node, { jobId })).body.jobStatus).to.equal("running");
    const reply = await call(api, "POST", `/v1/jobs/${jobId}/report`, {
      signer: node,
      body: { weightsCid, weightsSha256, metrics: { loss: 0.3 }, jobToken: await jobTokenOf(api, jobId) },
    });
    expect(reply.status, reply.text).to.equal(202);
    return jobId;
  }

  it("verified: verifying → releasing in one script; the loop hands the release over with the weights' sha256 and empties its queue", async () => {
    const weights = await addedWeights(20_000);
    const jobId = await reported(weights.cid, weights.sha256);
    await api.service.verification.runOnce();

    expect(api.settlement.releases).to.deep.equal([
      { ref: { jobId, escrow: (await store().jobs.get(jobId))?.escrow, payer: client.publicKey.toBase58() }, proofHash: weights.sha256 },
    ]);
    const view = await job(jobId);
    expect(view.status).to.equal("releasing");
    expect((view.history as Record<string, unknown>[]).at(-1)).to.deep.include({
      event: "proof-verified",
      reason: "proof-verified",
      instruction: "release_escrow",
    });
    expect(await store().jobs.counts()).to.include({ verifying: 0, releasing: 1 });
    expect(await api.redis.zrange(`${api.prefix}jobs:verifying`, 0, -1)).to.deep.equal([]);
    expect(await store().verification.awaitingRelease()).to.deep.equal([]);
    expect(await store().nodes.get(node.publicKey.toBase58())).to.include({ proofsVerified: 1, proofsRejected: 0 });
  });

  it("rejected: verifying → refunding with the reason; the watchdog hands the refund over like any other", async () => {
    const missing = await missingWeights(1_000);
    const jobId = await reported(missing.cid, missing.sha256);
    await api.service.verification.runOnce();
    expect(api.settlement.releases).to.deep.equal([]);
    const view = await job(jobId);
    expect(view.status).to.equal("refunding");
    expect((view.verification as { verdict: ProofVerdict }).verdict).to.include({ outcome: "rejected", reason: "not-found" });
    expect(await store().jobs.awaitingRefund()).to.deep.equal([jobId]);
    await api.service.watchdog.runOnce();
    expect(api.settlement.refunds.map((ref) => ref.jobId)).to.deep.equal([jobId]);
    expect(await store().nodes.get(node.publicKey.toBase58())).to.include({ proofsVerified: 0, proofsRejected: 1 });
  });

  it("a retry stays verifying and is not checked again before its nextAt", async () => {
    const weights = await addedWeights(1_000);
    const jobId = await reported(weights.cid, weights.sha256);
    const snapshot = await store().jobs.get(jobId);
    if (snapshot === null) expect.fail("no job");
    const now = api.clock.now();
    const retry: ProofVerdict = { outcome: "retry", reason: "fetch-timeout", detail: "slow", attempt: 1, nextAt: now + 60_000 };
    expect(await store().verification.record(snapshot, retry, now)).to.deep.equal({ kind: "recorded", status: "verifying" });
    expect(await api.redis.zscore(`${api.prefix}jobs:verifying`, jobId)).to.equal(String(now + 60_000));
    expect(await store().verification.due(now + 59_999, 10)).to.deep.equal([]);
    await api.service.verification.runOnce();
    expect((await job(jobId)).status, "not due: not checked").to.equal("verifying");

    api.clock.advance(60_000);
    expect(await store().verification.due(api.clock.now(), 10)).to.deep.equal([jobId]);
    await api.service.verification.runOnce();
    const view = await job(jobId);
    expect(view.status).to.equal("releasing");
    expect(view.verification).to.deep.include({ transientFailures: 1, nextCheckAt: null });
    expect((view.history as Record<string, unknown>[]).map((record) => record.event).slice(-2)).to.deep.equal([
      "proof-retry",
      "proof-verified",
    ]);
  });

  it("a verdict computed from an old snapshot is not recorded: the first verdict wins", async () => {
    const weights = await addedWeights(1_000);
    const jobId = await reported(weights.cid, weights.sha256);
    const snapshot = await store().jobs.get(jobId);
    if (snapshot === null) expect.fail("no job");
    const now = api.clock.now();
    const rejected: ProofVerdict = { outcome: "rejected", reason: "hash-mismatch", detail: "first", attempt: 1 };
    const verified: ProofVerdict = { outcome: "verified", sha256: weights.sha256, bytes: 1_000, metrics: { reevaluated: false, why: "x" } };
    expect(await store().verification.record(snapshot, rejected, now)).to.deep.include({ kind: "recorded" });
    expect(await store().verification.record(snapshot, verified, now)).to.deep.equal({ kind: "stale" });
    expect((await job(jobId)).status).to.equal("refunding");
    expect(await store().verification.awaitingRelease()).to.deep.equal([]);
    expect(await store().nodes.get(node.publicKey.toBase58())).to.include({ proofsVerified: 0, proofsRejected: 1 });
  });

  it("a releasing job is handed over from its queue after a crash, and never without a verified verdict for the reported sha256", async () => {
    const weights = await addedWeights(1_000);
    const jobId = await reported(weights.cid, weights.sha256);
    const snapshot = await store().jobs.get(jobId);
    if (snapshot === null) expect.fail("no job");
    const verified: ProofVerdict = { outcome: "verified", sha256: weights.sha256, bytes: 1_000, metrics: { reevaluated: false, why: "x" } };
    // The verdict is recorded, then the process dies before the hand-over.
    await store().verification.record(snapshot, verified, api.clock.now());
    expect(await store().verification.awaitingRelease()).to.deep.equal([jobId]);

    // Someone edits the stored verdict: the hand-over refuses to release on it.
    await api.redis.hset(`${api.prefix}job:${jobId}`, "verification", JSON.stringify({ ...verified, sha256: "ee".repeat(32) }));
    await api.service.verification.runOnce();
    expect(api.settlement.releases).to.deep.equal([]);
    expect(
      api.log.lines.some((line) => line.msg === "releasing job without a matching verified verdict; not released, needs an operator"),
    ).to.equal(true);

    await api.redis.hset(`${api.prefix}job:${jobId}`, "verification", JSON.stringify(verified));
    await api.service.verification.runOnce();
    expect(api.settlement.releases.map((release) => release.proofHash)).to.deep.equal([weights.sha256]);
    expect(await store().verification.awaitingRelease()).to.deep.equal([]);
  });
});
