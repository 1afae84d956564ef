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
import { randomBytes } from "crypto";

import { signRequest, RequestSigner } from "../../protocol/src/signed-request";

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

export type Priority = "normal" | "high" | "critical";

export interface QuoteRequest {
  model: { parameters: number };
  dataset: { bytes?: number; samples?: number; tokens?: number; tokensPerSample?: number };
  epochs: number;
  priority: Priority;
  gpu?: { minVramGb?: number; models?: string[] };
}

/** The API's JSON as it comes; see coordinator/openapi.yaml for every field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface SubmitRequest {
  quoteId: string;
  jobId: string;
  escrow: string;
  datasetCid: string;
  config: Record<string, unknown>;
  /** Optional: how long the job may run once accepted before it is settled by verified progress. */
  maxDurationSecs?: number;
}

export interface NodeRegistration {
  gpuModel: string;
  vramGb: number;
  gpuCount: number;
  priceFloor: string;
}

export interface Heartbeat {
  jobId?: string;
  progress?: number;
}

export interface Report {
  weightsCid: string;
  weightsSha256: string;
  metrics?: Record<string, number>;
  /** The job-scoped token the offer carried. */
  jobToken?: string;
}

export interface CheckpointReport {
  /** Epochs completed when the checkpoint was written. */
  epoch: number;
  /** Epochs the job trains in all. */
  epochs: number;
  cid: string;
  sha256: string;
  jobToken?: string;
}

/** POST /v1/jobs/:id/fail: the node gives its job up. */
export interface JobFailure {
  jobToken: string;
  /** 1..500 characters, for the client's history. */
  reason: string;
  /** Whose fault the node says it is. */
  fault?: "node" | "job";
}

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
  health(): Promise<Json> {
    return this.request("GET", "/health", undefined, { signed: false, okStatuses: [200, 503] });
  }
  listNodes(): Promise<Json> {
    return this.request("GET", "/v1/nodes", undefined, { signed: false });
  }
  getNode(nodeId: string): Promise<Json> {
    return this.request("GET", `/v1/nodes/${encodeURIComponent(nodeId)}`, undefined, { signed: false });
  }
  stats(): Promise<Json> {
    return this.request("GET", "/v1/stats", undefined, { signed: false });
  }

  // ---- client ----
  quote(body: QuoteRequest): Promise<Json> {
    return this.request("POST", "/v1/quotes", body);
  }
  /** Idempotent: retry with the same key and body after a network failure. */
  submit(body: SubmitRequest, idempotencyKey: string = randomBytes(16).toString("hex")): Promise<Json> {
    return this.request("POST", "/v1/jobs", body, { headers: { "idempotency-key": idempotencyKey } });
  }
  getJob(jobId: string): Promise<Json> {
    return this.request("GET", `/v1/jobs/${encodeURIComponent(jobId)}`);
  }
  listJobs(): Promise<Json> {
    return this.request("GET", "/v1/jobs");
  }
  cancel(jobId: string): Promise<Json> {
    return this.request("POST", `/v1/jobs/${encodeURIComponent(jobId)}/cancel`, {});
  }

  // ---- node ----
  registerNode(body: NodeRegistration): Promise<Json> {
    return this.request("POST", "/v1/nodes", body);
  }
  heartbeat(body: Heartbeat = {}): Promise<Json> {
    return this.request("POST", "/v1/nodes/heartbeat", body);
  }
  report(jobId: string, body: Report): Promise<Json> {
    return this.request("POST", `/v1/jobs/${encodeURIComponent(jobId)}/report`, body);
  }
  checkpoint(jobId: string, body: CheckpointReport): Promise<Json> {
    return this.request("POST", `/v1/jobs/${encodeURIComponent(jobId)}/checkpoint`, body);
  }
  fail(jobId: string, body: JobFailure): Promise<Json> {
    return this.request("POST", `/v1/jobs/${encodeURIComponent(jobId)}/fail`, body);
  }

  /** One call; `body` undefined sends no body. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    options: { signed?: boolean; headers?: Record<string, string>; okStatuses?: number[] } = {},
  ): Promise<Json> {
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
    let parsed: Json = null;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new CoordinatorProtocolError(`${method} ${path}: HTTP ${response.status} with a body that is not JSON (is ${this.url} a CyxWiz coordinator?)`);
      }
    }
    const ok = options.okStatuses ?? [];
    if (response.ok || ok.includes(response.status)) return parsed;
    const error = parsed?.error;
    if (error === undefined || typeof error.code !== "string") {
      throw new CoordinatorProtocolError(`${method} ${path}: HTTP ${response.status} without an error body (is ${this.url} a CyxWiz coordinator?)`);
    }
    const retryAfter = Number(response.headers.get("retry-after") ?? NaN);
    throw new CoordinatorHttpError(
      response.status,
      error.code,
      String(error.message ?? error.code),
      typeof error.field === "string" ? error.field : undefined,
      Number.isFinite(retryAfter) ? retryAfter : undefined,
    );
  }
}

function describeFetchError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return "no answer in time";
  if (e?.cause?.code !== undefined) return e.cause.code;
  return e?.cause?.message ?? e?.message ?? String(error);
}
