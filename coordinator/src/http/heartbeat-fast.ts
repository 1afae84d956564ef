/**
 * POST /v1/nodes/heartbeat without express: the one route every node calls every few
 * seconds, answered straight from node:http's request listener, and everything else
 * handed to the express app. It answers exactly as the express route does (which stays,
 * for requests the fast path leaves to it), from the same pieces, in the same order:
 *
 *   body, read as bytes up to http.bodyLimitBytes     413 PAYLOAD_TOO_LARGE, 400 BAD_REQUEST
 *   signature and nonce (auth.ts authenticate)        401 + WWW-Authenticate, 503
 *   JSON and its schema (body.ts parseJson)            400, 415
 *   the beat itself (routes/nodes.ts beat)             404 UNKNOWN_NODE, 409 NOT_ASSIGNED, 503
 *
 * with every failure answered by app.ts's errorReply, the same X-Request-Id and the same
 * request-duration metric (route "/v1/nodes/heartbeat"). What it saves is express's
 * routing, its request/response decoration and body-parser's stream plumbing.
 *
 * Only exactly `POST /v1/nodes/heartbeat` with an identity-encoded body takes this
 * path; a query string, a trailing slash, another case or a compressed body go to
 * express, which answers them as before.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

import type { Express } from "express";

import { errorReply, requestIdFrom } from "./app";
import { authenticate, type Caller, type SignedDeps } from "./auth";
import { parseJson } from "./body";
import type { ApiContext } from "./context";
import { toJson } from "./json";
import { beat } from "./routes/nodes";

export const HEARTBEAT_PATH = "/v1/nodes/heartbeat";
const METHOD = "POST";
const JSON_TYPE = "application/json; charset=utf-8";

/** A body that could not be read, shaped as body-parser's errors (status + type), so errorReply maps both alike. */
class BodyReadError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
  ) {
    super(type);
  }
}

/** True for a request the fast path answers. */
export function isFastHeartbeat(req: IncomingMessage): boolean {
  if (req.url !== HEARTBEAT_PATH || req.method !== METHOD) return false;
  const encoding = req.headers["content-encoding"];
  return encoding === undefined || encoding.toLowerCase() === "identity";
}

/** The server's request listener: the heartbeat fast path, express for everything else. */
export function withFastHeartbeat(ctx: ApiContext, app: Express): RequestListener {
  const answer = fastHeartbeat(ctx);
  return (req, res) => {
    if (isFastHeartbeat(req)) answer(req, res);
    else void app(req, res);
  };
}

/** Answers one `POST /v1/nodes/heartbeat` (the caller checked isFastHeartbeat). */
export function fastHeartbeat(ctx: ApiContext): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = ctx.config.http.bodyLimitBytes;
  const auth: SignedDeps = { nonces: ctx.store.nonces, clock: ctx.clock, maxSkewMs: ctx.config.auth.maxSkewMs };
  const labels = new Map<number, { method: string; route: string; status: string }>();
  const labelsOf = (status: number) => {
    let found = labels.get(status);
    if (found === undefined) {
      found = { method: METHOD, route: HEARTBEAT_PATH, status: String(status) };
      labels.set(status, found);
    }
    return found;
  };

  function send(
    res: ServerResponse,
    started: bigint,
    requestId: string,
    status: number,
    text: string,
    extra?: readonly (readonly [string, string])[],
  ): void {
    if (res.headersSent || res.destroyed) return;
    const headers: string[] = ["X-Request-Id", requestId];
    if (extra !== undefined) for (const [name, value] of extra) headers.push(name, value);
    headers.push("Content-Type", JSON_TYPE, "Content-Length", String(Buffer.byteLength(text)));
    res.writeHead(status, headers);
    res.end(text);
    ctx.metrics.httpDuration.observe(labelsOf(status), Number(process.hrtime.bigint() - started) / 1e9);
  }

  return (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers["x-request-id"]);
    let caller: Caller | null = null;
    const fail = (error: unknown) => {
      const context = { requestId, method: METHOD, route: HEARTBEAT_PATH, path: HEARTBEAT_PATH, caller: caller?.wallet ?? null };
      const reply = errorReply(ctx, error, context);
      send(res, started, requestId, reply.status, toJson(reply.payload), reply.headers);
    };
    const respond = async (body: Buffer): Promise<string> => {
      caller = await authenticate(auth, req.headers, METHOD, HEARTBEAT_PATH, body);
      return beat(ctx, caller, parseJson(body, req.headers["content-type"], ctx.schemas.heartbeat));
    };
    readBody(req, limit, (error, body) => {
      if (error !== null) return fail(error);
      respond(body).then((text) => send(res, started, requestId, 200, text), fail);
    });
  };
}

/**
 * The body as bytes, as express.raw reads it (raw-body): more than `limit` bytes,
 * declared or sent, is 413 entity.too.large; fewer than declared is 400
 * request.size.invalid; a request cut off is 400 request.aborted. After a failure the
 * rest of the request is read off and `done` called at its end, as body-parser does.
 */
function readBody(req: IncomingMessage, limit: number, done: (error: BodyReadError | null, body: Buffer) => void): void {
  const declared = req.headers["content-length"];
  const length = declared === undefined ? null : Number(declared);
  let failure: BodyReadError | null = length !== null && length > limit ? new BodyReadError(413, "entity.too.large") : null;
  let first: Buffer | null = null;
  let more: Buffer[] | null = null;
  let received = 0;
  let finished = false;
  const finish = (error: BodyReadError | null) => {
    if (finished) return;
    finished = true;
    if (error !== null) return done(error, EMPTY);
    if (more !== null) return done(null, Buffer.concat(more, received));
    done(null, first ?? EMPTY);
  };
  req.on("data", (chunk: Buffer) => {
    if (failure !== null) return;
    received += chunk.length;
    if (received > limit) {
      failure = new BodyReadError(413, "entity.too.large");
      first = more = null;
    } else if (first === null) {
      first = chunk;
    } else {
      more ??= [first];
      more.push(chunk);
    }
  });
  req.on("end", () => {
    if (failure === null && length !== null && received !== length) failure = new BodyReadError(400, "request.size.invalid");
    finish(failure);
  });
  const aborted = () => finish(new BodyReadError(400, "request.aborted"));
  req.on("aborted", aborted);
  req.on("error", aborted);
}

const EMPTY = Buffer.alloc(0);
