/**
 * The checkpoint and report endpoints' refusals on real Redis (chain faked): bad
 * bodies are 400 naming the field, a wrong or stale job token is 403 BAD_JOB_TOKEN,
 * and none of them changes anything; a repeated checkpoint answers its status, a
 * different one for the same epoch is 409, another epochs count 422. The client's
 * cancel of a queued job through the fake settlement, and maxDurationSecs bounds.
 */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import {
  type Api,
  call,
  errorOf,
  runningJob,
  heartbeat,
  registerNode,
  type Reply,
  snapshot,
  startApi,
  submitJob,
  WEIGHTS_CID,
} from "../harness/api-harness";

const SHA = "ab".repeat(32);

describe("api: checkpoints, job tokens and cancels", () => {
  let api: Api;
  let client: Keypair;
  let node: Keypair;
  let jobId: string;
  let token: string;
  beforeEach(async () => {
    api = await startApi();
    ({ client, node, jobId, token } = await runningJob(api));
  });
  afterEach(() => api.close());

  const checkpoint = (body: unknown, signer = node): Promise<Reply> => call(api, "POST", `/v1/jobs/${jobId}/checkpoint`, { signer, body });
  const good = (overrides: Record<string, unknown> = {}) => ({
    epoch: 1,
    epochs: 4,
    cid: WEIGHTS_CID,
    sha256: SHA,
    jobToken: token,
    ...overrides,
  });

  const table: Array<{ name: string; body: () => unknown; field: string }> = [
    { name: "no jobToken", body: () => ({ epoch: 1, epochs: 4, cid: WEIGHTS_CID, sha256: SHA }), field: "jobToken" },
    { name: "a jobToken that is not 64 hex", body: () => good({ jobToken: "xyz" }), field: "jobToken" },
    { name: "epoch 0", body: () => good({ epoch: 0 }), field: "epoch" },
    { name: "a fractional epoch", body: () => good({ epoch: 1.5 }), field: "epoch" },
    { name: "epoch beyond epochs", body: () => good({ epoch: 5, epochs: 4 }), field: "epoch" },
    { name: "epochs above 10 000", body: () => good({ epochs: 10_001 }), field: "epochs" },
    { name: "a CID that is not one", body: () => good({ cid: "not-a-cid" }), field: "cid" },
    { name: "a short sha256", body: () => good({ sha256: "abc" }), field: "sha256" },
    { name: "an uppercase sha256", body: () => good({ sha256: SHA.toUpperCase() }), field: "sha256" },
    { name: "an unknown field", body: () => ({ ...good(), loss: 1 }), field: "loss" },
  ];
  for (const row of table) {
    it(`400: a checkpoint with ${row.name} is INVALID_FIELD ${row.field}, nothing changes`, async () => {
      const before = await snapshot(api.redis, api.prefix);
      const reply = await checkpoint(row.body());
      expect(reply.status, reply.text).to.equal(400);
      expect(errorOf(reply)).to.include({ code: "INVALID_FIELD", field: row.field });
      expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
    });
  }

  it("403: a report or checkpoint with a wrong token is BAD_JOB_TOKEN, and a report without one is 400; nothing changes", async () => {
    const before = await snapshot(api.redis, api.prefix);
    const wrong = "cd".repeat(32);
    const report = await call(api, "POST", `/v1/jobs/${jobId}/report`, {
      signer: node,
      body: { weightsCid: WEIGHTS_CID, weightsSha256: SHA, jobToken: wrong },
    });
    expect(report.status, report.text).to.equal(403);
    expect(errorOf(report)).to.include({ code: "BAD_JOB_TOKEN", field: "jobToken" });
    const missing = await call(api, "POST", `/v1/jobs/${jobId}/report`, {
      signer: node,
      body: { weightsCid: WEIGHTS_CID, weightsSha256: SHA },
    });
    expect(missing.status).to.equal(400);
    expect(errorOf(missing)).to.include({ code: "INVALID_FIELD", field: "jobToken" });
    const cp = await checkpoint(good({ jobToken: wrong }));
    expect(cp.status).to.equal(403);
    expect(errorOf(cp).code).to.equal("BAD_JOB_TOKEN");
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
  });

  it("another node with the right token is NOT_ASSIGNED", async () => {
    const other = Keypair.generate();
    await registerNode(api, other);
    const before = await snapshot(api.redis, api.prefix);
    const reply = await checkpoint(good(), other);
    expect(reply.status).to.equal(409);
    expect(errorOf(reply).code).to.equal("NOT_ASSIGNED");
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
  });

  it("202 pending; the same again 200 with its status; another CID for the epoch 409; another epochs 422; shown on the job", async () => {
    const first = await checkpoint(good());
    expect(first.status, first.text).to.equal(202);
    expect(first.body).to.deep.equal({ jobId, epoch: 1, status: "pending" });
    const again = await checkpoint(good());
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.equal({ jobId, epoch: 1, status: "pending" });
    const before = await snapshot(api.redis, api.prefix);
    const other = await checkpoint(good({ sha256: "ef".repeat(32) }));
    expect(other.status).to.equal(409);
    expect(errorOf(other).code).to.equal("CHECKPOINT_EXISTS");
    const epochs = await checkpoint(good({ epoch: 2, epochs: 5 }));
    expect(epochs.status).to.equal(422);
    expect(errorOf(epochs)).to.include({ code: "EPOCHS_MISMATCH", field: "epochs" });
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
    const view = (await call(api, "GET", `/v1/jobs/${jobId}`, { signer: client })).body;
    expect(view.verifiedProgress).to.equal(null);
    expect(view.checkpoints).to.deep.equal([
      { epoch: 1, epochs: 4, cid: WEIGHTS_CID, sha256: SHA, status: "pending", nodeId: node.publicKey.toBase58(), at: api.clock.now() },
    ]);
  });

  it("a stale token from before the node lost the job is 403 even for a checkpoint", async () => {
    api.clock.advance(3_001);
    await api.service.watchdog.runOnce();
    const reply = await checkpoint(good());
    expect(reply.status).to.equal(403);
    expect(errorOf(reply).code).to.equal("BAD_JOB_TOKEN");
  });

  it("cancel of a queued job: refund handed to settlement by the watchdog; a second cancel answers 200 the same; the running job's settle_partial carries 0 bps without checkpoints", async () => {
    const queuedId = await submitJob(api, client);
    const reply = await call(api, "POST", `/v1/jobs/${queuedId}/cancel`, { signer: client });
    expect(reply.status).to.equal(202);
    expect(reply.body).to.deep.equal({ jobId: queuedId, status: "refunding" });
    const again = await call(api, "POST", `/v1/jobs/${queuedId}/cancel`, { signer: client, body: {} });
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.equal(reply.body);
    const bad = await call(api, "POST", `/v1/jobs/${queuedId}/cancel`, { signer: client, body: { now: true } });
    expect(bad.status).to.equal(400);
    expect(errorOf(bad)).to.include({ code: "INVALID_FIELD", field: "now" });

    const running = await call(api, "POST", `/v1/jobs/${jobId}/cancel`, { signer: client });
    expect(running.body).to.deep.equal({ jobId, status: "settling-partial" });
    await api.service.watchdog.runOnce();
    expect(api.settlement.refunds.map((ref) => ref.jobId)).to.deep.equal([queuedId]);
    expect(api.settlement.partials.map((p) => [p.ref.jobId, p.nodeShareBps])).to.deep.equal([[jobId, 0]]);
    expect(api.settlement.partials[0].proofHash)
      .to.match(/^[0-9a-f]{64}$/)
      .and.not.equal("0".repeat(64));
    const beat = await heartbeat(api, node, { jobId });
    expect(beat.status).to.equal(200);
    expect(beat.body.cancel).to.deep.equal({ jobId, reason: "cancelled-by-client" });
  });

  it("maxDurationSecs: below 10 s is 400; ending after the escrow's expiry minus the margin is 422 naming both times", async () => {
    const quote = await call(api, "POST", "/v1/quotes", {
      signer: client,
      body: { model: { parameters: 10_000_000 }, dataset: { tokens: 100_000_000 }, epochs: 1, priority: "normal" },
    });
    const body = (maxDurationSecs: number) => ({
      quoteId: quote.body.quoteId,
      jobId: "ee".repeat(32),
      escrow: Keypair.generate().publicKey.toBase58(),
      datasetCid: "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
      config: {},
      maxDurationSecs,
    });
    const before = await snapshot(api.redis, api.prefix);
    const short = await call(api, "POST", "/v1/jobs", { signer: client, headers: { "idempotency-key": "d1" }, body: body(9) });
    expect(short.status).to.equal(400);
    expect(errorOf(short)).to.include({ code: "INVALID_FIELD", field: "maxDurationSecs" });
    // The fake escrow lives 86 400 s; with the 600 s margin, 86 000 s is too long.
    const long = await call(api, "POST", "/v1/jobs", { signer: client, headers: { "idempotency-key": "d2" }, body: body(86_000) });
    expect(long.status, long.text).to.equal(422);
    expect(errorOf(long)).to.include({ code: "DURATION_EXCEEDS_ESCROW", field: "maxDurationSecs" });
    expect(errorOf(long).message)
      .to.match(/escrow expires at \d{4}-.*Z/)
      .and.match(/until \d{4}-.*Z/);
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
  });
});
