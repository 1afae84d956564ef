/**
 * The table of bad inputs, shared by the api-bad-input-*.ts suites: each row is answered
 * with the right 4xx, a JSON error with a stable code and a message (naming the field when
 * one is at fault), never a stack trace, and changes nothing: the Redis namespace is the
 * same before and after (401s do not even claim a nonce).
 */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { signRequest } from "@cyxwiz/protocol/signed-request";
import {
  type Api,
  call,
  DATASET_CID,
  errorOf,
  escrowAddress,
  jobIdHex,
  QUOTE_REQUEST,
  registerNode,
  type Reply,
  snapshot,
  startApi,
  submitJob,
} from "./api-harness";

export interface Row {
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

/** One suite's api, its three wallets, a quote and a job, and the ways to send bad requests. */
export interface BadInputWorld {
  /** Set by the suite's `before`. */
  api: Api;
  quoteId: string;
  jobId: string;
  readonly client: Keypair;
  readonly node: Keypair;
  readonly stranger: Keypair;
  readonly quote: (body: unknown, signer?: Keypair) => Promise<Reply>;
  readonly jobBody: (overrides?: Record<string, unknown>) => Record<string, unknown>;
  readonly submit: (body: unknown) => Promise<Reply>;
  readonly register: (body: unknown, signer?: Keypair) => Promise<Reply>;
  /** A raw fetch, for bodies and headers `call` would not produce. */
  readonly raw: (path: string, body: Buffer | string, headers: Record<string, string>) => Promise<Reply>;
  readonly signedRaw: (path: string, body: Buffer, signer: Keypair, contentType?: string) => Promise<Reply>;
  /** A job body (as text) whose config holds arrays nested `levels` deep. */
  readonly deepConfigJob: (levels: number) => string;
}

export const BAD_INPUTS_TITLE = "api: bad inputs are refused with a clear 4xx and change nothing";

/** The bad-inputs suite over `rows`: one api, a registered node, a submitted job and a quote, one test per row. */
export function describeBadInputs(rowsOf: (world: BadInputWorld) => Row[]): void {
  describe(BAD_INPUTS_TITLE, () => {
    const client = Keypair.generate();
    const world: BadInputWorld = {
      api: undefined as unknown as Api,
      quoteId: "",
      jobId: "",
      client,
      node: Keypair.generate(),
      stranger: Keypair.generate(),
      quote: (body, signer = client) => call(world.api, "POST", "/v1/quotes", { signer, body }),
      jobBody: (overrides = {}) => ({
        quoteId: world.quoteId,
        jobId: jobIdHex(),
        escrow: escrowAddress(),
        datasetCid: DATASET_CID,
        config: { lr: 0.01 },
        ...overrides,
      }),
      submit: (body) => call(world.api, "POST", "/v1/jobs", { signer: client, headers: { "idempotency-key": "bad-1" }, body }),
      register: (body, signer = world.node) => call(world.api, "POST", "/v1/nodes", { signer, body }),
      raw: async (path, body, headers) => {
        const response = await fetch(`${world.api.url}${path}`, { method: "POST", headers, body });
        const text = await response.text();
        return { status: response.status, text, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
      },
      signedRaw: (path, body, signer, contentType = "application/json") =>
        world.raw(path, body, { "content-type": contentType, ...signRequest(signer, "POST", path, body, { now: world.api.clock.now() }) }),
      deepConfigJob: (levels) =>
        JSON.stringify(world.jobBody({ config: "DEEP" })).replace('"DEEP"', `{"a":${"[".repeat(levels)}${"]".repeat(levels)}}`),
    };

    before(async () => {
      world.api = await startApi();
      await registerNode(world.api, world.node);
      world.jobId = await submitJob(world.api, client);
      const quote = await call(world.api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST });
      world.quoteId = quote.body.quoteId as string;
    });
    after(() => world.api.close());

    for (const row of rowsOf(world)) {
      it(`${row.name} → ${row.status} ${row.code}`, async () => {
        const { api } = world;
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
}
