/**
 * The chain from the browser, through the SDK's own modules (sdk/src): the marketplace
 * config, balances, the escrow PDA and its decoding, and `create_escrow` built by the
 * SDK's instruction builder and signed by the connected wallet. No websocket: a sent
 * transaction is confirmed by polling its status until its blockhash expires.
 */
import { Connection, type PublicKey, Transaction } from "@solana/web3.js";

import { chainUnixTime } from "@cyxwiz/sdk/clock";
import { type MarketConfig, requireConfig } from "@cyxwiz/sdk/config-account";
import { decodeProgramError } from "@cyxwiz/sdk/errors";
import { type Escrow, fetchEscrow } from "@cyxwiz/sdk/escrow-account";
import { createEscrowInstruction } from "@cyxwiz/sdk/instructions/create-escrow";
import { escrowAddress } from "@cyxwiz/sdk/pda";
import { jobEscrowProgram, type JobEscrowProgram } from "@cyxwiz/sdk/program";
import { tokenAccountAddress, tokenBalance } from "@cyxwiz/sdk/token";
import { tokens as formatTokens } from "./format";
import { FundingError } from "./funding-error";

export { FundingError };

/** What signs transactions for the connected wallet (dev keypair or browser wallet). */
export interface TransactionSigner {
  readonly publicKey: PublicKey;
  signTransaction(transaction: Transaction): Promise<Transaction>;
}

/** Rent of an escrow account and its vault, plus fees, rounded up generously. */
export const MIN_LAMPORTS_TO_FUND = 10_000_000;

export class Chain {
  readonly connection: Connection;
  readonly program: JobEscrowProgram;
  private config: Promise<MarketConfig> | null = null;

  constructor(readonly rpcUrl: string) {
    this.connection = new Connection(rpcUrl, { commitment: "confirmed", disableRetryOnRateLimit: true });
    this.program = jobEscrowProgram(this.connection);
  }

  market(): Promise<MarketConfig> {
    if (this.config === null) {
      this.config = requireConfig(this.program).catch((error) => {
        this.config = null;
        throw rpcError(this.rpcUrl, error);
      });
    }
    return this.config;
  }

  async balances(owner: PublicKey): Promise<{ tokens: bigint; lamports: number; tokenAccount: PublicKey }> {
    const { mint } = await this.market();
    const tokenAccount = tokenAccountAddress(mint, owner);
    try {
      const [tokens, lamports] = await Promise.all([tokenBalance(this.connection, tokenAccount), this.connection.getBalance(owner)]);
      return { tokens, lamports, tokenAccount };
    } catch (error) {
      throw rpcError(this.rpcUrl, error);
    }
  }

  escrowAddress(payer: PublicKey, jobId: Uint8Array): PublicKey {
    return escrowAddress(payer, jobId, this.program.programId);
  }

  async escrow(address: PublicKey): Promise<Escrow | null> {
    try {
      return await fetchEscrow(this.program, address);
    } catch (error) {
      throw rpcError(this.rpcUrl, error);
    }
  }

  /**
   * Checks the wallet can pay, then creates the escrow of `jobId` holding `amount` for
   * `lifetimeSecs` of chain time, signed by the wallet. Returns the escrow and signature.
   */
  async fundEscrow(
    wallet: TransactionSigner,
    p: { jobId: Uint8Array; amount: bigint; lifetimeSecs: number },
  ): Promise<{ escrow: PublicKey; signature: string }> {
    const market = await this.market();
    const { tokens, lamports, tokenAccount } = await this.balances(wallet.publicKey);
    const shortfall = missingTokens(tokens, p.amount);
    if (shortfall > 0n) {
      throw new FundingError("INSUFFICIENT_TOKENS", insufficientMessage(tokens, p.amount));
    }
    if (lamports < MIN_LAMPORTS_TO_FUND) {
      throw new FundingError(
        "INSUFFICIENT_SOL",
        `the wallet has ${lamports / 1e9} SOL; creating an escrow needs about ${MIN_LAMPORTS_TO_FUND / 1e9} SOL for rent and fees`,
      );
    }
    const now = await chainUnixTime(this.connection).catch((error) => {
      throw rpcError(this.rpcUrl, error);
    });
    const lifetime = Math.min(Math.max(p.lifetimeSecs, market.minLifetimeSecs), market.maxLifetimeSecs - 60);
    const instruction = await createEscrowInstruction(this.program, {
      payer: wallet.publicKey,
      payerToken: tokenAccount,
      mint: market.mint,
      jobId: p.jobId,
      amount: p.amount,
      expiresAt: now + lifetime,
    });
    const { blockhash, lastValidBlockHeight } = await this.connection.getLatestBlockhash("confirmed");
    const transaction = new Transaction({ feePayer: wallet.publicKey, blockhash, lastValidBlockHeight }).add(instruction);
    let signed: Transaction;
    try {
      signed = await wallet.signTransaction(transaction);
    } catch (error) {
      throw new FundingError(
        "WALLET_REJECTED",
        `the wallet did not sign (${(error as Error).message || "rejected"}); nothing was sent and no tokens moved`,
      );
    }
    const signature = await this.sendAndConfirm(signed.serialize(), lastValidBlockHeight);
    return { escrow: this.escrowAddress(wallet.publicKey, p.jobId), signature };
  }

  private async sendAndConfirm(raw: Uint8Array, lastValidBlockHeight: number): Promise<string> {
    let signature: string;
    try {
      signature = await this.connection.sendRawTransaction(raw, { preflightCommitment: "confirmed" });
    } catch (error) {
      const decoded = decodeProgramError(error);
      throw new FundingError("TX_FAILED", `the transaction was refused: ${(decoded ?? (error as Error)).message}`);
    }
    for (;;) {
      const { value } = await this.connection.getSignatureStatuses([signature]);
      const status = value[0];
      if (status?.err) {
        const decoded = decodeProgramError(status.err);
        throw new FundingError("TX_FAILED", `transaction ${signature} failed: ${decoded?.message ?? JSON.stringify(status.err)}`);
      }
      if (status?.confirmationStatus === "confirmed" || status?.confirmationStatus === "finalized") return signature;
      if ((await this.connection.getBlockHeight("confirmed")) > lastValidBlockHeight) {
        throw new FundingError(
          "TX_EXPIRED",
          `transaction ${signature} did not land before its blockhash expired; nothing was paid, try again`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  }
}

export function missingTokens(balance: bigint, amount: bigint): bigint {
  return amount > balance ? amount - balance : 0n;
}

export function insufficientMessage(balance: bigint, amount: bigint): string {
  return `insufficient funds: the escrow needs ${formatTokens(amount)}, the wallet holds ${formatTokens(balance)}; ${formatTokens(missingTokens(balance, amount))} missing`;
}

function rpcError(rpcUrl: string, error: unknown): Error {
  if (error instanceof FundingError) return error;
  const message = (error as Error)?.message ?? String(error);
  if (/fetch|network|Failed to|ECONNREFUSED|502|503|504/i.test(message)) {
    return new FundingError("RPC_UNREACHABLE", `cannot reach the Solana RPC at ${rpcUrl} (${message}); check Settings`);
  }
  return error instanceof Error ? error : new Error(message);
}

/** A fresh job id: sha256 of a random uuid (as the SDK's jobIdFromUuid), bytes and hex. */
export async function newJobId(): Promise<{ bytes: Uint8Array; hex: string }> {
  const uuid = globalThis.crypto.randomUUID();
  const bytes = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(uuid)));
  return { bytes, hex: Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") };
}

export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
