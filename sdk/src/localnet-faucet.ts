/**
 * Localnet faucet: the mint authority hands a wallet SOL and CYXWIZ and creates its
 * token account, in one transaction. Tests and the bench make their users here.
 */
import { type Connection, Keypair, type PublicKey, type Signer, SystemProgram } from "@solana/web3.js";

import { sendInstructions } from "./send";
import { createTokenAccountInstruction, mintToInstruction, tokenAccountAddress } from "./token";

export interface FundedWallet {
  keypair: Keypair;
  publicKey: PublicKey;
  /** Its associated token account for the mint. */
  token: PublicKey;
}

/** A new wallet with `lamports` of SOL and `tokens` base units of `mint`, paid by `faucet` (the mint authority). */
export async function fundNewWallet(
  connection: Connection,
  faucet: Signer,
  mint: PublicKey,
  grant: { lamports: number; tokens: bigint },
): Promise<FundedWallet> {
  const keypair = Keypair.generate();
  const token = tokenAccountAddress(mint, keypair.publicKey);
  const instructions = [
    SystemProgram.transfer({ fromPubkey: faucet.publicKey, toPubkey: keypair.publicKey, lamports: grant.lamports }),
    createTokenAccountInstruction(faucet.publicKey, keypair.publicKey, mint),
  ];
  if (grant.tokens > 0n) instructions.push(mintToInstruction(mint, token, faucet.publicKey, grant.tokens));
  await sendInstructions(connection, instructions, [faucet]);
  return { keypair, publicKey: keypair.publicKey, token };
}
