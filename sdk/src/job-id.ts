/**
 * Job ids: the 32 bytes JobEscrow stores and uses as a PDA seed. The coordinator
 * names jobs with strings (uuids); the chain sees their sha256.
 */
import { createHash } from "node:crypto";

export type JobId = Uint8Array;

export const JOB_ID_LENGTH = 32;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_RE = /^[0-9a-f]{64}$/i;

export class InvalidJobIdError extends Error {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid job id ${JSON.stringify(input)}: ${reason}`);
    this.name = "InvalidJobIdError";
  }
}

/** sha256 of the string's UTF-8 bytes. */
export function jobIdFromString(name: string): JobId {
  return new Uint8Array(createHash("sha256").update(name, "utf8").digest());
}

/** A uuid's job id; case-insensitive, so one uuid always names one escrow. */
export function jobIdFromUuid(uuid: string): JobId {
  if (!UUID_RE.test(uuid)) throw new InvalidJobIdError(uuid, "not a uuid");
  return jobIdFromString(uuid.toLowerCase());
}

export function jobIdToHex(jobId: JobId): string {
  return Buffer.from(jobId).toString("hex");
}

export function jobIdFromHex(hex: string): JobId {
  if (!HEX_RE.test(hex)) throw new InvalidJobIdError(hex, "expected 64 hex characters");
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/** The form Anchor's coder takes for a `[u8; 32]` argument. */
export function jobIdBytes(jobId: JobId): number[] {
  if (jobId.length !== JOB_ID_LENGTH) {
    throw new InvalidJobIdError(jobIdToHex(jobId), `expected ${JOB_ID_LENGTH} bytes, got ${jobId.length}`);
  }
  return Array.from(jobId);
}
