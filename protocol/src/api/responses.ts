/**
 * What the API answers, defined once: clients take their reply types from these
 * (`z.output`), and the OpenAPI document's components are generated from them. Token
 * amounts are decimal strings of base units (u64); times are unix ms.
 */
import { z } from "zod";

import { Amount, Cid, GpuModel, JobId, Priority, Wallet } from "./common";
import { ABANDON_FAULTS, JOB_STATUSES } from "./constants";

export { Amount, Cid, GpuModel, JobId, JOB_STATUSES, Priority, Wallet };

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const int = () => z.int();
const unixMs = (description = "unix ms") => z.int().describe(description);

export const JobStatus = z.enum(JOB_STATUSES).meta({ id: "JobStatus" });
export type JobStatus = z.output<typeof JobStatus>;

export const ApiErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      field: z.string().describe("The field at fault, e.g. dataset.bytes or gpu.models[1].").optional(),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: "Error" });

const probe = <S extends z.ZodRawShape>(shape: S) => z.object({ ok: z.boolean(), ...shape, error: z.string().optional() });
export const Health = z
  .object({
    status: z.enum(["ok", "unhealthy"]),
    redis: probe({ latencyMs: z.number().nullable().optional() }),
    rpc: probe({ slot: z.int().nullable().optional() }),
    ipfs: probe({}),
  })
  .meta({ id: "Health" });

const NODE_STATES = ["online", "busy", "offline"] as const;
const NODE_CLASSES = ["tier1", "tier2", "tier3", "tier4"] as const;

const Candidate = z.object({
  nodeId: Wallet,
  gpuModel: z.string(),
  nodeClass: z.string(),
  vramGb: z.number(),
  reliability: z.number(),
  state: z.enum(NODE_STATES),
  nodeCost: Amount,
  score: z.number(),
  scoreParts: z
    .object({ reliability: z.number(), price: z.number(), size: z.number() })
    .describe("The score's weighted terms (reliability + price + size = score)."),
});

export const Quote = z
  .object({
    quoteId: z.uuid(),
    createdAt: unixMs(),
    expiresAt: unixMs(),
    priority: Priority,
    gpu: z.object({
      priceModel: GpuModel,
      nodeClass: z.enum(NODE_CLASSES),
      allowedModels: z.array(GpuModel).nullable(),
      minVramGb: z.number(),
    }),
    estimate: z.object({
      tokensPerEpoch: Amount,
      trainingFlops: Amount,
      gpuMicroHours: Amount,
      gpuHours: z.number(),
      minVramGb: z.number(),
    }),
    amount: Amount,
    breakdown: z.array(
      z.object({ item: z.enum(["compute", "priority", "platform-margin", "minimum-charge"]), description: z.string(), amount: Amount }),
    ),
    feeBps: int(),
    nodeAmount: Amount,
    platformFee: Amount,
    availability: z
      .object({
        verdict: z.enum(["available", "eligible-nodes-busy", "eligible-nodes-offline", "no-eligible-node"]),
        eligible: int(),
        availableNow: int(),
        candidates: z.array(Candidate),
        counts: z
          .record(z.string(), z.int())
          .describe("Nodes per first reason (gpu-not-allowed, vram-too-small, excluded, price-above-budget, offline, busy, available)."),
        countsByClass: z.record(z.string(), z.record(z.string(), z.int())),
        affordablePriceFloor: Amount,
        queueDepth: int(),
        reasons: z.array(z.string()),
      })
      .describe("Which registered nodes could run the job and why the others cannot."),
  })
  .meta({ id: "Quote" });

export const SubmittedJob = z
  .object({
    jobId: JobId,
    status: z.literal("queued"),
    quoteId: z.string(),
    escrow: Wallet,
    amount: Amount,
    feeBps: int(),
    nodeBudget: Amount,
    priority: Priority,
    submittedAt: int(),
    links: z.object({ self: z.string() }),
  })
  .meta({ id: "SubmittedJob" });

const REEVALUATED = z.object({ reevaluated: z.literal(true), evaluator: z.string(), metrics: z.record(z.string(), z.number()) });
const NOT_REEVALUATED = z.object({ reevaluated: z.literal(false), why: z.string() });
const RETRY_REASONS = ["fetch-timeout", "ipfs-unavailable", "evaluation-error"] as const;
export const ProofVerdict = z
  .discriminatedUnion("outcome", [
    z.object({ outcome: z.literal("verified"), sha256: Sha256, bytes: int(), metrics: z.union([REEVALUATED, NOT_REEVALUATED]) }),
    z.object({
      outcome: z.literal("rejected"),
      reason: z.enum(["hash-mismatch", "not-found", "too-large", "metrics-do-not-reproduce", "fetch-failed", "evaluation-failed"]),
      detail: z.string(),
      after: z.enum(RETRY_REASONS).optional(),
      attempt: int().optional(),
    }),
    z.object({ outcome: z.literal("retry"), reason: z.enum(RETRY_REASONS), detail: z.string(), attempt: int(), nextAt: int() }),
  ])
  .meta({
    id: "ProofVerdict",
    description:
      "The coordinator's check of a reported proof. verified: the bytes under the CID hash to the reported sha256 (the proof hash recorded on chain); metrics.reevaluated says whether the claimed metrics were re-computed (a job kind with an evaluator) or NOT, and why. rejected: no release, the client is refunded. retry: a transient failure, checked again at nextAt (exponential backoff); the last allowed attempt ends in fetch-failed or evaluation-failed.",
  });

export const Transition = z
  .object({
    at: int(),
    from: JobStatus.nullable(),
    to: JobStatus,
    event: z.string(),
    reason: z
      .string()
      .describe(
        "submitted, matched, accepted, offer-expired, node-lost, node-abandoned, max-attempts-reached, proof-reported, proof-verified, proof-rejected, proof-check-retry, …",
      ),
    nodeId: z.string().optional(),
    detail: z.string().optional(),
    instruction: z.enum(["lock_escrow", "unlock_escrow", "release_escrow", "refund_escrow", "settle_partial"]).optional(),
    verdict: ProofVerdict.optional(),
    fault: z.enum(ABANDON_FAULTS).describe("abandon only: whose fault the node says it is").optional(),
  })
  .meta({ id: "Transition" });

const CHECKPOINT_STATUSES = ["pending", "verified", "rejected"] as const;

export const Job = z
  .object({
    jobId: JobId,
    status: JobStatus,
    escrow: z.object({
      address: Wallet,
      amount: Amount,
      feeBps: int(),
      expectedStatus: z.string().describe("The escrow's on-chain status in this job state."),
    }),
    quoteId: z.string(),
    priority: Priority,
    datasetCid: Cid,
    nodeId: z.string().nullable(),
    attempts: int(),
    maxAttempts: int(),
    excludedNodes: z.array(z.string()),
    progress: z.number().nullable(),
    offerDeadline: z.int().nullable(),
    proof: z.object({ weightsCid: z.string(), weightsSha256: z.string() }).nullable(),
    verification: z.object({ transientFailures: int(), verdict: ProofVerdict.nullable(), nextCheckAt: z.int().nullable() }).nullable(),
    settlementSignature: z.string().nullable(),
    submittedAt: int(),
    updatedAt: int(),
    history: z.array(Transition),
    maxDurationSecs: int().describe("In GET /v1/jobs/{id}.").optional(),
    runningSince: z.int().nullable().describe("unix ms the running node accepted (the run deadline counts from here)").optional(),
    verifiedProgress: z
      .object({ epoch: int(), epochs: int(), fraction: z.number(), cid: z.string(), sha256: z.string() })
      .nullable()
      .describe("The run's highest verified checkpoint (GET /v1/jobs/{id}).")
      .optional(),
    checkpoints: z
      .array(
        z.object({
          epoch: int(),
          epochs: int(),
          cid: z.string(),
          sha256: z.string(),
          status: z.enum(CHECKPOINT_STATUSES),
          detail: z.string().optional(),
          nodeId: z.string(),
          at: int(),
        }),
      )
      .optional(),
    resumeEpoch: int()
      .describe(
        "The epoch the current (or last) run resumed from (its offer's resumeFrom.epoch); 0 when it trained from the start. It is paid only for epochs past this one.",
      )
      .optional(),
    nodeShareBps: z.int().nullable().describe("settling-partial / settled: the node's share").optional(),
    settleProofHash: z
      .string()
      .nullable()
      .describe("sha256 of the last verified checkpoint, or of 'cyxwiz:no-verified-checkpoint:<jobId>' (the program refuses zeros)")
      .optional(),
    cancelled: z.boolean().optional(),
  })
  .meta({ id: "Job" });

export const JobList = z.object({ jobs: z.array(Job) }).meta({ id: "JobList" });

export const CheckpointAccepted = z
  .object({ jobId: JobId, epoch: int(), status: z.enum(CHECKPOINT_STATUSES) })
  .meta({ id: "CheckpointAccepted" });
export const Cancelled = z.object({ jobId: JobId, status: z.enum(["refunding", "settling-partial"]) }).meta({ id: "Cancelled" });
export const ReportAccepted = z.object({ jobId: JobId, status: z.literal("verifying") }).meta({ id: "ReportAccepted" });
export const GaveUp = z.object({ jobId: z.string(), status: z.enum(["queued", "refunding"]) }).meta({ id: "GaveUp" });

export const Node = z
  .object({
    nodeId: Wallet,
    gpuModel: z.string(),
    vramGb: z.number(),
    nodeClass: z.string(),
    gpuCount: int(),
    priceFloor: Amount,
    state: z.enum(NODE_STATES),
    jobId: z.string().nullable(),
    registeredAt: int(),
    lastSeen: int(),
    reliability: z.object({
      score: z.number(),
      parts: z.object({ uptime: z.number(), jobs: z.number(), proofs: z.number(), latency: z.number() }),
    }),
  })
  .meta({ id: "Node" });

export const Earnings = z
  .object({
    total: Amount.describe("The node's share of every release and partial settlement confirmed on chain, base units."),
    jobs: int().describe("Jobs that paid the node (released or settled)."),
  })
  .meta({ id: "Earnings" });

export const Payout = z
  .object({
    jobId: JobId,
    outcome: z.enum(["released", "settled"]),
    amount: Amount.describe("The node's share: amount − fee for a release; split(amount, share, fee).node for a settlement."),
    signature: z.string().nullable().describe("The landed transaction; null when the payout was confirmed from the escrow's state alone."),
    at: unixMs("unix ms of the confirmation"),
  })
  .meta({ id: "Payout" });

export const NodeWithEarnings = Node.extend({ earnings: Earnings }).meta({ id: "NodeWithEarnings" });
export const NodeDetail = Node.extend({ earnings: Earnings.extend({ history: z.array(Payout) }) }).meta({ id: "NodeDetail" });
export const NodeList = z.object({ nodes: z.array(NodeWithEarnings) }).meta({ id: "NodeList" });

export const SettlementRecord = z
  .object({
    jobId: JobId,
    outcome: z.enum(["released", "refunded", "settled"]),
    amount: Amount.describe("What the escrow held."),
    nodeId: z.string().nullable().describe("The node paid; null for a refund."),
    nodeAmount: Amount,
    platformFee: Amount,
    clientRefund: Amount,
    signature: z.string().nullable(),
    at: unixMs("unix ms of the confirmation"),
  })
  .meta({
    id: "SettlementRecord",
    description: "A confirmed payout; nodeAmount + platformFee + clientRefund = amount, by the program's split math.",
  });

export const Stats = z
  .object({
    jobs: z.object({
      byStatus: z.record(z.string(), z.int()).describe("Every JobStatus with its number of jobs (0 included)."),
      total: int(),
    }),
    escrow: z.object({ held: Amount.describe("Sum of the escrow amounts of jobs not released, refunded or settled."), openJobs: int() }),
    nodes: z.object({ online: int(), busy: int(), offline: int(), total: int() }),
    settlements: z.array(SettlementRecord).describe("The latest 20 confirmed payouts, newest first."),
  })
  .meta({ id: "Stats" });

export const ResumeFrom = z
  .object({
    cid: Cid,
    sha256: Sha256,
    epoch: int().min(1).describe("epochs done in the checkpoint"),
    epochs: int().min(2),
  })
  .describe(
    "Only when an earlier run of this job left a verified checkpoint (node lost or gave it back): the latest one (highest verified epoch < epochs), which the coordinator fetched and hash-checked. The node may continue from it (fetch the CID, check the sha256); its own checkpoints then start after `epoch`, and a timeout or cancel of its run pays it only floor((its verified epoch − epoch) × 10 000 / epochs) bps: never another node's epochs.",
  );

export const Offer = z.object({
  jobId: JobId,
  escrow: Wallet,
  datasetCid: Cid,
  config: z.record(z.string(), z.unknown()),
  payment: Amount,
  gpuMicroHours: Amount,
  acceptBy: unixMs("unix ms: beat with this jobId before then to accept"),
  maxDurationSecs: int().describe("the run times out this long after acceptance"),
  jobToken: Sha256.describe("fresh per offer: report and checkpoints must carry it"),
  resumeFrom: ResumeFrom.optional(),
});

export const HeartbeatReply = z
  .object({
    nextBeatInMs: int(),
    offer: Offer.nullable(),
    cancel: z
      .object({
        jobId: JobId,
        reason: z
          .string()
          .describe(
            "timed-out, cancelled-by-client, or a sentence when the node lost the job. A beat still naming a timed-out or cancelled job is answered 200 with this cancel (not 409).",
          ),
      })
      .nullable(),
    jobStatus: z.string().nullable().describe("The status of the job the beat named, if it named one.").optional(),
  })
  .meta({ id: "HeartbeatReply" });

/** What a client gets back, by call. */
export type HealthReply = z.output<typeof Health>;
export type QuoteReply = z.output<typeof Quote>;
export type SubmittedReply = z.output<typeof SubmittedJob>;
export type JobReply = z.output<typeof Job>;
export type JobListReply = z.output<typeof JobList>;
export type CancelReply = z.output<typeof Cancelled>;
export type NodeReply = z.output<typeof Node>;
export type NodeListReply = z.output<typeof NodeList>;
export type NodeDetailReply = z.output<typeof NodeDetail>;
export type StatsReply = z.output<typeof Stats>;
export type HeartbeatReplyBody = z.output<typeof HeartbeatReply>;
export type OfferBody = z.output<typeof Offer>;
export type ReportReply = z.output<typeof ReportAccepted>;
export type CheckpointReply = z.output<typeof CheckpointAccepted>;
export type FailReply = z.output<typeof GaveUp>;
export type TransitionBody = z.output<typeof Transition>;
export type ProofVerdictBody = z.output<typeof ProofVerdict>;
