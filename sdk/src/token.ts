/**
 * The CYXWIZ token: associated token accounts, balances, and (on the localnet,
 * where the project owns the mint authority) minting.
 */
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createInitializeMint2Instruction,
  createMintToCheckedInstruction,
  getAssociatedTokenAddressSync,
  getMinimumBalanceForRentExemptMint,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
  unpackAccount,
} from "@solana/spl-token";
import { type Connection, type Keypair, type PublicKey, type Signer, SystemProgram, type TransactionInstruction } from "@solana/web3.js";

import { sendInstructions } from "./send";
import { type Amount, toU64 } from "./split";

/** CYXWIZ has 6 decimals: 1 CYXWIZ = 1 000 000 base units. */
export const CYXWIZ_DECIMALS = 6;

/** The owner's associated token account for `mint` (classic SPL Token). */
export function tokenAccountAddress(mint: PublicKey, owner: PublicKey): PublicKey {
  return getAssociatedTokenAddressSync(mint, owner, false, TOKEN_PROGRAM_ID);
}

/** Creates the owner's associated token account unless it exists. */
export function createTokenAccountInstruction(payer: PublicKey, owner: PublicKey, mint: PublicKey): TransactionInstruction {
  return createAssociatedTokenAccountIdempotentInstruction(payer, tokenAccountAddress(mint, owner), owner, mint, TOKEN_PROGRAM_ID);
}

/** The owner's associated token account, created if missing (`payer` pays the rent). */
export async function ensureTokenAccount(connection: Connection, payer: Signer, owner: PublicKey, mint: PublicKey): Promise<PublicKey> {
  const address = tokenAccountAddress(mint, owner);
  if ((await connection.getAccountInfo(address)) === null) {
    await sendInstructions(connection, [createTokenAccountInstruction(payer.publicKey, owner, mint)], [payer]);
  }
  return address;
}

/** Token balances in base units; a missing (or closed) account counts as 0. */
export async function tokenBalances(connection: Connection, accounts: readonly PublicKey[]): Promise<bigint[]> {
  const balances: bigint[] = [];
  // getMultipleAccounts takes at most 100 keys per call.
  for (let start = 0; start < accounts.length; start += 100) {
    const chunk = accounts.slice(start, start + 100);
    const infos = await connection.getMultipleAccountsInfo([...chunk]);
    infos.forEach((info, index) => {
      balances.push(info === null ? 0n : unpackAccount(chunk[index], info, info.owner).amount);
    });
  }
  return balances;
}

export async function tokenBalance(connection: Connection, account: PublicKey): Promise<bigint> {
  const [balance] = await tokenBalances(connection, [account]);
  return balance;
}

/** Instructions that create a mint of `decimals` at `mint` with `mintAuthority`. */
export async function createMintInstructions(
  connection: Connection,
  payer: PublicKey,
  mint: PublicKey,
  mintAuthority: PublicKey,
  decimals: number = CYXWIZ_DECIMALS,
): Promise<TransactionInstruction[]> {
  return [
    SystemProgram.createAccount({
      fromPubkey: payer,
      newAccountPubkey: mint,
      lamports: await getMinimumBalanceForRentExemptMint(connection),
      space: MINT_SIZE,
      programId: TOKEN_PROGRAM_ID,
    }),
    // No freeze authority: nobody can freeze a node's or a client's tokens.
    createInitializeMint2Instruction(mint, decimals, mintAuthority, null, TOKEN_PROGRAM_ID),
  ];
}

/** Creates the mint at `mint`'s address (localnet/devnet test mint). */
export async function createMint(
  connection: Connection,
  payer: Signer,
  mint: Keypair,
  mintAuthority: PublicKey,
  decimals: number = CYXWIZ_DECIMALS,
): Promise<PublicKey> {
  const instructions = await createMintInstructions(connection, payer.publicKey, mint.publicKey, mintAuthority, decimals);
  await sendInstructions(connection, instructions, [payer, mint]);
  return mint.publicKey;
}

/** Checked mint-to: fails if `decimals` is not the mint's. */
export function mintToInstruction(
  mint: PublicKey,
  destination: PublicKey,
  mintAuthority: PublicKey,
  amount: Amount,
  decimals: number = CYXWIZ_DECIMALS,
): TransactionInstruction {
  return createMintToCheckedInstruction(mint, destination, mintAuthority, toU64(amount), decimals, [], TOKEN_PROGRAM_ID);
}

/** Mints `amount` base units to `destination` (localnet: the project holds the mint authority). */
export async function mintTokens(
  connection: Connection,
  mintAuthority: Signer,
  mint: PublicKey,
  destination: PublicKey,
  amount: Amount,
  decimals: number = CYXWIZ_DECIMALS,
): Promise<string> {
  return sendInstructions(connection, [mintToInstruction(mint, destination, mintAuthority.publicKey, amount, decimals)], [mintAuthority]);
}
