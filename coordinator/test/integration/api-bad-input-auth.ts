/**
 * Bad inputs, who is asking: unsigned, badly signed, stale or replayed requests, unknown
 * nodes and a node naming a job it does not hold. The table is run by
 * ../harness/bad-input.ts: each row a clear 4xx that changes nothing (401s do not even
 * claim a nonce).
 */
import { randomBytes } from "node:crypto";

import { expect } from "chai";

import { signRequest } from "@cyxwiz/protocol/signed-request";
import { call, heartbeat, QUOTE_REQUEST, rawOf, WEIGHTS_CID } from "../harness/api-harness";
import { describeBadInputs, type Row } from "../harness/bad-input";

describeBadInputs((w): Row[] => {
  const { client, node, stranger, raw } = w;
  const replayNonce = randomBytes(16).toString("hex");
  const replayAt = { value: 0 };

  return [
    {
      name: "an unsigned request",
      send: () => call(w.api, "POST", "/v1/quotes", { body: QUOTE_REQUEST }),
      status: 401,
      code: "MISSING_HEADER",
      noNonce: true,
    },
    {
      name: "a bad signature (body changed after signing)",
      send: () => {
        const headers = signRequest(client, "POST", "/v1/quotes", rawOf(QUOTE_REQUEST), { now: w.api.clock.now() });
        return raw("/v1/quotes", rawOf({ ...QUOTE_REQUEST, epochs: 99 }), { "content-type": "application/json", ...headers });
      },
      status: 401,
      code: "BAD_SIGNATURE",
      noNonce: true,
    },
    {
      name: "a signature by another key than the one named",
      send: () => {
        const headers = signRequest(stranger, "POST", "/v1/nodes/heartbeat", "{}", { now: w.api.clock.now() });
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
      send: () => call(w.api, "POST", "/v1/nodes/heartbeat", { signer: node, body: {}, signedAt: w.api.clock.now() - 61_000 }),
      status: 401,
      code: "STALE_TIMESTAMP",
      noNonce: true,
    },
    {
      name: "a replayed request",
      prepare: async () => {
        replayAt.value = w.api.clock.now();
        const first = await call(w.api, "POST", "/v1/quotes", {
          signer: client,
          body: QUOTE_REQUEST,
          nonce: replayNonce,
          signedAt: replayAt.value,
        });
        expect(first.status).to.equal(201);
      },
      send: () => call(w.api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST, nonce: replayNonce, signedAt: replayAt.value }),
      status: 401,
      code: "REPLAYED_NONCE",
      noNonce: true,
    },
    {
      name: "a heartbeat from an unknown node",
      send: () => heartbeat(w.api, stranger),
      status: 404,
      code: "UNKNOWN_NODE",
      message: /POST \/v1\/nodes first/,
    },
    {
      name: "a report from an unknown node",
      send: () =>
        call(w.api, "POST", `/v1/jobs/${w.jobId}/report`, {
          signer: stranger,
          body: { weightsCid: WEIGHTS_CID, weightsSha256: "a".repeat(64), jobToken: "ab".repeat(32) },
        }),
      status: 404,
      code: "UNKNOWN_NODE",
    },
    {
      name: "a heartbeat naming a job the node does not hold",
      send: () => heartbeat(w.api, node, { jobId: w.jobId }),
      status: 409,
      code: "NOT_ASSIGNED",
    },
  ];
});
