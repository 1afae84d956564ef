/**
 * Jobs, for their client: POST /v1/jobs submits a job against a quote and a funded
 * escrow (verified on chain through the EscrowVerifier port), exactly once per
 * Idempotency-Key (security test 25); GET /v1/jobs/:id shows the job, its escrow and
 * every transition with its reason, its checkpoints and verified progress; POST
 * /v1/jobs/:id/cancel cancels it (refund before it runs, settlement by verified progress
 * while it runs). For its node, with the offer's job-scoped token: POST
 * /v1/jobs/:id/checkpoint hands in a checkpoint (verified asynchronously), POST
 * /v1/jobs/:id/report the weights, POST /v1/jobs/:id/fail gives the job up (it leaves the
 * node at once, as if the node were lost); a node that lost the job is refused (security test 33).
 */
import { createHash, timingSafeEqual } from "crypto";

import { Express, RequestHandler } from "express";


import { newJobState } from "../../domain/job-state";
import { queueUrgency } from "../../domain/priority";
import { releaseSplit } from "../../../../sdk/src/split";
import { JobSpec, StoredJob } from "../../store/job-codec";
import { callerOf } from "../auth";
import { bodyBytes, bodySha256, pathParam, readJson } from "../body";
import { ApiContext } from "../context";
import { ApiError, badRequest, ChainUnavailableError, conflict, notFound, unprocessable } from "../errors";
import { StoredCheckpoint } from "../../store/runs";
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

    const { amount, feeBps, expiresAt } = verdict.escrow;
    const maxDurationSecs = input.maxDurationSecs ?? ctx.config.matching.defaultMaxDurationSecs;
    const settleBySecs = expiresAt - ctx.config.escrow.settleMarginSecs;
    const endsAtSecs = Math.floor(now / 1000) + maxDurationSecs;
    if (endsAtSecs > settleBySecs) {
      throw unprocessable(
        "DURATION_EXCEEDS_ESCROW",
        `maxDurationSecs ${maxDurationSecs} would let the job run until ${isoSecs(endsAtSecs)}, after ${isoSecs(settleBySecs)}: ` +
          `the escrow expires at ${isoSecs(expiresAt)} and a run must end ${ctx.config.escrow.settleMarginSecs} s before that to be settled; ` +
          `ask for a shorter maxDurationSecs or fund an escrow that lives longer`,
        "maxDurationSecs",
      );
    }
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
      maxDurationSecs,
      settleBy: settleBySecs * 1000,
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
    sendJson(res, 200, { ...jobView(job), ...runView(job, await store.runs.checkpoints(jobId)) });
  });

  app.post("/v1/jobs/:id/cancel", body, auth, async (req, res) => {
    const jobId = pathParam(req, "id", JOB_ID_RE, "64 lowercase hex characters");
    if (bodyBytes(req).length > 0) readJson(req, ctx.schemas.cancel);
    const job = await store.jobs.get(jobId);
    if (job === null || job.client !== callerOf(req).wallet) throw notFound("JOB_NOT_FOUND", `no job ${jobId} of yours`);
    const outcome = await store.runs.cancel(jobId, ctx.clock());
    if (outcome === null) throw notFound("JOB_NOT_FOUND", `no job ${jobId} of yours`);
    switch (outcome.kind) {
      case "cancelled":
        return sendJson(res, 202, { jobId, status: outcome.status });
      case "already-cancelled":
        return sendJson(res, 200, { jobId, status: outcome.status });
      case "not-cancellable":
        throw conflict(
          "JOB_NOT_CANCELLABLE",
          `job ${jobId} is ${outcome.status}: only a queued, offered or running job can be cancelled (its proof is handed in, or its money already settles)`,
        );
    }
  });

  app.post("/v1/jobs/:id/checkpoint", body, auth, async (req, res) => {
    const jobId = pathParam(req, "id", JOB_ID_RE, "64 lowercase hex characters");
    const input = readJson(req, ctx.schemas.checkpoint);
    const nodeId = callerOf(req).wallet;
    if ((await store.nodes.get(nodeId)) === null) throw unknownNode(nodeId);
    const job = await store.jobs.get(jobId);
    if (job === null) throw notFound("JOB_NOT_FOUND", `no job ${jobId}`);
    checkJobToken(job, nodeId, input.jobToken);
    const { epoch, epochs, cid, sha256 } = input;
    const outcome = await store.runs.addCheckpoint({ jobId, nodeId, jobToken: input.jobToken, epoch, epochs, cid, sha256, now: ctx.clock() });
    switch (outcome.kind) {
      case "added":
        return sendJson(res, 202, { jobId, epoch, status: "pending" });
      case "exists":
        return sendJson(res, 200, { jobId, epoch, status: outcome.stored.status });
      case "conflict":
        throw conflict(
          "CHECKPOINT_EXISTS",
          `epoch ${epoch} of job ${jobId} was already handed in as ${outcome.stored.cid} (sha256 ${outcome.stored.sha256}, ${outcome.stored.epochs} epochs): a checkpoint cannot be replaced; hand in the next epoch`,
        );
      case "epochs-mismatch":
        throw unprocessable(
          "EPOCHS_MISMATCH",
          `epochs is ${epochs}, but this run's earlier checkpoints said ${outcome.epochs}: every checkpoint of a run names the same epochs`,
          "epochs",
        );
      case "before-resume":
        throw unprocessable(
          "CHECKPOINT_BEFORE_RESUME",
          `this run resumed job ${jobId} from epoch ${outcome.resumeEpoch} (the offer's resumeFrom): hand in epochs after ${outcome.resumeEpoch} only`,
          "epoch",
        );
      case "not-running":
        throw conflict("JOB_NOT_RUNNING", `job ${jobId} is ${outcome.status}: checkpoints are taken only while it runs`);
      case "bad-token":
        throw badJobToken(jobId);
      case "not-assigned":
        throw notAssigned(jobId);
    }
  });

  app.post("/v1/jobs/:id/report", body, auth, async (req, res) => {
    const jobId = pathParam(req, "id", JOB_ID_RE, "64 lowercase hex characters");
    const input = readJson(req, ctx.schemas.report);
    const nodeId = callerOf(req).wallet;
    if ((await store.nodes.get(nodeId)) === null) throw unknownNode(nodeId);
    const job = await store.jobs.get(jobId);
    if (job === null) throw notFound("JOB_NOT_FOUND", `no job ${jobId}`);
    // The token is checked on this snapshot; the report's script then requires the job
    // unchanged and running on this node, and a token changes only with a new offer.
    checkJobToken(job, nodeId, input.jobToken);
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

  app.post("/v1/jobs/:id/fail", body, auth, async (req, res) => {
    const jobId = pathParam(req, "id", JOB_ID_RE, "64 lowercase hex characters");
    const input = readJson(req, ctx.schemas.fail);
    const nodeId = callerOf(req).wallet;
    if ((await store.nodes.get(nodeId)) === null) throw unknownNode(nodeId);
    const job = await store.jobs.get(jobId);
    if (job === null) throw notFound("JOB_NOT_FOUND", `no job ${jobId}`);
    checkJobToken(job, nodeId, input.jobToken);
    const outcome = await store.leases.abandon({
      jobId,
      nodeId,
      jobToken: input.jobToken,
      reason: input.reason,
      ...(input.fault === undefined ? {} : { fault: input.fault }),
      now: ctx.clock(),
    });
    switch (outcome.kind) {
      case "abandoned":
        ctx.log.info("node abandoned its job", { jobId, nodeId, from: outcome.from, to: outcome.to, fault: input.fault ?? null });
        return sendJson(res, 202, { jobId, status: outcome.to });
      case "bad-token":
        throw badJobToken(jobId);
      case "not-assigned":
        throw notAssigned(jobId);
      case "not-running":
        throw conflict("JOB_NOT_RUNNING", `job ${jobId} is ${outcome.status}: only an offered or running job can be given up`);
      case "invalid":
        throw badRequest("INVALID_FIELD", outcome.message, "reason");
    }
  });
}

const isoSecs = (secs: number): string => new Date(secs * 1000).toISOString();

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

/**
 * The job-scoped token of the job's current offer, bound to its node: a token of an
 * earlier attempt, of a job taken back from its node, or a wrong one is refused with
 * 403 BAD_JOB_TOKEN. A right token from another node than the job's is NOT_ASSIGNED.
 */
function checkJobToken(job: StoredJob, nodeId: string, jobToken: string): void {
  const current = job.jobToken !== null && job.jobTokenNode !== null && job.jobTokenNode === job.state.nodeId;
  // Compared as digests, in constant time.
  if (!current || !timingSafeEqual(digest(job.jobToken as string), digest(jobToken))) throw badJobToken(job.jobId);
  if (job.jobTokenNode !== nodeId) throw notAssigned(job.jobId);
}

function badJobToken(jobId: string): ApiError {
  return new ApiError(
    403,
    "BAD_JOB_TOKEN",
    `jobToken is not the token of job ${jobId}'s current offer to this node (wrong, or from an earlier attempt): use the jobToken of the offer you accepted, or drop the job if it was taken from you`,
    "jobToken",
  );
}

/** What GET /v1/jobs/:id adds about the run: limits, verified progress and checkpoints. */
export function runView(job: StoredJob, checkpoints: readonly StoredCheckpoint[]) {
  // The current (or last) run's highest verified checkpoint: what an early end pays by.
  const verified = job.verifiedProgress;
  return {
    maxDurationSecs: job.maxDurationSecs,
    runningSince: job.runningSince,
    verifiedProgress: verified === null ? null : { epoch: verified.epoch, epochs: verified.epochs, fraction: verified.fraction, cid: verified.cid, sha256: verified.sha256 },
    checkpoints: checkpoints.map((c) => ({
      epoch: c.epoch,
      epochs: c.epochs,
      cid: c.cid,
      sha256: c.sha256,
      status: c.status,
      nodeId: c.nodeId,
      at: c.at,
      ...(c.detail === undefined ? {} : { detail: c.detail }),
    })),
    resumeEpoch: job.resumeEpoch,
    nodeShareBps: job.state.nodeShareBps,
    settleProofHash: job.settleProofHash,
    cancelled: job.cancelledTo !== null,
  };
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
