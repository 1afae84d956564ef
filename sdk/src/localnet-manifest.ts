/**
 * The localnet manifest (`<dir>/localnet.json`): every address `npm run migrate`
 * set up and where the keys are. Tests, the bench and services read it instead of
 * re-deriving the deployment.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import type { Keypair } from "@solana/web3.js";

import { readKeypairFile } from "./keypair-file";

export const LOCALNET_DIR_ENV = "CYXWIZ_LOCALNET_DIR";
export const MANIFEST_FILE = "localnet.json";

/** $CYXWIZ_LOCALNET_DIR, or `.localnet/` at the repository root (git-ignored: it holds keys). */
export function localnetDir(): string {
  const fromEnv = process.env[LOCALNET_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return resolve(fromEnv);
  return resolve(__dirname, "..", "..", ".localnet");
}

export function manifestPath(dir: string = localnetDir()): string {
  return join(dir, MANIFEST_FILE);
}

export const KEY_ROLES = ["admin", "coordinator", "arbiter", "treasuryOwner", "mintAuthority", "mint"] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

export interface LocalnetManifest {
  rpcUrl: string;
  programId: string;
  /** The CYXWIZ test mint. */
  mint: string;
  mintDecimals: number;
  mintAuthority: string;
  config: string;
  /** The treasury token account (receives the fees); owned by `treasuryOwner`. */
  treasury: string;
  treasuryOwner: string;
  admin: string;
  coordinator: string;
  arbiter: string;
  /** Absolute paths of the keypair files (solana-keygen format), by role. */
  keyFiles: Record<KeyRole, string>;
}

export type LocalnetKeys = Record<KeyRole, Keypair>;

export class ManifestError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = "ManifestError";
  }
}

const ADDRESS_FIELDS = [
  "rpcUrl",
  "programId",
  "mint",
  "mintAuthority",
  "config",
  "treasury",
  "treasuryOwner",
  "admin",
  "coordinator",
  "arbiter",
] as const;

function checkManifest(path: string, value: unknown): LocalnetManifest {
  if (typeof value !== "object" || value === null) throw new ManifestError(path, "not a JSON object");
  const record = value as Record<string, unknown>;
  for (const field of ADDRESS_FIELDS) {
    if (typeof record[field] !== "string") throw new ManifestError(path, `missing ${field}`);
  }
  if (typeof record.mintDecimals !== "number") throw new ManifestError(path, "missing mintDecimals");
  const keyFiles = record.keyFiles as Record<string, unknown> | undefined;
  for (const role of KEY_ROLES) {
    if (typeof keyFiles?.[role] !== "string") throw new ManifestError(path, `missing keyFiles.${role}`);
  }
  return value as LocalnetManifest;
}

/** The manifest in `dir`, or null when migrate has not run there. */
export function readManifest(dir: string = localnetDir()): LocalnetManifest | null {
  const path = manifestPath(dir);
  if (!existsSync(path)) return null;
  return checkManifest(path, JSON.parse(readFileSync(path, "utf8")));
}

export function writeManifest(dir: string, manifest: LocalnetManifest): string {
  mkdirSync(dir, { recursive: true });
  const path = manifestPath(dir);
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}

export function loadManifestKeys(manifest: LocalnetManifest): LocalnetKeys {
  const keys = {} as LocalnetKeys;
  for (const role of KEY_ROLES) keys[role] = readKeypairFile(manifest.keyFiles[role]);
  return keys;
}
