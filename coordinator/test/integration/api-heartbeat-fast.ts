/**
 * The heartbeat fast path (http/heartbeat-fast.ts) answers POST /v1/nodes/heartbeat
 * without express. It must answer exactly as the express route: every request below is
 * sent to the service's server (fast path) and to a second server running only the
 * express app over the same store, and the two replies must agree in status, error
 * code, message, field, request id and the WWW-Authenticate / Retry-After headers.
 * Requests the fast path does not take (a query string, a compressed body) reach
 * express; the ones it takes never do.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { signRequest } from "@cyxwiz/protocol/signed-request";
import { isFastHeartbeat } from "../../src/http/heartbeat-fast";
import { StoreUnavailableError } from "../../src/store/redis";
import { type Api, jobIdHex, registerNode, startApi } from "../harness/api-harness";

const PATH = "/v1/nodes/heartbeat";

interface Sending {
  /** Signs the body (as sent, before any encoding) when given. */
  readonly signer?: Keypair;
  readonly body?: Buffer | string;
  readonly headers?: Record<string, string>;
  /** Sends the body in chunks with no Content-Length. */
  readonly chunked?: boolean;
  readonly signedAt?: number;
  readonly nonce?: string;
  /** What is signed, when not the body itself. */
  readonly signedBody?: Buffer | string;
  readonly path?: string;
  readonly gzip?: boolean;
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

function send(url: string, clockNow: number, sending: Sending): Promise<Answer> {
  const path = sending.path ?? PATH;
  const raw = typeof sending.body === "string" ? Buffer.from(sending.body) : (sending.body ?? Buffer.alloc(0));
  const signature =
    sending.signer === undefined
      ? {}
      : signRequest(sending.signer, "POST", path, sending.signedBody ?? raw, { now: sending.signedAt ?? clockNow, nonce: sending.nonce });
  const body = sending.gzip ? gzipSync(raw) : raw;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...signature,
    ...(sending.gzip ? { "content-encoding": "gzip" } : {}),
    ...(sending.chunked ? {} : { "content-length": String(body.length) }),
    ...sending.headers,
  };
  const { port } = new URL(url);
  return new Promise((done, fail) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
    });
    req.on("error", fail);
    if (sending.chunked) {
      for (let at = 0; at < body.length; at += 1024) req.write(body.subarray(at, at + 1024));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** What must agree between the two paths. */
function essence(answer: Answer): Record<string, unknown> {
  let error: unknown = null;
  let body: unknown = null;
  try {
    const parsed = JSON.parse(answer.text) as { error?: unknown };
    if (parsed.error !== undefined) error = parsed.error;
    else body = parsed;
  } catch {
    body = answer.text;
  }
  return {
    status: answer.status,
    error,
    body,
    contentType: answer.headers["content-type"],
    requestId: answer.headers["x-request-id"],
    wwwAuthenticate: answer.headers["www-authenticate"],
    retryAfter: answer.headers["retry-after"],
  };
}

describe("api: the heartbeat fast path answers as the express route", () => {
  let api: Api;
  let express: Server;
  let expressUrl: string;
  let node: Keypair;
  let expressCalls: string[];

  before(async () => {
    api = await startApi();
    node = Keypair.generate();
    expect((await registerNode(api, node)).status).to.equal(201);
    express = createServer(api.service.app);
    await new Promise<void>((done) => express.listen(0, "127.0.0.1", done));
    expressUrl = `http://127.0.0.1:${(express.address() as AddressInfo).port}`;
    // Every request that reaches express, by URL.
    expressCalls = [];
    const app = api.service.app as unknown as { handle: (req: { url: string }, ...rest: unknown[]) => unknown };
    const handle = app.handle.bind(app);
    app.handle = (req, ...rest) => {
      expressCalls.push(req.url);
      return handle(req, ...rest);
    };
  });
  after(async () => {
    await new Promise((done) => express.close(done));
    await api.close();
  });

  const big = "x".repeat(20 * 1024);
  const other = Keypair.generate();
  const strangeJob = jobIdHex();
  const cases: { name: string; sending: () => Sending; status: number; code: string | null; replay?: boolean }[] = [
    { name: "a beat", sending: () => ({ signer: node, body: "{}" }), status: 200, code: null },
    {
      name: "a beat with progress of a job it does not hold",
      sending: () => ({ signer: node, body: JSON.stringify({ jobId: strangeJob, progress: 0.5 }) }),
      status: 409,
      code: "NOT_ASSIGNED",
    },
    { name: "an unregistered node", sending: () => ({ signer: other, body: "{}" }), status: 404, code: "UNKNOWN_NODE" },
    { name: "unsigned", sending: () => ({ body: "{}" }), status: 401, code: "MISSING_HEADER" },
    {
      name: "signed over another body",
      sending: () => ({ signer: node, body: "{}", signedBody: '{"a":1}' }),
      status: 401,
      code: "BAD_SIGNATURE",
    },
    {
      name: "a stale timestamp",
      sending: () => ({ signer: node, body: "{}", signedAt: api.clock.now() - 120_000 }),
      status: 401,
      code: "STALE_TIMESTAMP",
    },
    {
      name: "a future timestamp",
      sending: () => ({ signer: node, body: "{}", signedAt: api.clock.now() + 120_000 }),
      status: 401,
      code: "FUTURE_TIMESTAMP",
    },
    {
      name: "a malformed key",
      sending: () => ({ signer: node, body: "{}", headers: { "x-cyxwiz-key": "not-a-key" } }),
      status: 401,
      code: "BAD_KEY",
    },
    {
      name: "a malformed nonce",
      sending: () => ({ signer: node, body: "{}", headers: { "x-cyxwiz-nonce": "XYZ" } }),
      status: 401,
      code: "MALFORMED_NONCE",
    },
    {
      name: "a malformed signature",
      sending: () => ({ signer: node, body: "{}", headers: { "x-cyxwiz-signature": "0OIl" } }),
      status: 401,
      code: "MALFORMED_SIGNATURE",
    },
    {
      name: "a replayed nonce",
      sending: () => ({ signer: node, body: "{}", nonce: jobIdHex() }),
      status: 401,
      code: "REPLAYED_NONCE",
      replay: true,
    },
    { name: "a body over the limit, declared", sending: () => ({ signer: node, body: big }), status: 413, code: "PAYLOAD_TOO_LARGE" },
    {
      name: "a body over the limit, chunked",
      sending: () => ({ signer: node, body: big, chunked: true }),
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
    },
    { name: "a chunked beat", sending: () => ({ signer: node, body: "{}", chunked: true }), status: 200, code: null },
    { name: "an empty body", sending: () => ({ signer: node, body: "" }), status: 400, code: "BODY_REQUIRED" },
    { name: "no body and no length", sending: () => ({ signer: node, chunked: true }), status: 400, code: "BODY_REQUIRED" },
    {
      name: "text/plain",
      sending: () => ({ signer: node, body: "{}", headers: { "content-type": "text/plain" } }),
      status: 415,
      code: "UNSUPPORTED_MEDIA_TYPE",
    },
    {
      name: "no content type",
      sending: () => ({ signer: node, body: "{}", headers: { "content-type": "" } }),
      status: 415,
      code: "UNSUPPORTED_MEDIA_TYPE",
    },
    { name: "malformed JSON", sending: () => ({ signer: node, body: "{" }), status: 400, code: "MALFORMED_JSON" },
    {
      name: "invalid UTF-8",
      sending: () => ({ signer: node, body: Buffer.from([0x7b, 0xff, 0x7d]) }),
      status: 400,
      code: "MALFORMED_JSON",
    },
    { name: "an array", sending: () => ({ signer: node, body: "[]" }), status: 400, code: "INVALID_FIELD" },
    { name: "an unknown field", sending: () => ({ signer: node, body: '{"speed":1}' }), status: 400, code: "INVALID_FIELD" },
    { name: "progress without a job", sending: () => ({ signer: node, body: '{"progress":0.5}' }), status: 400, code: "INVALID_FIELD" },
    {
      name: "progress above 1",
      sending: () => ({ signer: node, body: JSON.stringify({ jobId: jobIdHex(), progress: 2 }) }),
      status: 400,
      code: "INVALID_FIELD",
    },
    { name: "a malformed job id", sending: () => ({ signer: node, body: '{"jobId":"nope"}' }), status: 400, code: "INVALID_FIELD" },
  ];

  for (const each of cases) {
    it(`${each.name}: ${each.status} ${each.code ?? ""} from both`, async () => {
      const requestId = `fast-${Math.random().toString(36).slice(2)}`;
      const answers: Answer[] = [];
      for (const url of [api.url, expressUrl]) {
        const sending = each.sending();
        const headers = { "x-request-id": requestId, ...sending.headers };
        if (each.replay) await send(url, api.clock.now(), { ...sending, headers });
        answers.push(await send(url, api.clock.now(), { ...sending, headers }));
      }
      const [fast, slow] = answers.map(essence);
      expect(fast, JSON.stringify(answers)).to.deep.equal(slow);
      expect(fast.status).to.equal(each.status);
      expect((fast.error as { code?: string } | null)?.code ?? null).to.equal(each.code);
      expect(fast.requestId).to.equal(requestId);
    });
  }

  it("503 and 500 from the store alike, with Retry-After on the 503", async () => {
    const store = api.service.store;
    const claim = store.nonces.claim.bind(store.nonces);
    const beat = store.nodes.heartbeat.bind(store.nodes);
    const failures: [string, () => void, number, string][] = [
      ["nonce claim", () => void (store.nonces.claim = () => Promise.reject(new StoreUnavailableError("down"))), 503, "REDIS_UNAVAILABLE"],
      [
        "heartbeat script",
        () => void (store.nodes.heartbeat = () => Promise.reject(new StoreUnavailableError("down"))),
        503,
        "REDIS_UNAVAILABLE",
      ],
      ["heartbeat bug", () => void (store.nodes.heartbeat = () => Promise.reject(new Error("boom"))), 500, "INTERNAL"],
    ];
    try {
      for (const [what, fail, status, code] of failures) {
        fail();
        const headers = { "x-request-id": `fail-${status}` };
        const fast = essence(await send(api.url, api.clock.now(), { signer: node, body: "{}", headers }));
        const slow = essence(await send(expressUrl, api.clock.now(), { signer: node, body: "{}", headers }));
        expect(fast, what).to.deep.equal(slow);
        expect([fast.status, (fast.error as { code: string }).code], what).to.deep.equal([status, code]);
        expect(fast.retryAfter, what).to.equal(status === 503 ? "1" : undefined);
        store.nonces.claim = claim;
        store.nodes.heartbeat = beat;
      }
    } finally {
      store.nonces.claim = claim;
      store.nodes.heartbeat = beat;
    }
  });

  it("answers heartbeats without express; a query string or a compressed body still reaches express", async () => {
    expressCalls.length = 0;
    expect((await send(api.url, api.clock.now(), { signer: node, body: "{}" })).status).to.equal(200);
    expect((await send(api.url, api.clock.now(), { signer: node, body: "[]" })).status).to.equal(400);
    expect(expressCalls).to.deep.equal([]);

    const query = await send(api.url, api.clock.now(), { signer: node, body: "{}", path: `${PATH}?v=1` });
    expect(query.status, query.text).to.equal(200);
    const gzipped = await send(api.url, api.clock.now(), { signer: node, body: "{}", gzip: true });
    expect(gzipped.status, gzipped.text).to.equal(200);
    await fetch(`${api.url}${PATH}`); // GET: express's route for GET /v1/nodes/:id
    expect(expressCalls).to.deep.equal([`${PATH}?v=1`, PATH, PATH]);
  });

  it("counts fast-path beats and requests in /metrics like express does", async () => {
    const before = await metricValue(
      api.url,
      'cyxwiz_http_request_duration_seconds_count{method="POST",route="/v1/nodes/heartbeat",status="200"}',
    );
    const beats = await metricValue(api.url, 'cyxwiz_heartbeats_total{outcome="ok"}');
    expect((await send(api.url, api.clock.now(), { signer: node, body: "{}" })).status).to.equal(200);
    expect((await send(expressUrl, api.clock.now(), { signer: node, body: "{}" })).status).to.equal(200);
    expect(
      await metricValue(api.url, 'cyxwiz_http_request_duration_seconds_count{method="POST",route="/v1/nodes/heartbeat",status="200"}'),
    ).to.equal(before + 2);
    expect(await metricValue(api.url, 'cyxwiz_heartbeats_total{outcome="ok"}')).to.equal(beats + 2);
  });

  it("takes exactly POST /v1/nodes/heartbeat with an identity body", () => {
    const req = (method: string, url: string, headers: Record<string, string> = {}) =>
      ({ method, url, headers }) as unknown as Parameters<typeof isFastHeartbeat>[0];
    expect(isFastHeartbeat(req("POST", PATH))).to.equal(true);
    expect(isFastHeartbeat(req("POST", PATH, { "content-encoding": "Identity" }))).to.equal(true);
    expect(isFastHeartbeat(req("POST", PATH, { "content-encoding": "gzip" }))).to.equal(false);
    expect(isFastHeartbeat(req("GET", PATH))).to.equal(false);
    expect(isFastHeartbeat(req("POST", `${PATH}/`))).to.equal(false);
    expect(isFastHeartbeat(req("POST", PATH.toUpperCase()))).to.equal(false);
    expect(isFastHeartbeat(req("POST", `${PATH}?a=1`))).to.equal(false);
  });
});

async function metricValue(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
