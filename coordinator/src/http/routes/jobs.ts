/**
 * Jobs, for their client: POST /v1/jobs submits a job against a quote and a funded
 * escrow (verified on chain through the EscrowVerifier port), exactly once per
 * Idempotency-Key (security test 25); GET /v1/jobs/:id shows the job, its escrow and
 * every transition with its reason. For its node: POST /v1/jobs/:id/report hands in
 * the weights; a node that lost the job is refused (security test 33).
 */
import { Express, RequestHandler } from "express";

import { newJobState } from "../../domain/job-state";
import { releaseSplit } from "../../../../sdk/src/split";
import { JobSpec, queueUrgency } from "../../store/job-codec";
import { callerOf } from "../auth";
import { bodySha256, pathParam, readJson } from "../body";
import { ApiContext } from "../context";
import { ApiError, badRequest, ChainUnavailableError, conflict, notFound, unprocessable } from "../errors";
import { sendJson, toJson } from "../json";
import { EscrowVerdict } from "../ports";
import { IDEMPOTENCY_KEY_RE, JOB_ID_RE } from "../schemas";
import { jobView, submittedView } from "../views";

const IDEMPOTENCY_HEADER = "idempotency-key";

function idempotencyKey(value: string | string[] | undefined): string {
  if (typeof value !== "string" || !IDEMPOTENCY_KEY_RE.test(value)) {
    throw badRequest(
      "INVALID_IDEMPOTENCY_KEY",
      "the Idempotency-Key header is required: 1..128 characters of A-Z a-z 0-9 . _ -, the same for every retry of one submission",
      "Idempotency-Key",
    );
  }
  return value;
}

export function jobRoutes(app: Express, ctx: ApiContext, body: RequestHandler, auth: RequestHandler): void {
  const { store } = ctx;

  app.post("/v1/jobs", body, auth, async (req, res) => {
    const key = idempotencyKey(req.headers[IDEMPOTENCY_HEADER]);
    const input = readJson(req, ctx.schemas.job);
    const client = callerOf(req).wallet;
    const bodyHash = bodySha256(req);

    // A retry of a stored submission is answered without asking the chain again.
    const earlier = await store.jobs.idempotentAnswer(client, key);
    if (earlier !== null) {
      if (earlier.bodyHash !== bodyHash) throw idempotencyConflict();
      res.setHeader("Idempotent-Replayed", "true");
      return sendJson(res, 201, earlier.response);
    }

    const quote = await store.quotes.get(input.quoteId);
    if (quote === null || quote.client !== client) {
      throw notFound("QUOTE_NOT_FOUND", `quote ${input.quoteId} does not exist or has expired: ask for a new quote`, "quoteId");
    }
    const now = ctx.clock();
    if (now >= quote.expiresAt) {
      throw unprocessable("QUOTE_EXPIRED", `quote ${quote.quoteId} expired at ${new Date(quote.expiresAt).toISOString()}: ask for a new quote`, "quoteId");
    }

    let verdict: EscrowVerdict;
    try {
      verdict = await ctx.escrowVerifier.verify({
        escrow: input.escrow,
        payer: client,
        jobId: input.jobId,
        minAmount: quote.amount,
        minRemainingSecs: ctx.config.escrow.minRemainingLifetimeSecs,
      });
    } catch (error) {
      throw new ChainUnavailableError(`could not verify escrow ${input.escrow} on chain: ${(error as Error).message}`);
    }
    if (!verdict.ok) throw unprocessable(verdict.code, verdict.reason, "escrow");

    const { amount, feeBps } = verdict.escrow;
    const spec: JobSpec = {
      jobId: input.jobId,
      client,
      escrow: input.escrow,
      quoteId: quote.quoteId,
      datasetCid: input.datasetCid,
      config: JSON.stringify(input.config),
      priority: quote.priority,
      amount,
      feeBps,
      maxPrice: releaseSplit(amount, feeBps).node,
      gpuMicroHours: quote.gpuMicroHours,
      minVramGb: quote.minVramGb,
      gpuModels: quote.gpuModels,
      submittedAt: now,
      maxAttempts: ctx.config.matching.maxAttempts,
    };
    const created = newJobState(spec.jobId, now, spec.maxAttempts).history[0];
    const outcome = await store.jobs.submit({
      spec,
      idempotencyKey: key,
      bodyHash,
      response: toJson(submittedView(spec)),
      idempotencyTtlMs: ctx.idempotencyTtlMs,
      quoteExpiresAt: quote.expiresAt,
      urgency: queueUrgency(spec.priority, now, ctx.matcher.agingStepMs),
      createdRecord: JSON.stringify(created),
      now,
    });
    switch (outcome.kind) {
      case "created":
        return sendJson(res, 201, outcome.response);
      case "replayed":
        res.setHeader("Idempotent-Replayed", "true");
        return sendJson(res, 201, outcome.response);
      case "idempotency-conflict":
        throw idempotencyConflict();
      case "job-exists":
        throw conflict("JOB_EXISTS", `job ${spec.jobId} was already submitted (with another Idempotency-Key)`);
      case "quote-expired":
        throw unprocessable("QUOTE_EXPIRED", `quote ${quote.quoteId} expired: ask for a new quote`, "quoteId");
      case "quote-used":
        throw conflict("QUOTE_ALREADY_USED", `quote ${quote.quoteId} was used by job ${outcome.jobId}: ask for a new quote`);
    }
  });

  app.get("/v1/jobs/:id", body, auth, async (req, res) => {
    const jobId = pathParam(req, "id", JOB_ID_RE, "64 lowercase hex characters");
    const job = await store.jobs.get(jobId);
    // Someone else's job reads as absent: job ids are not an oracle.
    if (job === null || job.client !== callerOf(req).wallet) throw notFound("JOB_NOT_FOUND", `no job ${jobId} of yours`);
    sendJson(res, 200, jobView(job));
  });

  app.post("/v1/jobs/:id/report", body, auth, async (req, res) => {
    const jobId = pathParam(req, "id", JOB_ID_RE, "64 lowercase hex characters");
    const input = readJson(req, ctx.schemas.report);
    const nodeId = callerOf(req).wallet;
    if ((await store.nodes.get(nodeId)) === null) throw unknownNode(nodeId);
    const proof = { weightsCid: input.weightsCid, weightsSha256: input.weightsSha256 };
    const outcome = await store.jobs.report(jobId, nodeId, proof, JSON.stringify(input.metrics ?? {}), ctx.clock());
    switch (outcome.kind) {
      case "reported":
        return sendJson(res, 202, { jobId, status: "verifying" });
      case "already-reported":
        return sendJson(res, 200, { jobId, status: "verifying" });
      case "unknown-job":
        throw notFound("JOB_NOT_FOUND", `no job ${jobId}`);
      case "not-assigned":
        throw notAssigned(jobId);
      case "not-running":
        throw conflict("JOB_NOT_RUNNING", `job ${jobId} is ${outcome.status}: only a running job can be reported`);
      case "invalid":
        throw badRequest("INVALID_REPORT", outcome.message);
    }
  });
}

function idempotencyConflict(): ApiError {
  return conflict(
    "IDEMPOTENCY_KEY_REUSED",
    "this Idempotency-Key was used for a different submission: use a new key for a new submission",
  );
}

export function unknownNode(nodeId: string): ApiError {
  return notFound("UNKNOWN_NODE", `node ${nodeId} is not registered: POST /v1/nodes first`);
}

export function notAssigned(jobId: string): ApiError {
  return conflict(
    "NOT_ASSIGNED",
    `job ${jobId} is not assigned to this node (it was reassigned after missed heartbeats, or never offered to it): stop working on it`,
  );
}
