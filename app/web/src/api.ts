/**
 * The coordinator's HTTP API from the browser, same origin (the coordinator serves the
 * built dashboard; `vite dev` proxies /v1 and /health to it). Calls acting for a wallet
 * are signed (signing.ts). Failures are typed so pages can say what happened:
 * `CoordinatorDownError` (nothing answered), `ApiError` (the coordinator refused, with its
 * code and message).
 */
import { MessageSigner, randomHex, signedHeaders } from "./signing";

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

// The request types the CLI uses (type-only: nothing of that Node module is bundled);
// the answers' JSON as it comes, see coordinator/openapi.yaml.
import type { Priority, QuoteRequest } from "../../lib/coordinator-client";

export type { Priority, QuoteRequest };

export interface Candidate {
  nodeId: string;
  gpuModel: string;
  nodeClass: string;
  vramGb: number;
  reliability: number;
  state: string;
  nodeCost: string;
  score: number;
}

export interface Quote {
  quoteId: string;
  expiresAt: number;
  amount: string;
  breakdown: { item: string; amount: string }[];
  feeBps: number;
  nodeAmount: string;
  platformFee: string;
  estimate: { gpuHours: number; minVramGb: number };
  gpu: { priceModel: string; nodeClass: string };
  availability: {
    verdict: string;
    eligible: number;
    availableNow: number;
    candidates: Candidate[];
    counts: Record<string, number>;
    queueDepth: number;
    reasons: string[];
  };
}

export interface Transition {
  at: number;
  from: string | null;
  to: string;
  event: string;
  reason: string;
  nodeId?: string;
  detail?: string;
  instruction?: string;
  verdict?: { outcome: string; sha256?: string; metrics?: { reevaluated: boolean; metrics?: Record<string, number>; why?: string }; reason?: string; detail?: string };
}

export interface Job {
  jobId: string;
  status: string;
  escrow: { address: string; amount: string; feeBps: number; expectedStatus: string };
  priority: Priority;
  datasetCid: string;
  nodeId: string | null;
  attempts: number;
  progress: number | null;
  /** GET /v1/jobs/:id: the epoch the current (or last) run resumed from; 0 from the start. */
  resumeEpoch?: number;
  /** GET /v1/jobs/:id: the run's highest verified checkpoint. */
  verifiedProgress?: { epoch: number; epochs: number; fraction: number; cid: string; sha256: string } | null;
  proof: { weightsCid: string; weightsSha256: string } | null;
  verification: { transientFailures: number; verdict: Transition["verdict"] | null; nextCheckAt: number | null } | null;
  settlementSignature: string | null;
  submittedAt: number;
  updatedAt: number;
  history: Transition[];
  config?: Record<string, unknown>;
}

export interface Reliability {
  score: number;
  parts: { uptime: number; jobs: number; proofs: number; latency: number };
}

export interface NodeView {
  nodeId: string;
  gpuModel: string;
  vramGb: number;
  nodeClass: string;
  gpuCount: number;
  priceFloor: string;
  state: "online" | "busy" | "offline";
  jobId: string | null;
  registeredAt: number;
  lastSeen: number;
  reliability: Reliability;
  earnings: { total: string; jobs: number };
}

export interface Payout {
  jobId: string;
  outcome: string;
  amount: string;
  signature: string | null;
  at: number;
}

export interface NodeDetail extends Omit<NodeView, "earnings"> {
  earnings: { total: string; jobs: number; history: Payout[] };
}

export interface Settlement {
  jobId: string;
  outcome: string;
  amount: string;
  nodeId: string | null;
  nodeAmount: string;
  platformFee: string;
  clientRefund: string;
  signature: string | null;
  at: number;
}

export interface Stats {
  jobs: { byStatus: Record<string, number>; total: number };
  escrow: { held: string; openJobs: number };
  nodes: { online: number; busy: number; offline: number; total: number };
  settlements: Settlement[];
}

async function request<T>(method: string, path: string, options: { body?: unknown; signer?: MessageSigner; headers?: Record<string, string> } = {}): Promise<T> {
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
    throw new ApiError(response.status, "HTTP_" + response.status, `${method} ${path}: HTTP ${response.status}`);
  }
  throw new ApiError(response.status, error.code, error.message ?? error.code, error.field);
}

export const api = {
  health: () => request<{ status: string }>("GET", "/health"),
  nodes: () => request<{ nodes: NodeView[] }>("GET", "/v1/nodes"),
  node: (id: string) => request<NodeDetail>("GET", `/v1/nodes/${encodeURIComponent(id)}`),
  stats: () => request<Stats>("GET", "/v1/stats"),
  quote: (signer: MessageSigner, body: QuoteRequest) => request<Quote>("POST", "/v1/quotes", { signer, body }),
  submit: (signer: MessageSigner, body: Record<string, unknown>, idempotencyKey: string = randomHex(16)) =>
    request<{ jobId: string; status: string }>("POST", "/v1/jobs", { signer, body, headers: { "idempotency-key": idempotencyKey } }),
  jobs: (signer: MessageSigner) => request<{ jobs: Job[] }>("GET", "/v1/jobs", { signer }),
  job: (signer: MessageSigner, id: string) => request<Job>("GET", `/v1/jobs/${encodeURIComponent(id)}`, { signer }),
  cancel: (signer: MessageSigner, id: string) => request<Job>("POST", `/v1/jobs/${encodeURIComponent(id)}/cancel`, { signer, body: {} }),
};

/** One sentence for any failure, for the error banners. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
