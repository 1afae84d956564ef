/**
 * Security test 39: unsigned, wrongly signed, stale and replayed requests, from nodes
 * and from clients, are 401 with the reason's code and have no effect at all (not even
 * a nonce claimed).
 */
import { randomBytes } from "node:crypto";

import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { signRequest } from "@cyxwiz/protocol/signed-request";
import {
  type Api,
  call,
  errorOf,
  QUOTE_REQUEST,
  rawOf,
  registerNode,
  type Reply,
  snapshot,
  startApi,
  submitJob,
} from "../harness/api-harness";

interface Target {
  readonly who: "node" | "client";
  readonly method: string;
  readonly path: () => string;
  readonly body: () => unknown;
  readonly signer: () => Keypair;
}

describe("api: signed requests", () => {
  let api: Api;
  const client = Keypair.generate();
  const node = Keypair.generate();
  let jobId: string;
  before(async () => {
    api = await startApi();
    await registerNode(api, node);
    jobId = await submitJob(api, client);
  });
  after(() => api.close());

  const targets: Target[] = [
    { who: "node", method: "POST", path: () => "/v1/nodes/heartbeat", body: () => ({}), signer: () => node },
    {
      who: "node",
      method: "POST",
      path: () => "/v1/nodes",
      body: () => ({ gpuModel: "A100", vramGb: 80, gpuCount: 8, priceFloor: "1" }),
      signer: () => node,
    },
    { who: "client", method: "POST", path: () => "/v1/quotes", body: () => QUOTE_REQUEST, signer: () => client },
    { who: "client", method: "GET", path: () => `/v1/jobs/${jobId}`, body: () => undefined, signer: () => client },
  ];

  const send = async (target: Target, headers: Record<string, string>, body = rawOf(target.body())): Promise<Reply> => {
    const response = await fetch(`${api.url}${target.path()}`, {
      method: target.method,
      headers: { ...(body === "" ? {} : { "content-type": "application/json" }), ...headers },
      body: body === "" ? undefined : body,
    });
    const text = await response.text();
    return { status: response.status, text, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
  };
  const sign = (target: Target, options: { now?: number; nonce?: string; signer?: Keypair; path?: string } = {}) =>
    signRequest(options.signer ?? target.signer(), target.method, options.path ?? target.path(), rawOf(target.body()), {
      now: options.now ?? api.clock.now(),
      nonce: options.nonce,
    });

  const cases: { name: string; code: string; attempt: (target: Target) => Promise<Reply> }[] = [
    { name: "unsigned", code: "MISSING_HEADER", attempt: (target) => send(target, {}) },
    {
      name: "signed by another wallet than the one it names",
      code: "BAD_SIGNATURE",
      attempt: (target) =>
        send(target, { ...sign(target, { signer: Keypair.generate() }), "x-cyxwiz-key": target.signer().publicKey.toBase58() }),
    },
    { name: "signed for another path", code: "BAD_SIGNATURE", attempt: (target) => send(target, sign(target, { path: "/v1/elsewhere" })) },
    {
      name: "with a tampered body",
      code: "BAD_SIGNATURE",
      attempt: (target) => send(target, sign(target), rawOf({ ...(target.body() as object), extra: 1 })),
    },
    {
      name: "stale (signed beyond the skew window)",
      code: "STALE_TIMESTAMP",
      attempt: (target) => send(target, sign(target, { now: api.clock.now() - api.config.auth.maxSkewMs - 1 })),
    },
    {
      name: "from the future",
      code: "FUTURE_TIMESTAMP",
      attempt: (target) => send(target, sign(target, { now: api.clock.now() + api.config.auth.maxSkewMs + 1 })),
    },
    {
      name: "replayed (a nonce already used)",
      code: "REPLAYED_NONCE",
      attempt: async (target) => {
        const nonce = randomBytes(16).toString("hex");
        const headers = sign(target, { nonce });
        const original = await send(target, headers);
        expect(original.status, original.text).to.be.oneOf([200, 201]);
        const before = await snapshot(api.redis, api.prefix, { nonces: true });
        const replay = await send(target, headers);
        expect(await snapshot(api.redis, api.prefix, { nonces: true })).to.deep.equal(before);
        return replay;
      },
    },
  ];

  for (const target of targets) {
    // A GET has no body to tamper with (its path and query are signed: "another path").
    for (const attempt of cases.filter((c) => target.method !== "GET" || c.name !== "with a tampered body")) {
      it(`39: a ${target.who} request ${target.method} ${target.method === "GET" ? "/v1/jobs/:id" : target.path()} ${attempt.name} is 401 ${attempt.code} with no effect`, async () => {
        const before = await snapshot(api.redis, api.prefix, { nonces: true });
        const reply = await attempt.attempt(target);
        expect(reply.status, reply.text).to.equal(401);
        expect(errorOf(reply).code).to.equal(attempt.code);
        expect(reply.headers.get("www-authenticate")).to.contain("Cyxwiz-Signature");
        if (attempt.code !== "REPLAYED_NONCE") expect(await snapshot(api.redis, api.prefix, { nonces: true })).to.deep.equal(before);
      });
    }
  }

  it("39: a signature is accepted within the skew window and its nonce remembered only that long", async () => {
    const signedAt = api.clock.now() - 10_000;
    const reply = await call(api, "POST", "/v1/nodes/heartbeat", { signer: node, body: {}, signedAt, nonce: "ab".repeat(16) });
    expect(reply.status, reply.text).to.equal(200);
    const ttl = await api.redis.pttl(`${api.prefix}nonce:${node.publicKey.toBase58()}:${"ab".repeat(16)}`);
    expect(ttl).to.be.greaterThan(40_000).and.at.most(50_000);
  });
});
