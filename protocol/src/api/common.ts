/**
 * The named types requests and replies share: each is one zod schema with an OpenAPI
 * component id, so the document refers to it by name (`#/components/schemas/JobId`).
 */
import bs58 from "bs58";
import { z } from "zod";

import { BASE58_RE, CID_RE, JOB_ID_RE, PRIORITIES } from "./constants";
import { oneOf, string } from "./fields";

export const Amount = z
  .string()
  .regex(/^(0|[1-9][0-9]*)$/)
  .meta({ id: "Amount", description: "Token base units (u64) as a decimal string." });

export const JobId = string({ min: 64, max: 64, pattern: JOB_ID_RE, expected: "64 lowercase hex characters (the escrow's job id)" }).meta({
  id: "JobId",
  description: "The escrow's 32-byte job id, lowercase hex.",
});

/** A Solana account address: base58 of exactly 32 bytes (a PDA like an escrow is off the curve, so no curve check). */
export const Wallet = string({ min: 32, max: 44, pattern: BASE58_RE, expected: "a base58 account address" })
  .refine((text) => !BASE58_RE.test(text) || bs58.decode(text).length === 32, { error: "must be a base58 account address of 32 bytes" })
  .meta({ id: "Wallet" });

export const Cid = string({ max: 256, pattern: CID_RE, expected: "an IPFS CID (Qm… or b…)" }).meta({
  id: "Cid",
  description: "An IPFS CID (CIDv0 Qm…, or CIDv1 b…/z…).",
});

/** A GPU model's name as a client writes it; the coordinator checks it against its catalogue. */
export const GpuModel = string({ max: 32 }).meta({
  id: "GpuModel",
  description:
    'A catalogue model (CPU, GTX_1650, RTX_2060, RTX_3060, RTX_3080, RTX_3090, RTX_4090, A10, A100, H100, and any from config); any spelling like "rtx 4090".',
});

export const Priority = oneOf(PRIORITIES).meta({ id: "Priority" });
