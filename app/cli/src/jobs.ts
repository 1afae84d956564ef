/** Client-side job steps shared by the commands and the demo: reading a job, funding and submitting one. */
import { randomBytes } from "node:crypto";

import { type Keypair, LAMPORTS_PER_SOL, type PublicKey } from "@solana/web3.js";

import { chainUnixTime, type EscrowClient, jobIdFromHex, tokenBalance } from "@cyxwiz/sdk";
import type { JobReply, SubmittedReply } from "@cyxwiz/protocol/api/responses";
import { type CoordinatorClient, CoordinatorHttpError, CoordinatorUnreachableError } from "@cyxwiz/lib";
import type { Context } from "./context";
import { userError } from "./errors";
import { formatTokens } from "./output";

/** The job, or "no job <id> of wallet <key>". */
export async function fetchJob(api: CoordinatorClient, jobId: string, wallet: PublicKey): Promise<JobReply> {
  try {
    return await api.getJob(jobId);
  } catch (error) {
    if (error instanceof CoordinatorHttpError && error.status === 404) {
      throw userError(
        "JOB_NOT_FOUND",
        `no job ${jobId} of wallet ${wallet.toBase58()}; check the id, or pass the --keypair of the wallet that submitted it`,
      );
    }
    throw error;
  }
}

/** Lamports a client needs for the escrow's and vault's rent and the fees. */
export const MIN_CLIENT_LAMPORTS = 0.01 * LAMPORTS_PER_SOL;

/** Refuses before any transaction when the wallet cannot pay `amount`. */
export async function checkFunds(ctx: Context, escrow: EscrowClient, payer: PublicKey, amount: bigint): Promise<bigint> {
  const connection = ctx.connection();
  const [tokens, lamports] = await ctx.rpc(() =>
    Promise.all([tokenBalance(connection, escrow.tokenAccount(payer)), connection.getBalance(payer)]),
  );
  const fix = `get tokens to it (on a localnet: cyxwiz dev fund --keypair ${ctx.settings.keypairPath})`;
  if (tokens < amount) {
    throw userError(
      "INSUFFICIENT_TOKENS",
      `wallet ${payer.toBase58()} holds ${formatTokens(tokens)}, the job needs ${formatTokens(amount)}; ${fix}`,
      { balance: tokens.toString(), needed: amount.toString() },
    );
  }
  if (lamports < MIN_CLIENT_LAMPORTS) {
    throw userError(
      "INSUFFICIENT_SOL",
      `wallet ${payer.toBase58()} holds ${lamports / LAMPORTS_PER_SOL} SOL, creating the escrow needs about ${MIN_CLIENT_LAMPORTS / LAMPORTS_PER_SOL} SOL for rent and fees; ${fix}`,
    );
  }
  return tokens;
}

export interface FundedJob {
  readonly jobId: string;
  readonly escrow: PublicKey;
  readonly signature: string;
  readonly expiresAt: number;
}

/** A fresh job id and its escrow, funded with `amount` for `lifetimeSecs` of chain time. */
export async function createJobEscrow(
  ctx: Context,
  escrow: EscrowClient,
  payer: Keypair,
  amount: bigint,
  lifetimeSecs: number,
): Promise<FundedJob> {
  const jobId = randomBytes(32).toString("hex");
  const now = await ctx.rpc(() => chainUnixTime(ctx.connection()));
  const expiresAt = now + Math.min(lifetimeSecs, escrow.config.maxLifetimeSecs);
  const { escrow: address, signature } = await ctx.rpc(() => escrow.createEscrow({ payer, jobId: jobIdFromHex(jobId), amount, expiresAt }));
  return { jobId, escrow: address, signature, expiresAt };
}

/** POST /v1/jobs with one idempotency key, retried with the same key while the coordinator is unreachable. */
export async function submitIdempotent(
  api: CoordinatorClient,
  body: Parameters<CoordinatorClient["submit"]>[0],
  attempts = 5,
): Promise<SubmittedReply> {
  const key = randomBytes(16).toString("hex");
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.submit(body, key);
    } catch (error) {
      if (!(error instanceof CoordinatorUnreachableError) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}
