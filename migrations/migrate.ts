/**
 * Sets up JobEscrow on a localnet: the CYXWIZ test mint, the role keys, their SOL,
 * the treasury token account and the config; writes `<dir>/localnet.json`.
 * Idempotent: on a chain that is already set up it verifies and reuses. Keys
 * persist in the directory, so a fresh localnet gets the same addresses again.
 */
import { join } from "node:path";

import { getMint } from "@solana/spl-token";
import type { Connection, PublicKey } from "@solana/web3.js";

import {
  configAddress,
  createConnection,
  CYXWIZ_DECIMALS,
  createMint,
  DEFAULT_CONFIG_PARAMS,
  ensureTokenAccount,
  fetchConfig,
  initializeConfigInstruction,
  JOB_ESCROW_PROGRAM_ID,
  jobEscrowProgram,
  KEY_ROLES,
  type KeyRole,
  loadOrCreateKeypair,
  localnetDir,
  type LocalnetKeys,
  type LocalnetManifest,
  type MarketConfig,
  sendInstructions,
  sol,
  tokenAccountAddress,
  topUp,
  writeManifest,
} from "@cyxwiz/sdk";

export interface MigrateOptions {
  connection?: Connection;
  /** Where keys and the manifest live; defaults to $CYXWIZ_LOCALNET_DIR or `.localnet/`. */
  dir?: string;
  /** Progress lines; silent when omitted. */
  log?: (line: string) => void;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

/** Roles that sign transactions and so need SOL. */
const FUNDED_ROLES: readonly KeyRole[] = ["admin", "coordinator", "arbiter", "treasuryOwner", "mintAuthority"];
const MIN_BALANCE = sol(2);
const TOP_UP_TO = sol(10);

const KEY_FILE_NAMES: Record<KeyRole, string> = {
  admin: "admin.json",
  coordinator: "coordinator.json",
  arbiter: "arbiter.json",
  treasuryOwner: "treasury-owner.json",
  mintAuthority: "mint-authority.json",
  mint: "mint.json",
};

async function checkCluster(connection: Connection, log: (line: string) => void): Promise<void> {
  let version: string;
  try {
    version = (await connection.getVersion())["solana-core"];
  } catch (error) {
    throw new MigrationError(
      `no Solana RPC at ${connection.rpcEndpoint} (${(error as Error).message}). ` +
        "Start the localnet: cargo run -q --release -p localnet -- --rpc-port 8899",
    );
  }
  log(`cluster     ${connection.rpcEndpoint} (solana-core ${version})`);
  const program = await connection.getAccountInfo(JOB_ESCROW_PROGRAM_ID);
  if (program === null || !program.executable) {
    throw new MigrationError(`JobEscrow is not deployed at ${JOB_ESCROW_PROGRAM_ID.toBase58()} on ${connection.rpcEndpoint}`);
  }
  log(`program     ${JOB_ESCROW_PROGRAM_ID.toBase58()} (executable)`);
}

function loadKeys(dir: string, log: (line: string) => void): { keys: LocalnetKeys; keyFiles: Record<KeyRole, string> } {
  const keys = {} as LocalnetKeys;
  const keyFiles = {} as Record<KeyRole, string>;
  for (const role of KEY_ROLES) {
    const path = join(dir, KEY_FILE_NAMES[role]);
    const { keypair, created } = loadOrCreateKeypair(path);
    keys[role] = keypair;
    keyFiles[role] = path;
    log(`key         ${role.padEnd(13)} ${keypair.publicKey.toBase58()} ${created ? "(new)" : "(reused)"}`);
  }
  return { keys, keyFiles };
}

async function ensureMint(connection: Connection, keys: LocalnetKeys, log: (line: string) => void): Promise<void> {
  const mint = keys.mint.publicKey;
  if ((await connection.getAccountInfo(mint)) === null) {
    await createMint(connection, keys.mintAuthority, keys.mint, keys.mintAuthority.publicKey, CYXWIZ_DECIMALS);
    log(`mint        ${mint.toBase58()} (created, ${CYXWIZ_DECIMALS} decimals)`);
    return;
  }
  const existing = await getMint(connection, mint);
  if (existing.decimals !== CYXWIZ_DECIMALS || !existing.mintAuthority?.equals(keys.mintAuthority.publicKey)) {
    throw new MigrationError(
      `mint ${mint.toBase58()} exists with ${existing.decimals} decimals and authority ` +
        `${existing.mintAuthority?.toBase58() ?? "none"}; expected ${CYXWIZ_DECIMALS} and ${keys.mintAuthority.publicKey.toBase58()}`,
    );
  }
  log(`mint        ${mint.toBase58()} (reused, supply ${existing.supply})`);
}

/** Initialization is first-come: a config made with other keys cannot be taken over, so stop early. */
function verifyConfig(existing: MarketConfig, keys: LocalnetKeys, treasury: PublicKey): void {
  const expected: [string, PublicKey, PublicKey][] = [
    ["admin", existing.admin, keys.admin.publicKey],
    ["coordinator", existing.coordinator, keys.coordinator.publicKey],
    ["arbiter", existing.arbiter, keys.arbiter.publicKey],
    ["mint", existing.mint, keys.mint.publicKey],
    ["treasury", existing.treasury, treasury],
  ];
  const mismatches = expected.filter(([, onChain, ours]) => !onChain.equals(ours));
  if (mismatches.length === 0) return;
  const detail = mismatches.map(([field, onChain, ours]) => `${field} ${onChain.toBase58()} (ours ${ours.toBase58()})`);
  throw new MigrationError(
    `the config on this chain was initialized with other keys: ${detail.join(", ")}. ` +
      "Restart the localnet for a fresh chain, or set CYXWIZ_LOCALNET_DIR to the directory that initialized it.",
  );
}

async function initializeConfig(connection: Connection, keys: LocalnetKeys, treasury: PublicKey): Promise<void> {
  const instruction = await initializeConfigInstruction(jobEscrowProgram(connection), {
    admin: keys.admin.publicKey,
    mint: keys.mint.publicKey,
    treasury,
    coordinator: keys.coordinator.publicKey,
    arbiter: keys.arbiter.publicKey,
    params: DEFAULT_CONFIG_PARAMS,
  });
  await sendInstructions(connection, [instruction], [keys.admin]);
}

export async function migrate(options: MigrateOptions = {}): Promise<LocalnetManifest> {
  const log = options.log ?? (() => undefined);
  const connection = options.connection ?? createConnection();
  const dir = options.dir ?? localnetDir();

  await checkCluster(connection, log);
  const { keys, keyFiles } = loadKeys(dir, log);
  const treasuryOwner = keys.treasuryOwner.publicKey;
  // The treasury is the owner's associated account, so it is known before it exists.
  const treasury = tokenAccountAddress(keys.mint.publicKey, treasuryOwner);
  const existing = await fetchConfig(jobEscrowProgram(connection));
  if (existing !== null) verifyConfig(existing, keys, treasury);

  for (const role of FUNDED_ROLES) {
    const added = await topUp(connection, keys[role].publicKey, MIN_BALANCE, TOP_UP_TO);
    if (added > 0) log(`airdrop     ${role.padEnd(13)} +${added / sol(1)} SOL`);
  }
  await ensureMint(connection, keys, log);
  const treasuryExisted = (await connection.getAccountInfo(treasury)) !== null;
  await ensureTokenAccount(connection, keys.treasuryOwner, treasuryOwner, keys.mint.publicKey);
  log(`treasury    ${treasury.toBase58()} (${treasuryExisted ? "reused" : "created"}, token account of ${treasuryOwner.toBase58()})`);
  if (existing === null) {
    await initializeConfig(connection, keys, treasury);
    log(`config      ${configAddress().toBase58()} (initialized, fee ${DEFAULT_CONFIG_PARAMS.feeBps} bps)`);
  } else {
    log(`config      ${existing.address.toBase58()} (verified, fee ${existing.feeBps} bps${existing.paused ? ", PAUSED" : ""})`);
  }

  const manifest: LocalnetManifest = {
    rpcUrl: connection.rpcEndpoint,
    programId: JOB_ESCROW_PROGRAM_ID.toBase58(),
    mint: keys.mint.publicKey.toBase58(),
    mintDecimals: CYXWIZ_DECIMALS,
    mintAuthority: keys.mintAuthority.publicKey.toBase58(),
    config: configAddress().toBase58(),
    treasury: treasury.toBase58(),
    treasuryOwner: keys.treasuryOwner.publicKey.toBase58(),
    admin: keys.admin.publicKey.toBase58(),
    coordinator: keys.coordinator.publicKey.toBase58(),
    arbiter: keys.arbiter.publicKey.toBase58(),
    keyFiles,
  };
  log(`manifest    ${writeManifest(dir, manifest)}`);
  return manifest;
}
