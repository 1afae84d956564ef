/**
 * A shadow ledger of expected token balances (Nosana's pattern): each test states
 * where tokens should have gone, and after the test every tracked account on the
 * chain must hold exactly what the ledger says. Tokens are only moved between
 * tracked accounts, so the ledger also checks conservation.
 */
import { AssertionError } from "chai";
import { type Connection, PublicKey } from "@solana/web3.js";

import { tokenBalances } from "@cyxwiz/sdk";

export class UntrackedAccountError extends Error {
  constructor(account: PublicKey) {
    super(`token account ${account.toBase58()} is not tracked by the ledger`);
    this.name = "UntrackedAccountError";
  }
}

export class TokenLedger {
  private readonly expected = new Map<string, bigint>();
  private readonly labels = new Map<string, string>();

  constructor(private readonly connection: Connection) {}

  /** Track an account whose balance is known (a new wallet, a vault before creation). */
  track(account: PublicKey, balance: bigint, label = account.toBase58()): void {
    this.expected.set(account.toBase58(), balance);
    this.labels.set(account.toBase58(), label);
  }

  /** Track an account at its current balance on the chain (a shared account like the treasury). */
  async trackCurrent(account: PublicKey, label = account.toBase58()): Promise<void> {
    const [balance] = await tokenBalances(this.connection, [account]);
    this.track(account, balance, label);
  }

  /** `amount` should have moved from one tracked account to another. */
  move(from: PublicKey, to: PublicKey, amount: bigint): void {
    const source = this.balanceOf(from);
    const destination = this.balanceOf(to);
    this.expected.set(from.toBase58(), source - amount);
    this.expected.set(to.toBase58(), destination + amount);
  }

  balanceOf(account: PublicKey): bigint {
    const balance = this.expected.get(account.toBase58());
    if (balance === undefined) throw new UntrackedAccountError(account);
    return balance;
  }

  /** Throws listing every account whose chain balance differs from the ledger. */
  async verify(): Promise<void> {
    const keys = [...this.expected.keys()];
    const actual = await tokenBalances(
      this.connection,
      keys.map((key) => new PublicKey(key)),
    );
    const mismatches = keys
      .map((key, index) => ({ key, expected: this.expected.get(key) ?? 0n, actual: actual[index] }))
      .filter(({ expected, actual }) => expected !== actual)
      .map(({ key, expected, actual }) => `${this.labels.get(key)}: expected ${expected}, chain has ${actual}`);
    if (mismatches.length > 0) {
      throw new AssertionError(`token balances differ from the shadow ledger:\n  ${mismatches.join("\n  ")}`);
    }
  }
}
