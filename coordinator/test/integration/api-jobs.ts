/**
 * POST /v1/jobs and GET /v1/jobs/:id: escrow-verified submission, exactly once per
 * Idempotency-Key (security test 25), and the client's view of its job.
 */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import {
  type Api,
  call,
  DATASET_CID,
  errorOf,
  escrowAddress,
  jobIdHex,
  QUOTE_REQUEST,
  type Reply,
  scanKeys,
  snapshot,
  startApi,
  submitJob,
} from "../harness/api-harness";

describe("api: job submission", () => {
  let api: Api;
  let client: Keypair;
  let quoteId: string;
  let quoteAmount: string;
  beforeEach(async () => {
    api = await startApi();
    client = Keypair.generate();
    const quote = await call(api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST });
    quoteId = quote.body.quoteId as string;
    quoteAmount = quote.body.amount as string;
  });
  afterEach(() => api.close());

  const submit = (body: Record<string, unknown>, key = "key-1", signer = client): Promise<Reply> =>
    call(api, "POST", "/v1/jobs", { signer, headers: { "idempotency-key": key }, body });
  const jobBody = (overrides: Record<string, unknown> = {}) => ({
    quoteId,
    jobId: jobIdHex(),
    escrow: escrowAddress(),
    datasetCid: DATASET_CID,
    config: { model: "resnet18", lr: 0.001, nested: { a: [1, 2] } },
    ...overrides,
  });

  it("queues a job whose escrow the verifier accepts, asking it for the caller, job and quoted amount", async () => {
    const body = jobBody();
    const reply = await submit(body);
    expect(reply.status, reply.text).to.equal(201);
    expect(reply.body).to.include({ jobId: body.jobId, status: "queued", escrow: body.escrow, amount: quoteAmount });
    expect(api.verifier.calls).to.have.length(1);
    expect(api.verifier.calls[0]).to.deep.include({
      escrow: body.escrow,
      payer: client.publicKey.toBase58(),
      jobId: body.jobId,
      minAmount: BigInt(quoteAmount),
      minRemainingSecs: api.config.escrow.minRemainingLifetimeSecs,
    });
    expect(await api.redis.zscore(`${api.prefix}jobs:queued`, body.jobId as string)).to.not.equal(null);
    expect(await api.redis.hget(`${api.prefix}jobs:count`, "queued")).to.equal("1");
  });

  it("records the node budget from the escrow's own amount and fee (the program's split)", async () => {
    const body = jobBody();
    api.verifier.verdicts.set(body.escrow as string, {
      ok: true,
      escrow: { amount: 2_000_000n, feeBps: 1_500, expiresAt: Math.floor(Date.now() / 1000) + 86_400 },
    });
    const reply = await submit(body);
    expect(reply.body).to.include({ amount: "2000000", feeBps: 1500, nodeBudget: "1700000" });
  });

  it("25: the same submission twice with one idempotency key makes one job and answers identically", async () => {
    const body = jobBody();
    const first = await submit(body);
    const second = await submit(body);
    expect(first.status).to.equal(201);
    expect(second.status).to.equal(201);
    expect(second.text).to.equal(first.text);
    expect(second.headers.get("idempotent-replayed")).to.equal("true");
    expect(api.verifier.calls, "the retry is answered without asking the chain").to.have.length(1);
    expect(await api.redis.zcard(`${api.prefix}jobs:queued`)).to.equal(1);
  });

  it("25: 20 concurrent submissions with one idempotency key make one job and 20 identical answers", async () => {
    api.verifier.delayMs = 30; // all 20 pass the early idempotency check before the first is stored
    const body = jobBody();
    const replies = await Promise.all(Array.from({ length: 20 }, () => submit(body)));
    expect(replies.map((reply) => reply.status)).to.deep.equal(Array(20).fill(201));
    expect(new Set(replies.map((reply) => reply.text)).size).to.equal(1);
    expect(api.verifier.calls.length, "the race really happened").to.be.greaterThan(1);
    const jobKeys = (await scanKeys(api.redis, `${api.prefix}job:`)).filter((key) => !key.includes(":history"));
    expect(jobKeys).to.deep.equal([`${api.prefix}job:${body.jobId as string}`]);
    expect(await api.redis.zcard(`${api.prefix}jobs:queued`)).to.equal(1);
    expect(await api.redis.llen(`${api.prefix}job:${body.jobId as string}:history`)).to.equal(1);
    expect(await api.redis.hget(`${api.prefix}jobs:count`, "queued")).to.equal("1");
  });

  it("25: the same idempotency key with a different body is 409 and changes nothing", async () => {
    await submit(jobBody());
    const before = await snapshot(api.redis, api.prefix);
    const reply = await submit(jobBody());
    expect(reply.status).to.equal(409);
    expect(errorOf(reply).code).to.equal("IDEMPOTENCY_KEY_REUSED");
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
  });

  it("25: 20 concurrent submissions with one key and different bodies make exactly one job", async () => {
    api.verifier.delayMs = 30;
    const replies = await Promise.all(Array.from({ length: 20 }, () => submit(jobBody())));
    const created = replies.filter((reply) => reply.status === 201);
    expect(created).to.have.length(1);
    expect(replies.filter((reply) => reply.status === 409)).to.have.length(19);
    expect(await api.redis.zcard(`${api.prefix}jobs:queued`)).to.equal(1);
  });

  it("error: a quote used by one job cannot fund another (409 QUOTE_ALREADY_USED)", async () => {
    await submit(jobBody(), "key-a");
    const reply = await submit(jobBody(), "key-b");
    expect(reply.status).to.equal(409);
    expect(errorOf(reply).code).to.equal("QUOTE_ALREADY_USED");
  });

  it("error: the same job id under another key is 409 JOB_EXISTS", async () => {
    const body = jobBody();
    await submit(body, "key-a");
    const quote = await call(api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST });
    const reply = await submit({ ...body, quoteId: quote.body.quoteId }, "key-b");
    expect(reply.status).to.equal(409);
    expect(errorOf(reply).code).to.equal("JOB_EXISTS");
  });

  it("error: another client's quote is not found", async () => {
    const reply = await submit(jobBody(), "key-1", Keypair.generate());
    expect(reply.status).to.equal(404);
    expect(errorOf(reply)).to.include({ code: "QUOTE_NOT_FOUND", field: "quoteId" });
  });

  it("error: an expired quote is 422 QUOTE_EXPIRED", async () => {
    api.clock.advance(5 * 60_000);
    const reply = await submit(jobBody());
    expect(reply.status).to.equal(422);
    expect(errorOf(reply).code).to.equal("QUOTE_EXPIRED");
  });

  it("error: a missing Idempotency-Key is 400 naming the header", async () => {
    const reply = await call(api, "POST", "/v1/jobs", { signer: client, body: jobBody() });
    expect(reply.status).to.equal(400);
    expect(errorOf(reply)).to.include({ code: "INVALID_IDEMPOTENCY_KEY", field: "Idempotency-Key" });
  });

  it("error: a chain that cannot be asked is 503 CHAIN_UNAVAILABLE and nothing is stored", async () => {
    api.verifier.failure = new Error("fetch failed: ECONNREFUSED 127.0.0.1:8899");
    const before = await snapshot(api.redis, api.prefix);
    const reply = await submit(jobBody());
    expect(reply.status).to.equal(503);
    expect(errorOf(reply).code).to.equal("CHAIN_UNAVAILABLE");
    expect(reply.headers.get("retry-after")).to.equal("2");
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
  });
});

describe("api: a client's job", () => {
  let api: Api;
  let client: Keypair;
  let jobId: string;
  beforeEach(async () => {
    api = await startApi();
    client = Keypair.generate();
    jobId = await submitJob(api, client);
  });
  afterEach(() => api.close());

  it("shows its state, escrow and the reason of every transition", async () => {
    const reply = await call(api, "GET", `/v1/jobs/${jobId}`, { signer: client });
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.body).to.include({ jobId, status: "queued", attempts: 0, maxAttempts: 3, nodeId: null });
    expect(reply.body.escrow).to.include({ expectedStatus: "Created" });
    expect(reply.body.history).to.deep.equal([{ at: api.clock.now(), from: null, to: "queued", event: "submit", reason: "submitted" }]);
  });

  it("error: another wallet reads it as not found", async () => {
    const reply = await call(api, "GET", `/v1/jobs/${jobId}`, { signer: Keypair.generate() });
    expect(reply.status).to.equal(404);
    expect(errorOf(reply).code).to.equal("JOB_NOT_FOUND");
  });

  it("error: a malformed job id in the path is 400 naming it", async () => {
    const reply = await call(api, "GET", "/v1/jobs/XYZ", { signer: client });
    expect(reply.status).to.equal(400);
    expect(errorOf(reply)).to.include({ code: "INVALID_FIELD", field: "id" });
  });
});
