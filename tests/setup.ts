/**
 * Shared test set-up: one localnet connection for the whole run (the migration is
 * run once: it verifies and reuses `.localnet/`), funded wallets with CYXWIZ, and
 * a fresh shadow ledger per test that is checked against the chain after it.
 */
import { randomUUID } from "node:crypto";

import { expect } from "chai";
import { type Connection, PublicKey } from "@solana/web3.js";

import { migrate } from "../migrations/migrate";
import {
  chainUnixTime,
  createConnection,
  EscrowClient,
  EscrowProgramError,
  type FundedWallet,
  fundNewWallet,
  type JobId,
  jobIdFromUuid,
  loadManifestKeys,
  type LocalnetKeys,
  type LocalnetManifest,
  sol,
  tokenBalances,
  topUp,
  vaultAddress,
} from "@cyxwiz/sdk";
import { TokenLedger } from "./ledger";

export const DAY = 24 * 60 * 60;

export interface TestChain {
  connection: Connection;
  client: EscrowClient;
  manifest: LocalnetManifest;
  keys: LocalnetKeys;
  mint: PublicKey;
  treasury: PublicKey;
}

let chain: Promise<TestChain> | undefined;

async function connect(): Promise<TestChain> {
  const connection = createConnection();
  const manifest = await migrate({ connection });
  const keys = loadManifestKeys(manifest);
  const client = await EscrowClient.connect(connection);
  // The specifications below state the default 90/10 split in literal numbers.
  expect(client.config.feeBps, "config fee").to.equal(1_000);
  expect(client.config.paused, "config paused").to.equal(false);
  // The mint authority is the tests' faucet for SOL as well as tokens.
  await topUp(connection, keys.mintAuthority.publicKey, sol(200), sol(1_000));
  return {
    connection,
    client,
    manifest,
    keys,
    mint: new PublicKey(manifest.mint),
    treasury: new PublicKey(manifest.treasury),
  };
}

/** The localnet, set up once per test run. */
export function testChain(): Promise<TestChain> {
  chain ??= connect();
  return chain;
}

export type TestWallet = FundedWallet;

/** A new wallet with SOL for fees and rent and `tokens` CYXWIZ. */
export function newWallet(chain: TestChain, tokens: bigint, lamports = sol(1)): Promise<TestWallet> {
  return fundNewWallet(chain.connection, chain.keys.mintAuthority, chain.mint, { lamports, tokens });
}

export function newJobId(): JobId {
  return jobIdFromUuid(randomUUID());
}

/** The chain's now + `seconds` (the chain's clock, which a warp may have moved). */
export async function expiresIn(chain: TestChain, seconds: number): Promise<number> {
  return (await chainUnixTime(chain.connection)) + seconds;
}

export interface FundedEscrow {
  escrow: PublicKey;
  vault: PublicKey;
  jobId: JobId;
  signature: string;
}

export interface EscrowSuite {
  readonly chain: TestChain;
  readonly ledger: TokenLedger;
  /** A new wallet whose token account the ledger tracks. */
  wallet(tokens?: bigint): Promise<TestWallet>;
  /** `payer` funds a new escrow of `amount`; the ledger moves it into the vault. */
  createEscrow(payer: TestWallet, amount: bigint, lifetimeSecs?: number): Promise<FundedEscrow>;
}

/** Registers the suite's hooks: chain before all, a fresh ledger before each test, its check after. */
export function useEscrowSuite(): EscrowSuite {
  let current: { chain: TestChain; ledger: TokenLedger } | undefined;
  let connected: TestChain | undefined;
  const state = () => {
    if (current === undefined) throw new Error("suite used outside a test");
    return current;
  };

  before(async () => {
    connected = await testChain();
  });
  beforeEach(async () => {
    if (connected === undefined) throw new Error("chain not connected");
    const ledger = new TokenLedger(connected.connection);
    await ledger.trackCurrent(connected.treasury, "treasury");
    current = { chain: connected, ledger };
  });
  afterEach(async function () {
    // A failed test has already failed; the ledger would only repeat it.
    if (this.currentTest?.state === "passed") await state().ledger.verify();
    current = undefined;
  });

  return {
    get chain() {
      return state().chain;
    },
    get ledger() {
      return state().ledger;
    },
    async wallet(tokens = 0n) {
      const { chain, ledger } = state();
      const wallet = await newWallet(chain, tokens);
      ledger.track(wallet.token, tokens, `wallet ${wallet.publicKey.toBase58().slice(0, 8)}`);
      return wallet;
    },
    async createEscrow(payer, amount, lifetimeSecs = DAY) {
      const { chain, ledger } = state();
      const jobId = newJobId();
      const expiresAt = await expiresIn(chain, lifetimeSecs);
      const { escrow, signature } = await chain.client.createEscrow({ payer: payer.keypair, jobId, amount, expiresAt });
      const vault = vaultAddress(escrow);
      ledger.track(vault, 0n, `vault ${escrow.toBase58().slice(0, 8)}`);
      ledger.move(payer.token, vault, amount);
      return { escrow, vault, jobId, signature };
    },
  };
}

/** Awaits `action`, which must fail with the JobEscrow/Anchor error `name`. */
export async function expectEscrowError(action: Promise<unknown>, name: string): Promise<EscrowProgramError> {
  let outcome: unknown;
  try {
    await action;
  } catch (error) {
    outcome = error;
  }
  if (outcome === undefined) expect.fail(`expected ${name}, but the transaction succeeded`);
  if (!(outcome instanceof EscrowProgramError)) {
    expect.fail(`expected ${name}, got ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome)}`);
  }
  expect(outcome.name, outcome.message).to.equal(name);
  return outcome;
}

/** Balances of `accounts` as `address=amount` lines, for before/after comparisons. */
export async function balanceSnapshot(chain: TestChain, accounts: PublicKey[]): Promise<string[]> {
  const balances = await tokenBalances(chain.connection, accounts);
  return accounts.map((account, index) => `${account.toBase58()}=${balances[index]}`);
}

export function amountOf(value: { toString(): string }): bigint {
  return BigInt(value.toString());
}
