/** The values and limits the API's requests are checked against, shared by the coordinator's domain and its clients. */

/** Job priority levels, lowest first (the coordinator weighs them 1, 2, 3). */
export const PRIORITIES = ["normal", "high", "critical"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Whose fault a node says its giving up is: its own (crash, out of memory) or the job's (bad dataset, spec). */
/** Every status a job can be in, in the order of its way from queued to paid. */
export const JOB_STATUSES = [
  "queued",
  "offered",
  "running",
  "verifying",
  "releasing",
  "released",
  "refunding",
  "refunded",
  "settling-partial",
  "settled",
] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];

export const ABANDON_FAULTS = ["node", "job"] as const;
export type AbandonFault = (typeof ABANDON_FAULTS)[number];

/** The longest reason a node may give for abandoning a job. */
export const MAX_ABANDON_REASON_CHARS = 500;

/** The most epochs a job may declare. */
export const MAX_EPOCHS = 10_000;
/** maxDurationSecs bounds: 10 s … 30 days. */
export const MIN_DURATION_SECS = 10;
export const MAX_DURATION_SECS = 30 * 24 * 60 * 60;

/** A job id: the escrow's, 64 lowercase hex characters. */
export const JOB_ID_RE = /^[0-9a-f]{64}$/;
export const SHA256_RE = /^[0-9a-f]{64}$/;
/** The job-scoped token of an offer (heartbeat reply `offer.jobToken`). */
export const JOB_TOKEN_RE = /^[0-9a-f]{64}$/;
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const BASE58_RE = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;
/** CIDv0 (Qm…, base58) or CIDv1 in base32 (b…) or base58btc (z…). */
export const CID_RE = /^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{50,200}|z[1-9A-HJ-NP-Za-km-z]{40,200})$/;
export const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9._-]{1,128}$/;
/** A metric's name in a report. */
export const METRIC_NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
