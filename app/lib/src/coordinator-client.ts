/**
 * The coordinator's HTTP API as the CLI and the node agent use it: every call that acts
 * for a wallet is signed (protocol/src/signed-request.ts), every failure is a
 * typed error that says what went wrong and how to fix it.
 *
 *   const api = new CoordinatorClient({ url: "http://127.0.0.1:7070", signer: keypair });
 *   const quote = await api.quote({ model: { parameters: 5000 }, dataset: { samples: 600 }, epochs: 20, priority: "normal" });
 *
 * Errors: `CoordinatorUnreachableError` (nothing answered at the URL: start it or fix
 * --coordinator), `CoordinatorHttpError` (the coordinator answered with an error body:
 * `status`, `code`, `message`, `field`), `CoordinatorProtocolError` (an answer that is
 * not the API's JSON).
 */
import { randomBytes } from "node:crypto";

import type {
  CheckpointRequest,
  FailRequest,
  HeartbeatRequest,
  JobRequest,
  NodeRequest,
  QuoteRequest,
  ReportRequest,
} from "@cyxwiz/protocol/api/requests";
import type {
  CancelReply,
  CheckpointReply,
  FailReply,
  HealthReply,
  HeartbeatReplyBody,
  JobListReply,
  JobReply,
  NodeDetailReply,
  NodeListReply,
  NodeReply,
  QuoteReply,
  ReportReply,
  StatsReply,
  SubmittedReply,
} from "@cyxwiz/protocol/api/responses";
import { signRequest, type RequestSigner } from "@cyxwiz/protocol/signed-request";

/** Base error of this client; `code` is stable for scripts and tests. */
export class CoordinatorClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class CoordinatorUnreachableError extends CoordinatorClientError {
  constructor(
    readonly url: string,
    cause: string,
  ) {
    super(
      "COORDINATOR_UNREACHABLE",
      `cannot reach the coordinator at ${url} (${cause}); start it (scripts/run.sh starts a local one) or point --coordinator / CYXWIZ_COORDINATOR_URL at a running one`,
    );
  }
}

export class CoordinatorHttpError extends CoordinatorClientError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly field?: string,
    readonly retryAfterSecs?: number,
  ) {
    super(code, message);
  }
}

export class CoordinatorProtocolError extends CoordinatorClientError {
  constructor(message: string) {
    super("COORDINATOR_PROTOCOL", message);
  }
}

// The request bodies and replies are the API's schemas (protocol/src/api): a request is
// what its schema accepts (`z.input`), a reply what the coordinator answers; import the
// reply types from protocol/src/api/responses.ts.
export type { Priority } from "@cyxwiz/protocol/api/constants";
export type { QuoteRequest } from "@cyxwiz/protocol/api/requests";

export type SubmitRequest = JobRequest;
export type NodeRegistration = NodeRequest;
export type Heartbeat = HeartbeatRequest;
export type JobFailure = FailRequest;

/**
 * POST /v1/jobs/:id/report. `jobToken` is required by the coordinator (400 without it);
 * it is optional here because a node sends what its offer carried.
 */
export type Report = Omit<ReportRequest, "jobToken"> & { jobToken?: string };
/** POST /v1/jobs/:id/checkpoint; `jobToken` as for Report. */
export type CheckpointReport = Omit<CheckpointRequest, "jobToken"> & { jobToken?: string };

export interface ClientOptions {
  /** Base URL, e.g. http://127.0.0.1:7070 */
  url: string;
  /** The wallet the calls act for; omitted for public reads. */
  signer?: RequestSigner;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
}

export class CoordinatorClient {
  readonly url: string;
  private readonly signer?: RequestSigner;
  private readonly timeoutMs: number;

  constructor(options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.signer = options.signer;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** A client for the same coordinator acting for another wallet. */
  as(signer: RequestSigner): CoordinatorClient {
    return new CoordinatorClient({ url: this.url, signer, timeoutMs: this.timeoutMs });
  }

  // ---- public ----
  health(): Promise<HealthReply> {
    return this.request("GET", "/health", undefined, { signed: false, okStatuses: [200, 503] });
  }
  listNodes(): Promise<NodeListReply> {
    return this.request("GET", "/v1/nodes", undefined, { signed: false });
  }
  getNode(nodeId: string): Promise<NodeDetailReply> {
    return this.request("GET", `/v1/nodes/${encodeURIComponent(nodeId)}`, undefined, { signed: false });
  }
  stats(): Promise<StatsReply> {
    return this.request("GET", "/v1/stats", undefined, { signed: false });
  }

  // ---- client ----
  quote(body: QuoteRequest): Promise<QuoteReply> {
    return this.request("POST", "/v1/quotes", body);
  }
  /** Idempotent: retry with the same key and body after a network failure. */
  submit(body: SubmitRequest, idempotencyKey: string = randomBytes(16).toString("hex")): Promise<SubmittedReply> {
    return this.request("POST", "/v1/jobs", body, { headers: { "idempotency-key": idempotencyKey } });
  }
  getJob(jobId: string): Promise<JobReply> {
    return this.request("GET", `/v1/jobs/${encodeURIComponent(jobId)}`);
  }
  listJobs(): Promise<JobListReply> {
    return this.request("GET", "/v1/jobs");
  }
  cancel(jobId: string): Promise<CancelReply> {
    return this.request("POST", `/v1/jobs/${encodeURIComponent(jobId)}/cancel`, {});
  }

  // ---- node ----
  registerNode(body: NodeRegistration): Promise<NodeReply> {
    return this.request("POST", "/v1/nodes", body);
  }
  heartbeat(body: Heartbeat = {}): Promise<HeartbeatReplyBody> {
    return this.request("POST", "/v1/nodes/heartbeat", body);
  }
  report(jobId: string, body: Report): Promise<ReportReply> {
    return this.request("POST", `/v1/jobs/${encodeURIComponent(jobId)}/report`, body);
  }
  checkpoint(jobId: string, body: CheckpointReport): Promise<CheckpointReply> {
    return this.request("POST", `/v1/jobs/${encodeURIComponent(jobId)}/checkpoint`, body);
  }
  fail(jobId: string, body: JobFailure): Promise<FailReply> {
    return this.request("POST", `/v1/jobs/${encodeURIComponent(jobId)}/fail`, body);
  }

  /**
   * One call; `body` undefined sends no body. `T` is the reply the API documents for this
   * call (its schema in protocol/src/api/responses.ts); the reply is not re-checked here.
   */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options: { signed?: boolean; headers?: Record<string, string>; okStatuses?: number[] } = {},
  ): Promise<T> {
    const raw = body === undefined ? "" : JSON.stringify(body);
    const headers: Record<string, string> = { accept: "application/json", ...(options.headers ?? {}) };
    if (body !== undefined) headers["content-type"] = "application/json";
    const signed = options.signed ?? true;
    if (signed) {
      if (this.signer === undefined) {
        throw new CoordinatorClientError("NO_SIGNER", `${method} ${path} acts for a wallet; give the client a keypair`);
      }
      Object.assign(headers, signRequest(this.signer, method, path, raw));
    }
    let response: Response;
    try {
      response = await fetch(this.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : raw,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new CoordinatorUnreachableError(this.url, describeFetchError(error));
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new CoordinatorProtocolError(
          `${method} ${path}: HTTP ${response.status} with a body that is not JSON (is ${this.url} a CyxWiz coordinator?)`,
        );
      }
    }
    const ok = options.okStatuses ?? [];
    if (response.ok || ok.includes(response.status)) return parsed as T;
    const error = errorOf(parsed);
    if (error === null) {
      throw new CoordinatorProtocolError(
        `${method} ${path}: HTTP ${response.status} without an error body (is ${this.url} a CyxWiz coordinator?)`,
      );
    }
    const retryAfter = Number(response.headers.get("retry-after") ?? NaN);
    throw new CoordinatorHttpError(
      response.status,
      error.code,
      typeof error.message === "string" ? error.message : String(error.message ?? error.code),
      typeof error.field === "string" ? error.field : undefined,
      Number.isFinite(retryAfter) ? retryAfter : undefined,
    );
  }
}

/** The `error` object of an error reply, when it has the API's shape (a string code). */
function errorOf(parsed: unknown): { code: string; message?: unknown; field?: unknown } | null {
  const error = typeof parsed === "object" && parsed !== null ? (parsed as { error?: unknown }).error : undefined;
  if (typeof error !== "object" || error === null) return null;
  const fields = error as { code?: unknown; message?: unknown; field?: unknown };
  return typeof fields.code === "string" ? { code: fields.code, message: fields.message, field: fields.field } : null;
}

function describeFetchError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return "no answer in time";
  if (e?.cause?.code !== undefined) return e.cause.code;
  return e?.cause?.message ?? e?.message ?? String(error);
}
