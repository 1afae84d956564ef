/**
 * The express 5 application: unsigned operational routes, signed /v1 routes (raw body
 * → signature and nonce → JSON schema → handler), JSON 404s and one error handler
 * that answers every failure as `{error: {code, message}}` and never with a stack.
 */
import { randomUUID } from "node:crypto";

import express, { type Express, type NextFunction, type Request, type Response } from "express";

import { StoreUnavailableError } from "../store/redis";
import { ConcurrentUpdateError } from "../store/jobs";
import { callerWalletOf, SIGNATURE_CHALLENGE, signed, UnauthorizedError } from "./auth";
import { rawBody } from "./body";
import type { ApiContext } from "./context";
import { ApiError, ChainUnavailableError, type ErrorBody } from "./errors";
import { sendJson } from "./json";
import { jobRoutes } from "./routes/jobs";
import { nodeRoutes } from "./routes/nodes";
import { quoteRoutes } from "./routes/quotes";
import { dashboardRoutes } from "./routes/dashboard";
import { readRoutes } from "./routes/reads";
import { systemRoutes } from "./routes/system";

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;
const requestIds = new WeakMap<Request, string>();

/** The request's id: the caller's X-Request-Id when it is a sane token, else a fresh UUID. */
export function requestIdFrom(given: string | string[] | undefined): string {
  return typeof given === "string" && REQUEST_ID_RE.test(given) ? given : randomUUID();
}

export function requestIdOf(req: Request): string {
  return requestIds.get(req) ?? "-";
}

/** The route a request matched, as declared ("/v1/jobs/:id"), for metric labels. */
function routeOf(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === "string" ? route.path : "unmatched";
}

/** body-parser's errors carry a `type` and an HTTP status. */
function bodyParserError(error: unknown): { status: number; type: string } | null {
  if (typeof error !== "object" || error === null) return null;
  const { status, type } = error as { status?: unknown; type?: unknown };
  return typeof status === "number" && typeof type === "string" && status >= 400 && status < 500 ? { status, type } : null;
}

export function createApp(ctx: ApiContext): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.use((req, res, next) => {
    const id = requestIdFrom(req.headers["x-request-id"]);
    requestIds.set(req, id);
    res.setHeader("X-Request-Id", id);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      ctx.metrics.httpDuration.observe({ method: req.method, route: routeOf(req), status: String(res.statusCode) }, seconds);
    });
    next();
  });

  systemRoutes(app, ctx);
  const body = rawBody(ctx.config.http.bodyLimitBytes);
  const auth = signed({ nonces: ctx.store.nonces, clock: ctx.clock, maxSkewMs: ctx.config.auth.maxSkewMs });
  quoteRoutes(app, ctx, body, auth);
  jobRoutes(app, ctx, body, auth);
  nodeRoutes(app, ctx, body, auth);
  readRoutes(app, ctx, body, auth);
  dashboardRoutes(app, ctx);

  app.use((req, _res, next) => {
    next(new ApiError(404, "NOT_FOUND", `no route ${req.method} ${req.path}`));
  });
  app.use(errorHandler(ctx));
  return app;
}

function errorHandler(ctx: ApiContext) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const context = { requestId: requestIdOf(req), method: req.method, route: routeOf(req), path: req.path, caller: callerWalletOf(req) };
    const reply = errorReply(ctx, error, context);
    for (const [name, value] of reply.headers) res.setHeader(name, value);
    sendJson(res, reply.status, reply.payload);
  };
}

/** Where a failed request was, for the log line of a 5xx. */
export interface ErrorContext {
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
  readonly path: string;
  readonly caller: string | null;
}

export interface ErrorReply {
  readonly status: number;
  /** Extra headers: WWW-Authenticate on a signature refusal, Retry-After on a 503. */
  readonly headers: readonly (readonly [string, string])[];
  readonly payload: ErrorBody;
}

const NO_HEADERS: ErrorReply["headers"] = [];

/**
 * How every failure is answered (express's error handler and the heartbeat fast path):
 * ApiErrors as they are, body-reading errors as 413/400, an unreachable store or chain
 * as 503, a concurrent update as 409, anything else as a logged 500.
 */
export function errorReply(ctx: ApiContext, error: unknown, context: ErrorContext): ErrorReply {
  let status: number;
  let code: string;
  let message: string;
  let field: string | undefined;
  let headers = NO_HEADERS;
  const parser = bodyParserError(error);
  if (error instanceof ApiError) {
    ({ status, code, message, field } = error);
    if (error instanceof UnauthorizedError) headers = [["WWW-Authenticate", SIGNATURE_CHALLENGE]];
  } else if (parser !== null) {
    status = parser.status;
    if (parser.type === "entity.too.large") {
      code = "PAYLOAD_TOO_LARGE";
      message = `the body is larger than the ${ctx.config.http.bodyLimitBytes}-byte limit`;
    } else {
      code = "BAD_REQUEST";
      message = `the body could not be read (${parser.type})`;
    }
  } else if (error instanceof StoreUnavailableError) {
    status = 503;
    code = error.code;
    message = "the job store is unavailable; retry shortly";
    headers = [["Retry-After", "1"]];
    ctx.log.warn("store unavailable", { ...context, error: error.message });
  } else if (error instanceof ChainUnavailableError) {
    status = 503;
    code = error.code;
    message = error.message;
    headers = [["Retry-After", "2"]];
    ctx.log.warn("chain unavailable", { ...context, error: error.message });
  } else if (error instanceof ConcurrentUpdateError) {
    status = 409;
    code = error.code;
    message = error.message;
  } else {
    status = 500;
    code = "INTERNAL";
    message = `internal error; quote request id ${context.requestId} when reporting it`;
    ctx.log.error("request failed", { ...context, error });
  }
  return {
    status,
    headers,
    payload: { error: { code, message, ...(field === undefined ? {} : { field }), requestId: context.requestId } },
  };
}
