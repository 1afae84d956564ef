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
 *
 * Each handler parses the request, calls its flow (flows/) and maps the outcome to the reply.
 */
import type { Express, RequestHandler } from "express";

import { abandonJob } from "../../flows/abandon";
import { cancelJob } from "../../flows/cancel";
import { handInCheckpoint } from "../../flows/checkpoint";
import type { NodeJobRefusal } from "../../flows/node-job";
import { reportWeights } from "../../flows/report";
import { submitJob } from "../../flows/submit";
import type { StoredJob } from "../../store/job-codec";
import type { StoredCheckpoint } from "../../store/runs";
import { callerOf } from "../auth";
import { bodyBytes, bodySha256, pathParam, readJson } from "../body";
import type { ApiContext } from "../context";
import { ApiError, badRequest, ChainUnavailableError, conflict, notFound, unprocessable } from "../errors";
import { sendJson, toJson } from "../json";
import { IDEMPOTENCY_KEY_RE, JOB_ID_RE } from "../schemas";
import { jobView, submittedView } from "../views";

const IDEMPOTENCY_HEADER = "idempotency-key";

function idempotencyKeyOf(value: string | string[] | undefined): string {
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
    const idempotencyKey = idempotencyKeyOf(req.headers[IDEMPOTENCY_HEADER]);
    const input = readJson(req, ctx.schemas.job);
    const outcome = await submitJob(ctx, {
      ...input,
      client: callerOf(req).wallet,
      idempotencyKey,
      bodyHash: bodySha256(req),
      answer: (spec) => toJson(submittedView(spec)),
    });
    switch (outcome.kind) {
      case "created":
        return sendJson(res, 201, outcome.response);
      case "replayed":
        res.setHeader("Idempotent-Replayed", "true");
        return sendJson(res, 201, outcome.response);
      case "idempotency-conflict":
        throw idempotencyConflict();
      case "quote-not-found":
        throw notFound("QUOTE_NOT_FOUND", `quote ${outcome.quoteId} does not exist or has expired: ask for a new quote`, "quoteId");
      case "quote-expired":
        throw unprocessable(
          "QUOTE_EXPIRED",
          outcome.expiredAt === null
            ? `quote ${outcome.quoteId} expired: ask for a new quote`
            : `quote ${outcome.quoteId} expired at ${new Date(outcome.expiredAt).toISOString()}: ask for a new quote`,
          "quoteId",
        );
      case "chain-unavailable":
        throw new ChainUnavailableError(`could not verify escrow ${outcome.escrow} on chain: ${outcome.error.message}`);
      case "escrow-rejected":
        throw unprocessable(outcome.code, outcome.reason, "escrow");
      case "duration-exceeds-escrow":
        throw unprocessable(
          "DURATION_EXCEEDS_ESCROW",
          `maxDurationSecs ${outcome.maxDurationSecs} would let the job run until ${isoSecs(outcome.endsAtSecs)}, after ${isoSecs(outcome.settleBySecs)}: ` +
            `the escrow expires at ${isoSecs(outcome.expiresAtSecs)} and a run must end ${outcome.settleMarginSecs} s before that to be settled; ` +
            `ask for a shorter maxDurationSecs or fund an escrow that lives longer`,
          "maxDurationSecs",
        );
      case "job-exists":
        throw conflict("JOB_EXISTS", `job ${outcome.jobId} was already submitted (with another Idempotency-Key)`);
      case "quote-used":
        throw conflict("QUOTE_ALREADY_USED", `quote ${outcome.quoteId} was used by job ${outcome.jobId}: ask for a new quote`);
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
    const outcome = await cancelJob(ctx, callerOf(req).wallet, jobId);
    switch (outcome.kind) {
      case "unknown-job":
        throw notFound("JOB_NOT_FOUND", `no job ${jobId} of yours`);
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
    const { epoch, epochs, cid, sha256 } = input;
    const outcome = await handInCheckpoint(ctx, { jobId, nodeId, jobToken: input.jobToken, epoch, epochs, cid, sha256 });
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
      default:
        throw nodeJobRefused(outcome.kind, jobId, nodeId);
    }
  });

  app.post("/v1/jobs/:id/report", body, auth, async (req, res) => {
    const jobId = pathParam(req, "id", JOB_ID_RE, "64 lowercase hex characters");
    const input = readJson(req, ctx.schemas.report);
    const nodeId = callerOf(req).wallet;
    const proof = { weightsCid: input.weightsCid, weightsSha256: input.weightsSha256 };
    const outcome = await reportWeights(ctx, { jobId, nodeId, jobToken: input.jobToken, proof, metrics: input.metrics });
    switch (outcome.kind) {
      case "reported":
        return sendJson(res, 202, { jobId, status: "verifying" });
      case "already-reported":
        return sendJson(res, 200, { jobId, status: "verifying" });
      case "not-running":
        throw conflict("JOB_NOT_RUNNING", `job ${jobId} is ${outcome.status}: only a running job can be reported`);
      case "invalid":
        throw badRequest("INVALID_REPORT", outcome.message);
      default:
        throw nodeJobRefused(outcome.kind, jobId, nodeId);
    }
  });

  app.post("/v1/jobs/:id/fail", body, auth, async (req, res) => {
    const jobId = pathParam(req, "id", JOB_ID_RE, "64 lowercase hex characters");
    const input = readJson(req, ctx.schemas.fail);
    const nodeId = callerOf(req).wallet;
    const outcome = await abandonJob(ctx, {
      jobId,
      nodeId,
      jobToken: input.jobToken,
      reason: input.reason,
      ...(input.fault === undefined ? {} : { fault: input.fault }),
    });
    switch (outcome.kind) {
      case "abandoned":
        return sendJson(res, 202, { jobId, status: outcome.to });
      case "not-running":
        throw conflict("JOB_NOT_RUNNING", `job ${jobId} is ${outcome.status}: only an offered or running job can be given up`);
      case "invalid":
        throw badRequest("INVALID_FIELD", outcome.message, "reason");
      default:
        throw nodeJobRefused(outcome.kind, jobId, nodeId);
    }
  });
}

const isoSecs = (secs: number): string => new Date(secs * 1000).toISOString();

/** The reply to a node-side request the node, job or token checks refused (flows/node-job.ts). */
function nodeJobRefused(refusal: NodeJobRefusal["kind"], jobId: string, nodeId: string): ApiError {
  switch (refusal) {
    case "unknown-node":
      return unknownNode(nodeId);
    case "unknown-job":
      return notFound("JOB_NOT_FOUND", `no job ${jobId}`);
    case "bad-token":
      return badJobToken(jobId);
    case "not-assigned":
      return notAssigned(jobId);
  }
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
    verifiedProgress:
      verified === null
        ? null
        : { epoch: verified.epoch, epochs: verified.epochs, fraction: verified.fraction, cid: verified.cid, sha256: verified.sha256 },
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
  return conflict("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for a different submission: use a new key for a new submission");
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
