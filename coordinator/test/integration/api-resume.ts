/**
 * Resume after reassignment on real Redis (chain faked): node A's verified checkpoint
 * outlives A; the job's next offer, to B, carries it as resumeFrom, and B's run is paid
 * only for the epochs B verified past it; B handing in an epoch at or below the resume
 * point is refused.
 */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { type Api, call, errorOf, heartbeat, jobTokenOf, registerNode, startApi, submitJob, WEIGHTS_CID } from "../harness/api-harness";

const SHA_A = "ab".repeat(32);
const SHA_B = "cd".repeat(32);

describe("api: a reassigned job's offer resumes from the last verified checkpoint", () => {
  let api: Api;
  afterEach(() => api?.close());

  async function verifyAll(): Promise<void> {
    for (const due of await api.service.store.runs.dueCheckpoints(api.clock.now(), 100)) {
      await api.service.store.runs.recordCheck(due, { outcome: "verified" }, api.clock.now());
    }
  }

  it("A checkpoints epoch 2 of 4 and is lost; B's offer carries it; B's cancel settles only B's epoch 3 (2 500 bps)", async () => {
    api = await startApi();
    const client = Keypair.generate();
    const a = Keypair.generate();
    await registerNode(api, a);
    const jobId = await submitJob(api, client);
    await api.service.dispatcher.runOnce();
    const offerA = (await heartbeat(api, a)).body.offer as Record<string, unknown>;
    expect(offerA.jobId).to.equal(jobId);
    expect(offerA, "a first offer has nothing to resume").to.not.have.property("resumeFrom");
    expect((await heartbeat(api, a, { jobId })).body.jobStatus).to.equal("running");
    const tokenA = await jobTokenOf(api, jobId);
    for (const [epoch, sha256] of [
      [1, "11".repeat(32)],
      [2, SHA_A],
    ] as const) {
      const reply = await call(api, "POST", `/v1/jobs/${jobId}/checkpoint`, {
        signer: a,
        body: { epoch, epochs: 4, cid: WEIGHTS_CID, sha256, jobToken: tokenA },
      });
      expect(reply.status, reply.text).to.equal(202);
    }
    await verifyAll();

    // A goes silent: lost, the job unlocked and queued again; B is the free node.
    api.clock.advance(3_001);
    const b = Keypair.generate();
    await registerNode(api, b);
    await heartbeat(api, b);
    await api.service.watchdog.runOnce();
    await api.service.dispatcher.runOnce();
    const offerB = (await heartbeat(api, b)).body.offer as Record<string, unknown> | null;
    expect(offerB?.jobId, `${(await api.service.store.jobs.get(jobId))?.state.status}`).to.equal(jobId);
    expect(offerB?.resumeFrom).to.deep.equal({ cid: WEIGHTS_CID, sha256: SHA_A, epoch: 2, epochs: 4 });

    expect((await heartbeat(api, b, { jobId })).body.jobStatus).to.equal("running");
    const tokenB = await jobTokenOf(api, jobId);
    // B resumed at epoch 2: epochs 1 and 2 are A's work, and B handing them in is refused.
    for (const epoch of [1, 2]) {
      const early = await call(api, "POST", `/v1/jobs/${jobId}/checkpoint`, {
        signer: b,
        body: { epoch, epochs: 4, cid: WEIGHTS_CID, sha256: SHA_B, jobToken: tokenB },
      });
      expect(early.status, early.text).to.equal(422);
      expect(errorOf(early)).to.include({ code: "CHECKPOINT_BEFORE_RESUME", field: "epoch" });
      expect(errorOf(early).message).to.contain("resumed job").and.contain("after 2");
    }
    expect(
      (await api.service.store.runs.checkpoints(jobId)).filter((c) => c.nodeId === b.publicKey.toBase58()),
      "nothing stored for B",
    ).to.deep.equal([]);
    const reply = await call(api, "POST", `/v1/jobs/${jobId}/checkpoint`, {
      signer: b,
      body: { epoch: 3, epochs: 4, cid: WEIGHTS_CID, sha256: SHA_B, jobToken: tokenB },
    });
    expect(reply.status, reply.text).to.equal(202);
    await verifyAll();
    const view = (await call(api, "GET", `/v1/jobs/${jobId}`, { signer: client })).body;
    expect(view.verifiedProgress).to.include({ epoch: 3, epochs: 4, sha256: SHA_B });
    expect(view.resumeEpoch, "the client sees where B's run started").to.equal(2);

    const cancel = await call(api, "POST", `/v1/jobs/${jobId}/cancel`, { signer: client });
    expect(cancel.body).to.deep.equal({ jobId, status: "settling-partial" });
    await api.service.watchdog.runOnce();
    // floor((3 − 2) × 10 000 / 4): B's one epoch, not A's two; the proof hash is B's checkpoint.
    expect(api.settlement.partials.map((p) => [p.ref.jobId, p.nodeShareBps, p.proofHash])).to.deep.equal([[jobId, 2_500, SHA_B]]);
  });
});
