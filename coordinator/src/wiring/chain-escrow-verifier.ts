/**
 * The EscrowVerifier port (ports.ts) on the chain side's verifySubmissionEscrow.
 * A refusal (EscrowRejection) is the client's problem and becomes a verdict the API
 * answers 422 with; anything else (RPC down, timeouts) propagates, so the API
 * answers 503 and the client retries the same submission later.
 */
import { PublicKey } from "@solana/web3.js";

import { jobIdFromHex } from "@cyxwiz/sdk";
import { EscrowRejection, type SubmissionEscrowDeps, verifySubmissionEscrow } from "../chain";
import type { EscrowCheck, EscrowVerdict, EscrowVerifier } from "../ports";

export class ChainEscrowVerifier implements EscrowVerifier {
  constructor(private readonly deps: SubmissionEscrowDeps) {}

  async verify(check: EscrowCheck): Promise<EscrowVerdict> {
    try {
      const escrow = await verifySubmissionEscrow(this.deps, {
        escrow: new PublicKey(check.escrow),
        payer: new PublicKey(check.payer),
        jobId: jobIdFromHex(check.jobId),
        minAmount: check.minAmount,
        minRemainingSecs: check.minRemainingSecs,
      });
      return { ok: true, escrow: { amount: escrow.amount, feeBps: escrow.feeBps, expiresAt: escrow.expiresAt } };
    } catch (error) {
      if (error instanceof EscrowRejection) return { ok: false, code: error.code, reason: error.reason };
      throw error;
    }
  }
}
