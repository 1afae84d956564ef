/**
 * Bad inputs, the body itself: not JSON, not an object, empty, not UTF-8, not sent as
 * JSON, unknown or prototype fields, too large, an unknown route; and a body nested tens
 * of thousands of levels deep at the default body limit. The table is run by
 * ../harness/bad-input.ts: each row a clear 4xx that changes nothing.
 */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { call, DATASET_CID, errorOf, escrowAddress, jobIdHex, QUOTE_REQUEST, snapshot, type Api, startApi } from "../harness/api-harness";
import { describeBadInputs, type Row } from "../harness/bad-input";

describeBadInputs((w): Row[] => {
  const { client, quote, signedRaw } = w;
  return [
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
      name: "an oversized body",
      send: () => quote({ ...QUOTE_REQUEST, padding: "x".repeat(20 * 1024) }),
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
      message: /16384-byte limit/,
      noNonce: true,
    },
    {
      name: "an unknown route",
      send: () => call(w.api, "POST", "/v1/teleport", { signer: client, body: {} }),
      status: 404,
      code: "NOT_FOUND",
      noNonce: true,
    },
  ];
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
