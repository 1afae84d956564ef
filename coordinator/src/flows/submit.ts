/**
 * Submit: a client's job against its quote and a funded escrow, exactly once per
 * Idempotency-Key (security test 25). A retry of a stored submission is answered
 * from its record without asking the chain again; otherwise the quote must be the
 * caller's and unexpired, the escrow must pass the EscrowVerifier (read on chain),
 * and the run must end before the escrow's expiry minus the settle margin. Then one
 * script stores the job, queues it and records the idempotent answer.
 */
import { releaseSplit } from "@cyxwiz/sdk/split";
import { newJobState } from "../domain/job-state";
import type { EscrowVerdict } from "../ports";
import { queueUrgency } from "../domain/priority";
import type { JobSpec } from "../store/job-codec";
import type { FlowContext } from "./context";

export interface SubmitRequest {
  readonly client: string;
  readonly idempotencyKey: string;
  /** sha256 hex of the request body: a retry must send the same. */
  readonly bodyHash: string;
  readonly jobId: string;
  readonly escrow: string;
  readonly quoteId: string;
  readonly datasetCid: string;
  readonly config: unknown;
  readonly maxDurationSecs?: number;
  /** The stored answer to the submission (and to its retries), as JSON text. */
  readonly answer: (spec: JobSpec) => string;
}

export type SubmitOutcome =
  | { readonly kind: "created" | "replayed"; readonly response: string }
  | { readonly kind: "idempotency-conflict" }
  | { readonly kind: "quote-not-found"; readonly quoteId: string }
  /** `expiredAt` is null when the quote expired while the job was being stored. */
  | { readonly kind: "quote-expired"; readonly quoteId: string; readonly expiredAt: number | null }
  | { readonly kind: "chain-unavailable"; readonly escrow: string; readonly error: Error }
  | { readonly kind: "escrow-rejected"; readonly code: string; readonly reason: string }
  | {
      readonly kind: "duration-exceeds-escrow";
      readonly maxDurationSecs: number;
      /** Unix seconds: when the run would end, the latest it may end, the escrow's expiry. */
      readonly endsAtSecs: number;
      readonly settleBySecs: number;
      readonly expiresAtSecs: number;
      readonly settleMarginSecs: number;
    }
  | { readonly kind: "job-exists"; readonly jobId: string }
  | { readonly kind: "quote-used"; readonly quoteId: string; readonly jobId: string };

export async function submitJob(
  ctx: Pick<FlowContext, "store" | "clock" | "config" | "escrowVerifier" | "matcher" | "idempotencyTtlMs">,
  request: SubmitRequest,
): Promise<SubmitOutcome> {
  const { store, config } = ctx;
  const { client, bodyHash } = request;

  // A retry of a stored submission is answered without asking the chain again.
  const earlier = await store.jobs.idempotentAnswer(client, request.idempotencyKey);
  if (earlier !== null) {
    return earlier.bodyHash === bodyHash ? { kind: "replayed", response: earlier.response } : { kind: "idempotency-conflict" };
  }

  const quote = await store.quotes.get(request.quoteId);
  if (quote === null || quote.client !== client) return { kind: "quote-not-found", quoteId: request.quoteId };
  const now = ctx.clock();
  if (now >= quote.expiresAt) return { kind: "quote-expired", quoteId: quote.quoteId, expiredAt: quote.expiresAt };

  let verdict: EscrowVerdict;
  try {
    verdict = await ctx.escrowVerifier.verify({
      escrow: request.escrow,
      payer: client,
      jobId: request.jobId,
      minAmount: quote.amount,
      minRemainingSecs: config.escrow.minRemainingLifetimeSecs,
    });
  } catch (error) {
    return { kind: "chain-unavailable", escrow: request.escrow, error: error as Error };
  }
  if (!verdict.ok) return { kind: "escrow-rejected", code: verdict.code, reason: verdict.reason };

  const { amount, feeBps, expiresAt } = verdict.escrow;
  const maxDurationSecs = request.maxDurationSecs ?? config.matching.defaultMaxDurationSecs;
  const settleMarginSecs = config.escrow.settleMarginSecs;
  const settleBySecs = expiresAt - settleMarginSecs;
  const endsAtSecs = Math.floor(now / 1000) + maxDurationSecs;
  if (endsAtSecs > settleBySecs) {
    return { kind: "duration-exceeds-escrow", maxDurationSecs, endsAtSecs, settleBySecs, expiresAtSecs: expiresAt, settleMarginSecs };
  }
  const spec: JobSpec = {
    jobId: request.jobId,
    client,
    escrow: request.escrow,
    quoteId: quote.quoteId,
    datasetCid: request.datasetCid,
    config: JSON.stringify(request.config),
    priority: quote.priority,
    amount,
    feeBps,
    maxPrice: releaseSplit(amount, feeBps).node,
    gpuMicroHours: quote.gpuMicroHours,
    minVramGb: quote.minVramGb,
    gpuModels: quote.gpuModels,
    submittedAt: now,
    maxAttempts: config.matching.maxAttempts,
    maxDurationSecs,
    settleBy: settleBySecs * 1000,
  };
  const created = newJobState(spec.jobId, now, spec.maxAttempts).history[0];
  const outcome = await store.jobs.submit({
    spec,
    idempotencyKey: request.idempotencyKey,
    bodyHash,
    response: request.answer(spec),
    idempotencyTtlMs: ctx.idempotencyTtlMs,
    quoteExpiresAt: quote.expiresAt,
    urgency: queueUrgency(spec.priority, now, ctx.matcher.agingStepMs),
    createdRecord: JSON.stringify(created),
    now,
  });
  switch (outcome.kind) {
    case "created":
    case "replayed":
      return outcome;
    case "idempotency-conflict":
      return { kind: "idempotency-conflict" };
    case "job-exists":
      return { kind: "job-exists", jobId: spec.jobId };
    case "quote-expired":
      return { kind: "quote-expired", quoteId: quote.quoteId, expiredAt: null };
    case "quote-used":
      return { kind: "quote-used", quoteId: quote.quoteId, jobId: outcome.jobId };
  }
}
