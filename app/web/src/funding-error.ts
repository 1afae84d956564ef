/** A failure funding an escrow, by cause. Its own module so that the shell's error banner
 * can recognise it without loading the chain code (chain.ts, @solana/web3.js). */
export class FundingError extends Error {
  constructor(
    readonly code: "INSUFFICIENT_TOKENS" | "INSUFFICIENT_SOL" | "WALLET_REJECTED" | "TX_FAILED" | "TX_EXPIRED" | "RPC_UNREACHABLE",
    message: string,
  ) {
    super(message);
    this.name = "FundingError";
  }
}
