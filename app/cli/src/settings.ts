/**
 * Where the CLI's services and key are: a flag, else its environment variable, else
 * the config file (~/.config/cyxwiz/config.json, or $CYXWIZ_CONFIG), else the local
 * default. The keypair is read only by the commands that act for a wallet.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

import type { Keypair } from "@solana/web3.js";

import { readKeypairFile } from "@cyxwiz/sdk";
import type { FlagSpec, FlagValues } from "./args";
import { userError } from "./errors";

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: "coordinator", type: "string", value: "URL", help: "coordinator (env CYXWIZ_COORDINATOR_URL, default http://127.0.0.1:7070)" },
  { name: "url", type: "string", value: "URL", help: "Solana JSON-RPC (env CYXWIZ_RPC_URL, default http://127.0.0.1:8899)" },
  { name: "rpc", type: "string", value: "URL", help: "same as --url" },
  { name: "ipfs", type: "string", value: "URL", help: "IPFS (kubo) API (env CYXWIZ_IPFS_API, default http://127.0.0.1:5001)" },
  { name: "keypair", type: "string", value: "PATH", help: "wallet key file (env CYXWIZ_KEYPAIR, default ~/.config/solana/id.json)" },
  { name: "config", type: "string", value: "PATH", help: "config file (env CYXWIZ_CONFIG, default ~/.config/cyxwiz/config.json)" },
  { name: "json", type: "boolean", help: "machine-readable output: one JSON document (node start: one per line)" },
];

export interface Settings {
  readonly coordinatorUrl: string;
  readonly rpcUrl: string;
  readonly ipfsApi: string;
  readonly keypairPath: string;
  readonly json: boolean;
}

const FILE_KEYS = ["coordinator", "rpc", "ipfs", "keypair"] as const;
type FileSettings = Partial<Record<(typeof FILE_KEYS)[number], string>>;

function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

function readConfigFile(path: string, explicit: boolean): FileSettings {
  if (!existsSync(path)) {
    if (explicit)
      throw userError(
        "CONFIG_MISSING",
        `no config file at ${path}; create it (keys: ${FILE_KEYS.join(", ")}) or drop --config / CYXWIZ_CONFIG`,
      );
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw userError("CONFIG_INVALID", `${path} is not JSON (${(error as Error).message}); fix or remove it`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw userError("CONFIG_INVALID", `${path} must hold a JSON object`);
  for (const [key, value] of Object.entries(parsed)) {
    if (!(FILE_KEYS as readonly string[]).includes(key))
      throw userError("CONFIG_INVALID", `${path}: unknown key ${key} (known: ${FILE_KEYS.join(", ")})`);
    if (typeof value !== "string") throw userError("CONFIG_INVALID", `${path}: ${key} must be a string`);
  }
  return parsed as FileSettings;
}

export function resolveSettings(flags: FlagValues, env: NodeJS.ProcessEnv = process.env): Settings {
  const pick = (flag: unknown, envName: string): string | undefined => {
    if (typeof flag === "string" && flag !== "") return flag;
    const fromEnv = env[envName];
    return fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined;
  };
  const explicitConfig = pick(flags.config, "CYXWIZ_CONFIG");
  const file = readConfigFile(expandHome(explicitConfig ?? "~/.config/cyxwiz/config.json"), explicitConfig !== undefined);
  const rpcFlag = flags.url ?? flags.rpc;
  return {
    coordinatorUrl: pick(flags.coordinator, "CYXWIZ_COORDINATOR_URL") ?? file.coordinator ?? "http://127.0.0.1:7070",
    rpcUrl: pick(rpcFlag, "CYXWIZ_RPC_URL") ?? file.rpc ?? "http://127.0.0.1:8899",
    ipfsApi: pick(flags.ipfs, "CYXWIZ_IPFS_API") ?? file.ipfs ?? "http://127.0.0.1:5001",
    keypairPath: resolve(expandHome(pick(flags.keypair, "CYXWIZ_KEYPAIR") ?? file.keypair ?? "~/.config/solana/id.json")),
    json: flags.json === true,
  };
}

/** The wallet at `path`; a missing or malformed file says how to make one. */
export function loadKeypair(path: string): Keypair {
  const fix = `create one with: solana-keygen new -o ${path}  (or: cyxwiz dev keygen --keypair ${path}), or point --keypair / CYXWIZ_KEYPAIR at yours`;
  if (!existsSync(path)) throw userError("KEYPAIR_MISSING", `no keypair file at ${path}; ${fix}`, { path });
  try {
    return readKeypairFile(path);
  } catch (error) {
    const reason = (error as Error).message.replace(`${path}: `, "");
    throw userError("KEYPAIR_INVALID", `the keypair file ${path} is not a Solana key (${reason}); ${fix}`, { path });
  }
}
