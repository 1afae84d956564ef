/**
 * The escrow lifecycle as one call per step. It fills the accounts every step
 * needs from the marketplace config (mint, treasury) and associated token
 * accounts, builds the instruction with `accountsStrict`, and sends it signed by
 * the acting key, which also pays the fee. For other accounts (a non-associated
 * token account, a substituted account in a test) use the builders in
 * `./instructions` with `sendInstructions`.
 */
import type { Connection, PublicKey, Signer, TransactionInstruction } from "@solana/web3.js";

import { type MarketConfig, requireConfig } from "./config-account";
import { type Escrow, fetchEscrow } from "./escrow-account";
import {
  closeEscrowInstruction,
  createEscrowInstruction,
  lockEscrowInstruction,
  openDisputeInstruction,
  reclaimExpiredInstruction,
  refundEscrowInstruction,
  releaseEscrowInstruction,
  resolveDisputeInstruction,
  settlePartialInstruction,
  unlockEscrowInstruction,
  updateConfigInstruction,
  type UpdateConfigParams,
} from "./instructions";
import type { JobId } from "./job-id";
import { escrowAddress } from "./pda";
import { jobEscrowProgram, type JobEscrowProgram } from "./program";
import type { ProofHash } from "./proof";
import { sendInstructions, type SendOptions } from "./send";
import type { Amount } from "./split";
import { tokenAccountAddress } from "./token";

export interface CreateEscrowRequest {
  payer: Signer;
  jobId: JobId;
  amount: Amount;
  expiresAt: number;
  /** Defaults to the payer's associated token account. */
  payerToken?: PublicKey;
}

export interface SettlementAccounts {
  /** Defaults to the node's associated token account. */
  nodeToken?: PublicKey;
  /** Defaults to the config's treasury (the escrow records the treasury at creation). */
  treasuryToken?: PublicKey;
}

export class EscrowClient {
  private constructor(
    readonly connection: Connection,
    readonly program: JobEscrowProgram,
    private market: MarketConfig,
  ) {}

  /** A client for the marketplace configured on `connection`'s cluster. */
  static async connect(connection: Connection): Promise<EscrowClient> {
    const program = jobEscrowProgram(connection);
    return new EscrowClient(connection, program, await requireConfig(program));
  }

  get config(): MarketConfig {
    return this.market;
  }

  async refreshConfig(): Promise<MarketConfig> {
    this.market = await requireConfig(this.program);
    return this.market;
  }

  /** The wallet's associated token account for the accepted mint. */
  tokenAccount(owner: PublicKey): PublicKey {
    return tokenAccountAddress(this.market.mint, owner);
  }

  escrowAddress(payer: PublicKey, jobId: JobId): PublicKey {
    return escrowAddress(payer, jobId, this.program.programId);
  }

  fetchEscrow(escrow: PublicKey): Promise<Escrow | null> {
    return fetchEscrow(this.program, escrow);
  }

  send(instructions: readonly TransactionInstruction[], signers: readonly Signer[], options?: SendOptions): Promise<string> {
    return sendInstructions(this.connection, instructions, signers, options);
  }

  async createEscrow(request: CreateEscrowRequest, options?: SendOptions): Promise<{ escrow: PublicKey; signature: string }> {
    const payer = request.payer.publicKey;
    const instruction = await createEscrowInstruction(this.program, {
      payer,
      payerToken: request.payerToken ?? this.tokenAccount(payer),
      mint: this.market.mint,
      jobId: request.jobId,
      amount: request.amount,
      expiresAt: request.expiresAt,
    });
    const signature = await this.send([instruction], [request.payer], options);
    return { escrow: this.escrowAddress(payer, request.jobId), signature };
  }

  async lockEscrow(p: { coordinator: Signer; escrow: PublicKey; node: PublicKey }, options?: SendOptions): Promise<string> {
    const instruction = await lockEscrowInstruction(this.program, {
      coordinator: p.coordinator.publicKey,
      escrow: p.escrow,
      node: p.node,
    });
    return this.send([instruction], [p.coordinator], options);
  }

  async unlockEscrow(p: { coordinator: Signer; escrow: PublicKey }, options?: SendOptions): Promise<string> {
    const instruction = await unlockEscrowInstruction(this.program, {
      coordinator: p.coordinator.publicKey,
      escrow: p.escrow,
    });
    return this.send([instruction], [p.coordinator], options);
  }

  async releaseEscrow(
    p: { coordinator: Signer; escrow: PublicKey; node: PublicKey; proofHash: ProofHash } & SettlementAccounts,
    options?: SendOptions,
  ): Promise<string> {
    const instruction = await releaseEscrowInstruction(this.program, {
      coordinator: p.coordinator.publicKey,
      escrow: p.escrow,
      mint: this.market.mint,
      nodeToken: p.nodeToken ?? this.tokenAccount(p.node),
      treasuryToken: p.treasuryToken ?? this.market.treasury,
      proofHash: p.proofHash,
    });
    return this.send([instruction], [p.coordinator], options);
  }

  async refundEscrow(
    p: { authority: Signer; escrow: PublicKey; payer: PublicKey; payerToken?: PublicKey },
    options?: SendOptions,
  ): Promise<string> {
    const instruction = await refundEscrowInstruction(this.program, {
      authority: p.authority.publicKey,
      escrow: p.escrow,
      mint: this.market.mint,
      payerToken: p.payerToken ?? this.tokenAccount(p.payer),
    });
    return this.send([instruction], [p.authority], options);
  }

  async settlePartial(
    p: {
      coordinator: Signer;
      escrow: PublicKey;
      node: PublicKey;
      payer: PublicKey;
      nodeShareBps: number;
      proofHash: ProofHash;
      payerToken?: PublicKey;
    } & SettlementAccounts,
    options?: SendOptions,
  ): Promise<string> {
    const instruction = await settlePartialInstruction(this.program, {
      coordinator: p.coordinator.publicKey,
      escrow: p.escrow,
      mint: this.market.mint,
      nodeToken: p.nodeToken ?? this.tokenAccount(p.node),
      treasuryToken: p.treasuryToken ?? this.market.treasury,
      payerToken: p.payerToken ?? this.tokenAccount(p.payer),
      nodeShareBps: p.nodeShareBps,
      proofHash: p.proofHash,
    });
    return this.send([instruction], [p.coordinator], options);
  }

  async openDispute(p: { party: Signer; escrow: PublicKey }, options?: SendOptions): Promise<string> {
    const instruction = await openDisputeInstruction(this.program, { party: p.party.publicKey, escrow: p.escrow });
    return this.send([instruction], [p.party], options);
  }

  async resolveDispute(
    p: {
      arbiter: Signer;
      escrow: PublicKey;
      node: PublicKey;
      payer: PublicKey;
      nodeShareBps: number;
      payerToken?: PublicKey;
    } & SettlementAccounts,
    options?: SendOptions,
  ): Promise<string> {
    const instruction = await resolveDisputeInstruction(this.program, {
      arbiter: p.arbiter.publicKey,
      escrow: p.escrow,
      mint: this.market.mint,
      nodeToken: p.nodeToken ?? this.tokenAccount(p.node),
      treasuryToken: p.treasuryToken ?? this.market.treasury,
      payerToken: p.payerToken ?? this.tokenAccount(p.payer),
      nodeShareBps: p.nodeShareBps,
    });
    return this.send([instruction], [p.arbiter], options);
  }

  async reclaimExpired(
    p: { caller: Signer; escrow: PublicKey; payer: PublicKey; payerToken?: PublicKey },
    options?: SendOptions,
  ): Promise<string> {
    const instruction = await reclaimExpiredInstruction(this.program, {
      caller: p.caller.publicKey,
      escrow: p.escrow,
      mint: this.market.mint,
      payerToken: p.payerToken ?? this.tokenAccount(p.payer),
    });
    return this.send([instruction], [p.caller], options);
  }

  async closeEscrow(
    p: { authority: Signer; escrow: PublicKey; payer: PublicKey; payerToken?: PublicKey },
    options?: SendOptions,
  ): Promise<string> {
    const instruction = await closeEscrowInstruction(this.program, {
      authority: p.authority.publicKey,
      escrow: p.escrow,
      payer: p.payer,
      mint: this.market.mint,
      payerToken: p.payerToken ?? this.tokenAccount(p.payer),
    });
    return this.send([instruction], [p.authority], options);
  }

  /** Admin: change the config; a new admin co-signs the hand-over. */
  async updateConfig(
    p: Omit<UpdateConfigParams, "admin" | "newAdmin"> & { admin: Signer; newAdmin?: Signer },
    options?: SendOptions,
  ): Promise<string> {
    const { admin, newAdmin, ...changes } = p;
    const instruction = await updateConfigInstruction(this.program, {
      ...changes,
      admin: admin.publicKey,
      newAdmin: newAdmin?.publicKey,
    });
    const signers = newAdmin === undefined ? [admin] : [admin, newAdmin];
    const signature = await this.send([instruction], signers, options);
    await this.refreshConfig();
    return signature;
  }
}
