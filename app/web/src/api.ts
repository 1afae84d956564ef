/**
 * The coordinator's HTTP API from the browser, same origin (the coordinator serves the
 * built dashboard; `vite dev` proxies /v1 and /health to it). Calls acting for a wallet
 * are signed (signing.ts). Failures are typed so pages can say what happened:
 * `CoordinatorDownError` (nothing answered), `ApiError` (the coordinator refused, with its
 * code and message).
 */
import { type MessageSigner, randomHex, signedHeaders } from "./signing";

export class CoordinatorDownError extends Error {
  constructor(detail: string) {
    super(`The coordinator is not answering (${detail}). Is it running? Retrying…`);
    this.name = "CoordinatorDownError";
  }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

// The request and reply types are the API's schemas (protocol/src/api), type-only: no
// zod or other Node code is bundled.
import type { Priority } from "@cyxwiz/protocol/api/constants";
import type { JobRequest, QuoteRequest } from "@cyxwiz/protocol/api/requests";
import type {
  CancelReply,
  HealthReply,
  JobListReply,
  JobReply,
  NodeDetailReply,
  NodeListReply,
  QuoteReply,
  StatsReply,
  SubmittedReply,
  TransitionBody,
} from "@cyxwiz/protocol/api/responses";

export type { Priority, QuoteRequest };
export type SubmitRequest = JobRequest;
export type Quote = QuoteReply;
export type Candidate = QuoteReply["availability"]["candidates"][number];
export type Transition = TransitionBody;
export type Job = JobReply;
export type NodeView = NodeListReply["nodes"][number];
export type NodeDetail = NodeDetailReply;
export type Payout = NodeDetailReply["earnings"]["history"][number];
export type Reliability = NodeView["reliability"];
export type Stats = StatsReply;
export type Settlement = StatsReply["settlements"][number];

async function request<T>(
  method: string,
  path: string,
  options: { body?: unknown; signer?: MessageSigner; headers?: Record<string, string> } = {},
): Promise<T> {
  const raw = options.body === undefined ? "" : JSON.stringify(options.body);
  const headers: Record<string, string> = { accept: "application/json", ...(options.headers ?? {}) };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.signer !== undefined) Object.assign(headers, await signedHeaders(options.signer, method, path, raw));
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: options.body === undefined ? undefined : raw, cache: "no-store" });
  } catch (error) {
    throw new CoordinatorDownError((error as Error).message);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === "" ? null : JSON.parse(text);
  } catch {
    // A dev proxy answers 502/504 (or 500) with HTML or text when the coordinator is down.
    if (response.status >= 500) throw new CoordinatorDownError(`HTTP ${response.status}`);
    throw new ApiError(response.status, "NOT_JSON", `${method} ${path}: HTTP ${response.status} with a body that is not JSON`);
  }
  if (response.ok) return parsed as T;
  const error = (parsed as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
  if (error?.code === undefined) {
    if (response.status >= 500) throw new CoordinatorDownError(`HTTP ${response.status}`);
    throw new ApiError(response.status, `HTTP_${response.status}`, `${method} ${path}: HTTP ${response.status}`);
  }
  throw new ApiError(response.status, error.code, error.message ?? error.code, error.field);
}

export const api = {
  health: () => request<HealthReply>("GET", "/health"),
  nodes: () => request<NodeListReply>("GET", "/v1/nodes"),
  node: (id: string) => request<NodeDetail>("GET", `/v1/nodes/${encodeURIComponent(id)}`),
  stats: () => request<Stats>("GET", "/v1/stats"),
  quote: (signer: MessageSigner, body: QuoteRequest) => request<Quote>("POST", "/v1/quotes", { signer, body }),
  submit: (signer: MessageSigner, body: JobRequest, idempotencyKey: string = randomHex(16)) =>
    request<SubmittedReply>("POST", "/v1/jobs", { signer, body, headers: { "idempotency-key": idempotencyKey } }),
  jobs: (signer: MessageSigner) => request<JobListReply>("GET", "/v1/jobs", { signer }),
  job: (signer: MessageSigner, id: string) => request<Job>("GET", `/v1/jobs/${encodeURIComponent(id)}`, { signer }),
  cancel: (signer: MessageSigner, id: string) =>
    request<CancelReply>("POST", `/v1/jobs/${encodeURIComponent(id)}/cancel`, { signer, body: {} }),
};

/** One sentence for any failure, for the error banners. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
