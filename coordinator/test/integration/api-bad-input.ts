/**
 * The table of bad inputs: each is answered with the right 4xx, a JSON error with a
 * stable code and a message (naming the field when one is at fault), never a stack
 * trace, and changes nothing: the Redis namespace is the same before and after (401s
 * do not even claim a nonce).
 */
import { randomBytes } from "node:crypto";

import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { signRequest } from "../../../protocol/src/signed-request";
import {
  type Api,
  call,
  DATASET_CID,
  errorOf,
  escrowAddress,
  heartbeat,
  jobIdHex,
  QUOTE_REQUEST,
  rawOf,
  registerNode,
  type Reply,
  snapshot,
  startApi,
  submitJob,
  WEIGHTS_CID,
} from "../harness/api-harness";

interface Row {
  readonly name: string;
  /** Runs before the "before" snapshot (e.g. the original of a replay). */
  readonly prepare?: () => Promise<void>;
  readonly send: () => Promise<Reply>;
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly message?: RegExp;
  /** 401s must not even claim a nonce. */
  readonly noNonce?: boolean;
}

describe("api: bad inputs are refused with a clear 4xx and change nothing", () => {
  let api: Api;
  const client = Keypair.generate();
  const node = Keypair.generate();
  const stranger = Keypair.generate();
  let quoteId: string;
  let jobId: string;

  before(async () => {
    api = await startApi();
    await registerNode(api, node);
    jobId = await submitJob(api, client);
    const quote = await call(api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST });
    quoteId = quote.body.quoteId as string;
  });
  after(() => api.close());

  const quote = (body: unknown, signer = client) => call(api, "POST", "/v1/quotes", { signer, body });
  const jobBody = (overrides: Record<string, unknown> = {}) => ({
    quoteId,
    jobId: jobIdHex(),
    escrow: escrowAddress(),
    datasetCid: DATASET_CID,
    config: { lr: 0.01 },
    ...overrides,
  });
  const submit = (body: unknown) => call(api, "POST", "/v1/jobs", { signer: client, headers: { "idempotency-key": "bad-1" }, body });
  const register = (body: unknown, signer = node) => call(api, "POST", "/v1/nodes", { signer, body });
  /** A raw fetch, for bodies and headers `call` would not produce. */
  const raw = async (path: string, body: Buffer | string, headers: Record<string, string>): Promise<Reply> => {
    const response = await fetch(`${api.url}${path}`, { method: "POST", headers, body });
    const text = await response.text();
    return { status: response.status, text, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
  };
  const signedRaw = (path: string, body: Buffer, signer: Keypair, contentType = "application/json") =>
    raw(path, body, { "content-type": contentType, ...signRequest(signer, "POST", path, body, { now: api.clock.now() }) });

  /** A job body (as text) whose config holds arrays nested `levels` deep. */
  const deepConfigJob = (levels: number) =>
    JSON.stringify(jobBody({ config: "DEEP" })).replace('"DEEP"', `{"a":${"[".repeat(levels)}${"]".repeat(levels)}}`);

  const replayNonce = randomBytes(16).toString("hex");
  const replayAt = { value: 0 };
  const wrongWayEscrow = escrowAddress();
  const underfundedEscrow = escrowAddress();

  const rows: Row[] = [
    {
      name: "malformed JSON",
      send: () => quote('{"model": {"parameters": 1},'),
      status: 400,
      code: "MALFORMED_JSON",
      message: /not valid JSON/,
    },
    {
      name: "a JSON body that is not an object",
      send: () => quote([1, 2, 3]),
      status: 400,
      code: "INVALID_FIELD",
      message: /the body must be a JSON object, got an array/,
    },
    { name: "an empty body", send: () => signedRaw("/v1/quotes", Buffer.alloc(0), client), status: 400, code: "BODY_REQUIRED" },
    {
      name: "a body that is not UTF-8",
      send: () => signedRaw("/v1/quotes", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), client),
      status: 400,
      code: "MALFORMED_JSON",
      message: /UTF-8/,
    },
    {
      name: "a body that is not sent as JSON",
      send: () => signedRaw("/v1/quotes", Buffer.from(JSON.stringify(QUOTE_REQUEST)), client, "text/plain"),
      status: 415,
      code: "UNSUPPORTED_MEDIA_TYPE",
    },
    {
      name: "an unknown field",
      send: () => quote({ ...QUOTE_REQUEST, colour: "blue" }),
      status: 400,
      code: "INVALID_FIELD",
      field: "colour",
      message: /not a known field/,
    },
    {
      name: "an unknown nested field",
      send: () => quote({ ...QUOTE_REQUEST, model: { parameters: 5, layers: 3 } }),
      status: 400,
      code: "INVALID_FIELD",
      field: "model.layers",
    },
    {
      name: "a __proto__ field",
      send: () => quote('{"__proto__": {"admin": true}, "model": {"parameters": 1}}'),
      status: 400,
      code: "INVALID_FIELD",
      field: "__proto__",
    },
    {
      name: "a missing field",
      send: () => quote({ ...QUOTE_REQUEST, priority: undefined }),
      status: 400,
      code: "INVALID_FIELD",
      field: "priority",
      message: /is required/,
    },
    {
      name: "a number sent as a string",
      send: () => quote({ ...QUOTE_REQUEST, epochs: "3" }),
      status: 400,
      code: "INVALID_FIELD",
      field: "epochs",
      message: /must be an integer, got string "3"/,
    },
    {
      name: "a fractional integer",
      send: () => quote({ ...QUOTE_REQUEST, epochs: 1.5 }),
      status: 400,
      code: "INVALID_FIELD",
      field: "epochs",
    },
    {
      name: "a negative size",
      send: () => quote({ ...QUOTE_REQUEST, dataset: { bytes: -1 } }),
      status: 400,
      code: "INVALID_FIELD",
      field: "dataset.bytes",
    },
    {
      name: "two dataset sizes",
      send: () => quote({ ...QUOTE_REQUEST, dataset: { bytes: 10, tokens: 10 } }),
      status: 400,
      code: "INVALID_FIELD",
      field: "dataset",
      message: /exactly one of bytes, samples or tokens/,
    },
    {
      name: "an unknown priority",
      send: () => quote({ ...QUOTE_REQUEST, priority: "urgent" }),
      status: 400,
      code: "INVALID_FIELD",
      field: "priority",
      message: /normal, high, critical/,
    },
    {
      name: "an unknown GPU model",
      send: () => quote({ ...QUOTE_REQUEST, gpu: { models: ["RTX_9999"] } }),
      status: 400,
      code: "INVALID_FIELD",
      field: "gpu.models[0]",
    },
    { name: "a null optional field", send: () => quote({ ...QUOTE_REQUEST, gpu: null }), status: 400, code: "INVALID_FIELD", field: "gpu" },
    {
      name: "a job id in upper case",
      send: () => submit(jobBody({ jobId: jobIdHex().toUpperCase() })),
      status: 400,
      code: "INVALID_FIELD",
      field: "jobId",
    },
    {
      name: "an escrow that is not an address",
      send: () => submit(jobBody({ escrow: "0xdeadbeef" })),
      status: 400,
      code: "INVALID_FIELD",
      field: "escrow",
    },
    {
      name: "an escrow address that is not 32 bytes",
      send: () => submit(jobBody({ escrow: `${"1".repeat(33)}2` })),
      status: 400,
      code: "INVALID_FIELD",
      field: "escrow",
      message: /32 bytes/,
    },
    {
      name: "a dataset that is not a CID",
      send: () => submit(jobBody({ datasetCid: "https://example.com/data" })),
      status: 400,
      code: "INVALID_FIELD",
      field: "datasetCid",
    },
    {
      name: "a config that is not an object",
      send: () => submit(jobBody({ config: "lr=0.1" })),
      status: 400,
      code: "INVALID_FIELD",
      field: "config",
    },
    {
      name: "a config nested too deep",
      send: () => submit(jobBody({ config: JSON.parse(`${'{"a":'.repeat(20)}1${"}".repeat(20)}`) as unknown })),
      status: 400,
      code: "INVALID_FIELD",
      field: "config",
    },
    {
      name: "a config nested thousands of levels deep (no stack overflow)",
      send: () => submit(deepConfigJob(7_000)),
      status: 400,
      code: "TOO_DEEP",
      message: /deeper than 64 levels/,
    },
    {
      name: "a wrong escrow (funded by someone else)",
      prepare: async () => {
        api.verifier.verdicts.set(wrongWayEscrow, {
          ok: false,
          code: "ESCROW_WRONG_PAYER",
          reason: `escrow ${wrongWayEscrow} was funded by another wallet: fund an escrow from your own wallet`,
        });
      },
      send: () => submit(jobBody({ escrow: wrongWayEscrow })),
      status: 422,
      code: "ESCROW_WRONG_PAYER",
      field: "escrow",
      message: /funded by another wallet/,
    },
    {
      name: "an underfunded escrow",
      prepare: async () => {
        api.verifier.verdicts.set(underfundedEscrow, {
          ok: false,
          code: "ESCROW_UNDERFUNDED",
          reason: `escrow ${underfundedEscrow} holds 10 base units but the quote is more`,
        });
      },
      send: () => submit(jobBody({ escrow: underfundedEscrow })),
      status: 422,
      code: "ESCROW_UNDERFUNDED",
      field: "escrow",
    },
    {
      name: "a price floor sent as a number",
      send: () => register({ gpuModel: "RTX_3060", vramGb: 12, gpuCount: 1, priceFloor: 1000 }),
      status: 400,
      code: "INVALID_FIELD",
      field: "priceFloor",
    },
    {
      name: "zero GPUs",
      send: () => register({ gpuModel: "RTX_3060", vramGb: 12, gpuCount: 0, priceFloor: "1" }),
      status: 400,
      code: "INVALID_FIELD",
      field: "gpuCount",
    },
    {
      name: "progress without a job",
      send: () => heartbeat(api, node, { progress: 0.5 }),
      status: 400,
      code: "INVALID_FIELD",
      field: "progress",
    },
    {
      name: "progress above 1",
      send: () => heartbeat(api, node, { jobId, progress: 1.5 }),
      status: 400,
      code: "INVALID_FIELD",
      field: "progress",
    },
    {
      name: "a report with a bad hash",
      send: () =>
        call(api, "POST", `/v1/jobs/${jobId}/report`, {
          signer: node,
          body: { weightsCid: WEIGHTS_CID, weightsSha256: "abc", jobToken: "ab".repeat(32) },
        }),
      status: 400,
      code: "INVALID_FIELD",
      field: "weightsSha256",
    },
    {
      name: "an unsigned request",
      send: () => call(api, "POST", "/v1/quotes", { body: QUOTE_REQUEST }),
      status: 401,
      code: "MISSING_HEADER",
      noNonce: true,
    },
    {
      name: "a bad signature (body changed after signing)",
      send: () => {
        const headers = signRequest(client, "POST", "/v1/quotes", rawOf(QUOTE_REQUEST), { now: api.clock.now() });
        return raw("/v1/quotes", rawOf({ ...QUOTE_REQUEST, epochs: 99 }), { "content-type": "application/json", ...headers });
      },
      status: 401,
      code: "BAD_SIGNATURE",
      noNonce: true,
    },
    {
      name: "a signature by another key than the one named",
      send: () => {
        const headers = signRequest(stranger, "POST", "/v1/nodes/heartbeat", "{}", { now: api.clock.now() });
        return raw("/v1/nodes/heartbeat", "{}", {
          "content-type": "application/json",
          ...headers,
          "x-cyxwiz-key": node.publicKey.toBase58(),
        });
      },
      status: 401,
      code: "BAD_SIGNATURE",
      noNonce: true,
    },
    {
      name: "a stale timestamp",
      send: () => call(api, "POST", "/v1/nodes/heartbeat", { signer: node, body: {}, signedAt: api.clock.now() - 61_000 }),
      status: 401,
      code: "STALE_TIMESTAMP",
      noNonce: true,
    },
    {
      name: "a replayed request",
      prepare: async () => {
        replayAt.value = api.clock.now();
        const first = await call(api, "POST", "/v1/quotes", {
          signer: client,
          body: QUOTE_REQUEST,
          nonce: replayNonce,
          signedAt: replayAt.value,
        });
        expect(first.status).to.equal(201);
      },
      send: () => call(api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST, nonce: replayNonce, signedAt: replayAt.value }),
      status: 401,
      code: "REPLAYED_NONCE",
      noNonce: true,
    },
    {
      name: "a heartbeat from an unknown node",
      send: () => heartbeat(api, stranger),
      status: 404,
      code: "UNKNOWN_NODE",
      message: /POST \/v1\/nodes first/,
    },
    {
      name: "a report from an unknown node",
      send: () =>
        call(api, "POST", `/v1/jobs/${jobId}/report`, {
          signer: stranger,
          body: { weightsCid: WEIGHTS_CID, weightsSha256: "a".repeat(64), jobToken: "ab".repeat(32) },
        }),
      status: 404,
      code: "UNKNOWN_NODE",
    },
    {
      name: "a heartbeat naming a job the node does not hold",
      send: () => heartbeat(api, node, { jobId }),
      status: 409,
      code: "NOT_ASSIGNED",
    },
    {
      name: "an oversized body",
      send: () => quote({ ...QUOTE_REQUEST, padding: "x".repeat(20 * 1024) }),
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
      message: /16384-byte limit/,
      noNonce: true,
    },
    {
      name: "an unknown route",
      send: () => call(api, "POST", "/v1/teleport", { signer: client, body: {} }),
      status: 404,
      code: "NOT_FOUND",
      noNonce: true,
    },
  ];

  for (const row of rows) {
    it(`${row.name} → ${row.status} ${row.code}`, async () => {
      await row.prepare?.();
      const before = await snapshot(api.redis, api.prefix, { nonces: row.noNonce === true });
      const reply = await row.send();
      expect(reply.status, reply.text).to.equal(row.status);
      expect(reply.headers.get("content-type")).to.match(/^application\/json/);
      const error = errorOf(reply);
      expect(error.code).to.equal(row.code);
      expect(error.message)
        .to.be.a("string")
        .and.not.match(/\n\s+at /);
      if (row.field !== undefined) expect(error.field).to.equal(row.field);
      if (row.message !== undefined) expect(error.message).to.match(row.message);
      expect(await snapshot(api.redis, api.prefix, { nonces: row.noNonce === true })).to.deep.equal(before);
    });
  }
});

describe("api: a body nested tens of thousands of levels deep, at the default body limit", () => {
  let api: Api;
  const client = Keypair.generate();

  before(async () => {
    api = await startApi({ config: (config) => ({ ...config, http: { ...config.http, bodyLimitBytes: 256 * 1024 } }) });
  });
  after(() => api.close());

  it("a signed POST /v1/jobs with a config 100,000 levels deep → 400 TOO_DEEP naming the limit, not a 500", async () => {
    const levels = 100_000;
    const body = JSON.stringify({
      quoteId: "00000000-0000-4000-8000-000000000000",
      jobId: jobIdHex(),
      escrow: escrowAddress(),
      datasetCid: DATASET_CID,
      config: "DEEP",
    }).replace('"DEEP"', `{"a":${"[".repeat(levels)}${"]".repeat(levels)}}`);
    expect(body.length).to.be.below(256 * 1024);
    const before = await snapshot(api.redis, api.prefix);
    const reply = await call(api, "POST", "/v1/jobs", { signer: client, headers: { "idempotency-key": "deep-1" }, body });
    expect(reply.status, reply.text).to.equal(400);
    const error = errorOf(reply);
    expect(error.code).to.equal("TOO_DEEP");
    expect(error.message)
      .to.match(/deeper than 64 levels/)
      .and.not.match(/\n\s+at /);
    expect(await snapshot(api.redis, api.prefix)).to.deep.equal(before);
  });
});
