/**
 * Security test 37: a submission is matched only against an escrow that really
 * holds the client's money for this job, in the accepted mint, still unassigned and
 * alive long enough to run the job. Everything is read from the chain; time is the
 * cluster's Clock sysvar (escrow expiry is enforced by the program against that
 * clock, and the coordinator's own clock may be skewed: security test 35).
 *
 * Checks run in an order where each refusal names the first real problem: the
 * account must exist, belong to JobEscrow and be a JobEscrow; then its payer must
 * be the caller (before the address check, so a client pointing at someone else's
 * escrow is told exactly that), the address must be the PDA of (payer, job id),
 * and only then mint, amount, status and lifetime are judged.
 */
import type { Connection, PublicKey } from "@solana/web3.js";

import { type Escrow, escrowAddress, type JobEscrowProgram, type JobId, jobIdToHex } from "@cyxwiz/sdk";
import { decodeJobEscrow, isJobEscrowData, readEscrowSnapshot } from "./escrow-account";
import { EscrowRejection } from "./errors";

export interface SubmissionEscrowDeps {
  connection: Connection;
  program: JobEscrowProgram;
  /** The accepted mint, from the marketplace config loaded at start-up. */
  mint: PublicKey;
}

export interface SubmissionEscrow {
  escrow: PublicKey;
  /** The wallet that signed the submission. */
  payer: PublicKey;
  jobId: JobId;
  /** The quoted price in base units: the escrow must hold at least this. */
  minAmount: bigint;
  /** Seconds the escrow must still live, by the chain clock, to run the job. */
  minRemainingSecs: number;
}

/** The decoded escrow, or throws `EscrowRejection` naming the first problem and its fix. */
export async function verifySubmissionEscrow(deps: SubmissionEscrowDeps, s: SubmissionEscrow): Promise<Escrow> {
  const { program } = deps;
  const at = s.escrow.toBase58();
  const { account, chainNow } = await readEscrowSnapshot(deps.connection, s.escrow);

  if (account === null) {
    throw new EscrowRejection(
      "ESCROW_NOT_FOUND",
      `escrow ${at} does not exist on chain: create it with create_escrow and submit its address once that transaction is confirmed.`,
    );
  }
  if (!account.owner.equals(program.programId)) {
    throw new EscrowRejection(
      "ESCROW_WRONG_PROGRAM",
      `account ${at} is owned by ${account.owner.toBase58()}, not by the JobEscrow program ${program.programId.toBase58()}: ` +
        "submit the address of the escrow your create_escrow transaction created.",
    );
  }
  const escrow = decodeJobEscrow(program, s.escrow, account);
  if (escrow === null) {
    const what = isJobEscrowData(account.data) ? "does not decode as a JobEscrow" : "is not a job escrow";
    throw new EscrowRejection(
      "ESCROW_NOT_JOB_ESCROW",
      `account ${at} belongs to JobEscrow but ${what}: submit the escrow address, not the config or another account.`,
    );
  }
  if (!escrow.payer.equals(s.payer)) {
    throw new EscrowRejection(
      "ESCROW_WRONG_PAYER",
      `escrow ${at} was funded by ${escrow.payer.toBase58()}, not by the submitting wallet ${s.payer.toBase58()}: ` +
        "fund an escrow from your own wallet and sign the submission with that wallet.",
    );
  }
  const expected = escrowAddress(s.payer, s.jobId, program.programId);
  if (!expected.equals(s.escrow)) {
    throw new EscrowRejection(
      "ESCROW_NOT_FOR_JOB",
      `escrow ${at} is not the escrow of job ${jobIdToHex(s.jobId)} (that is ${expected.toBase58()}): ` +
        "create the escrow with this job's id and submit its address.",
    );
  }
  if (!escrow.tokenMint.equals(deps.mint)) {
    throw new EscrowRejection(
      "ESCROW_WRONG_MINT",
      `escrow ${at} holds mint ${escrow.tokenMint.toBase58()}, but the marketplace accepts ${deps.mint.toBase58()}: ` +
        "fund the escrow in the accepted token.",
    );
  }
  if (escrow.amount < s.minAmount) {
    throw new EscrowRejection(
      "ESCROW_UNDERFUNDED",
      `escrow ${at} holds ${escrow.amount} base units but the quote is ${s.minAmount}: ` +
        `create an escrow of at least ${s.minAmount} (ask for a new quote if this one expired).`,
    );
  }
  if (escrow.status !== "Created") {
    throw new EscrowRejection(
      "ESCROW_NOT_CREATED",
      `escrow ${at} is ${escrow.status}, not Created: it is already assigned or settled; submit a newly created escrow.`,
    );
  }
  const remaining = escrow.expiresAt - chainNow;
  if (remaining < s.minRemainingSecs) {
    const when = remaining <= 0 ? `expired ${-remaining} s ago` : `expires in ${remaining} s`;
    throw new EscrowRejection(
      "ESCROW_EXPIRES_TOO_SOON",
      `escrow ${at} ${when} by the chain clock, less than the ${s.minRemainingSecs} s this job needs: ` +
        `create an escrow whose expires_at is at least ${s.minRemainingSecs} s after the chain's current time.`,
    );
  }
  return escrow;
}
