/**
 * The coordinator's configuration: defaults for the localnet, overridden by a
 * JSON file, overridden by environment variables. One loader, validated as a
 * whole; an unknown key or a bad value stops start-up with a message naming it.
 */
import { readFileSync } from "node:fs";

import { MAX_DURATION_SECS, MIN_DURATION_SECS } from "./domain/checkpoints";

export interface CoordinatorConfig {
  /**
   * dashboardDir: a built web dashboard (app/web/dist) served at / with SPA fallback to
   * its index.html; "" (the default) serves none. Optional so configs built in code may omit it.
   */
  http: { host: string; port: number; bodyLimitBytes: number; dashboardDir?: string };
  redis: { url: string; keyPrefix: string; commandTimeoutMs: number };
  rpcUrl: string;
  ipfs: { apiUrl: string; fetchTimeoutMs: number; maxProofBytes: number };
  coordinatorKeypairPath: string;
  auth: { maxSkewMs: number };
  /**
   * A node's lease is intervalMs × missesBeforeOffline. startupGraceMs: after this process
   * starts, no lease is judged for this long, so nodes whose beats backed off while the
   * coordinator was down are not all lost at once; 0 or absent: one lease period.
   */
  heartbeat: { intervalMs: number; missesBeforeOffline: number; startupGraceMs?: number };
  /**
   * defaultMaxDurationSecs: how long a job may run after its node accepts it when the
   * submission names no maxDurationSecs; then it times out and settles by verified progress.
   */
  matching: { tickMs: number; offerTimeoutMs: number; maxAttempts: number; defaultMaxDurationSecs: number };
  /**
   * settleMarginSecs: a job's run must end at least this long before its escrow expires,
   * so that its partial settlement still lands (JobEscrow refuses settle_partial after expiry).
   */
  escrow: { minRemainingLifetimeSecs: number; settleMarginSecs: number };
  /**
   * The proof check of reported weights (proofs/, loops/verification.ts): how often
   * the queue is read, how many proofs are checked at once, the backoff of transient
   * failures (the n-th waits min(retryMaxMs, retryBaseMs × 2^(n−1))) and the attempt
   * whose failure is final, and the time a metric evaluator may take.
   */
  verification: {
    tickMs: number;
    concurrency: number;
    retryBaseMs: number;
    retryMaxMs: number;
    maxAttempts: number;
    evaluationTimeoutMs: number;
  };
  logLevel: "debug" | "info" | "warn" | "error";
}

export const DEFAULT_CONFIG: CoordinatorConfig = {
  http: { host: "127.0.0.1", port: 7070, bodyLimitBytes: 256 * 1024, dashboardDir: "" },
  redis: { url: "redis://127.0.0.1:6379", keyPrefix: "cyx:", commandTimeoutMs: 2_000 },
  rpcUrl: "http://127.0.0.1:8899",
  ipfs: { apiUrl: "http://127.0.0.1:5001", fetchTimeoutMs: 15_000, maxProofBytes: 512 * 1024 * 1024 },
  coordinatorKeypairPath: ".localnet/coordinator.json",
  auth: { maxSkewMs: 60_000 },
  heartbeat: { intervalMs: 5_000, missesBeforeOffline: 3, startupGraceMs: 0 },
  matching: { tickMs: 250, offerTimeoutMs: 15_000, maxAttempts: 3, defaultMaxDurationSecs: 3_600 },
  escrow: { minRemainingLifetimeSecs: 3_600, settleMarginSecs: 600 },
  // Six attempts over about 2.5 minutes (5, 10, 20, 40, 80 s between them): long enough
  // to ride out a daemon restart, short enough that a client is not kept waiting.
  verification: { tickMs: 500, concurrency: 4, retryBaseMs: 5_000, retryMaxMs: 300_000, maxAttempts: 6, evaluationTimeoutMs: 600_000 },
  logLevel: "info",
};

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Environment variables and the config path they set. */
const ENV: Record<string, string> = {
  CYXWIZ_COORDINATOR_HOST: "http.host",
  CYXWIZ_COORDINATOR_PORT: "http.port",
  CYXWIZ_DASHBOARD_DIR: "http.dashboardDir",
  CYXWIZ_REDIS_URL: "redis.url",
  CYXWIZ_REDIS_PREFIX: "redis.keyPrefix",
  CYXWIZ_RPC_URL: "rpcUrl",
  CYXWIZ_IPFS_API: "ipfs.apiUrl",
  CYXWIZ_IPFS_FETCH_TIMEOUT_MS: "ipfs.fetchTimeoutMs",
  CYXWIZ_IPFS_MAX_PROOF_BYTES: "ipfs.maxProofBytes",
  CYXWIZ_VERIFY_MAX_ATTEMPTS: "verification.maxAttempts",
  CYXWIZ_COORDINATOR_KEYPAIR: "coordinatorKeypairPath",
  CYXWIZ_HEARTBEAT_INTERVAL_MS: "heartbeat.intervalMs",
  CYXWIZ_HEARTBEAT_MISSES: "heartbeat.missesBeforeOffline",
  CYXWIZ_HEARTBEAT_STARTUP_GRACE_MS: "heartbeat.startupGraceMs",
  CYXWIZ_OFFER_TIMEOUT_MS: "matching.offerTimeoutMs",
  CYXWIZ_DEFAULT_MAX_DURATION_SECS: "matching.defaultMaxDurationSecs",
  CYXWIZ_LOG_LEVEL: "logLevel",
};

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Overlay `patch` on `base`, refusing keys `base` does not have and changes of type. */
function overlay(base: unknown, patch: unknown, path: string): unknown {
  if (!isObject(base)) {
    if (typeof patch !== typeof base) {
      throw new ConfigError(`${path} must be a ${typeof base}, got ${JSON.stringify(patch)}`);
    }
    return patch;
  }
  if (!isObject(patch)) throw new ConfigError(`${path || "config"} must be an object`);
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const at = path ? `${path}.${key}` : key;
    if (!(key in base)) throw new ConfigError(`unknown config key ${at}`);
    out[key] = overlay(base[key], value, at);
  }
  return out;
}

function fromEnv(env: NodeJS.ProcessEnv, base: CoordinatorConfig): Record<string, Json> {
  const patch: Record<string, Json> = {};
  for (const [name, path] of Object.entries(ENV)) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const keys = path.split(".");
    let current: unknown = base;
    for (const key of keys) current = (current as Record<string, unknown>)[key];
    let value: Json = raw;
    if (typeof current === "number") {
      value = Number(raw);
      if (!Number.isFinite(value)) throw new ConfigError(`${name} must be a number, got ${JSON.stringify(raw)}`);
    }
    let cursor = patch;
    for (const key of keys.slice(0, -1)) {
      cursor[key] = (cursor[key] as Record<string, Json> | undefined) ?? {};
      cursor = cursor[key] as Record<string, Json>;
    }
    cursor[keys[keys.length - 1]] = value;
  }
  return patch;
}

function validate(config: CoordinatorConfig): CoordinatorConfig {
  const positive: Array<[string, number]> = [
    ["http.port", config.http.port],
    ["http.bodyLimitBytes", config.http.bodyLimitBytes],
    ["redis.commandTimeoutMs", config.redis.commandTimeoutMs],
    ["ipfs.fetchTimeoutMs", config.ipfs.fetchTimeoutMs],
    ["ipfs.maxProofBytes", config.ipfs.maxProofBytes],
    ["verification.tickMs", config.verification.tickMs],
    ["verification.concurrency", config.verification.concurrency],
    ["verification.retryBaseMs", config.verification.retryBaseMs],
    ["verification.retryMaxMs", config.verification.retryMaxMs],
    ["verification.maxAttempts", config.verification.maxAttempts],
    ["verification.evaluationTimeoutMs", config.verification.evaluationTimeoutMs],
    ["auth.maxSkewMs", config.auth.maxSkewMs],
    ["heartbeat.intervalMs", config.heartbeat.intervalMs],
    ["heartbeat.missesBeforeOffline", config.heartbeat.missesBeforeOffline],
    ["matching.tickMs", config.matching.tickMs],
    ["matching.offerTimeoutMs", config.matching.offerTimeoutMs],
    ["matching.maxAttempts", config.matching.maxAttempts],
    ["matching.defaultMaxDurationSecs", config.matching.defaultMaxDurationSecs],
    ["escrow.settleMarginSecs", config.escrow.settleMarginSecs],
  ];
  for (const [name, value] of positive) {
    if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer, got ${value}`);
  }
  const grace = config.heartbeat.startupGraceMs ?? 0;
  if (!Number.isSafeInteger(grace) || grace < 0) throw new ConfigError(`heartbeat.startupGraceMs must be an integer ≥ 0, got ${grace}`);
  if (config.verification.retryMaxMs < config.verification.retryBaseMs) {
    throw new ConfigError(
      `verification.retryMaxMs (${config.verification.retryMaxMs}) must be ≥ verification.retryBaseMs (${config.verification.retryBaseMs})`,
    );
  }
  if (config.matching.defaultMaxDurationSecs < MIN_DURATION_SECS || config.matching.defaultMaxDurationSecs > MAX_DURATION_SECS) {
    throw new ConfigError(
      `matching.defaultMaxDurationSecs must be in ${MIN_DURATION_SECS}..${MAX_DURATION_SECS}, got ${config.matching.defaultMaxDurationSecs}`,
    );
  }
  if (config.http.port > 65_535) throw new ConfigError(`http.port must be a port number, got ${config.http.port}`);
  if (!["debug", "info", "warn", "error"].includes(config.logLevel)) {
    throw new ConfigError(`logLevel must be debug, info, warn or error, got ${JSON.stringify(config.logLevel)}`);
  }
  for (const [name, url] of [
    ["rpcUrl", config.rpcUrl],
    ["ipfs.apiUrl", config.ipfs.apiUrl],
    ["redis.url", config.redis.url],
  ]) {
    try {
      new URL(url);
    } catch {
      throw new ConfigError(`${name} is not a URL: ${JSON.stringify(url)}`);
    }
  }
  return config;
}

/** Defaults, then the JSON file at `file` (if any), then the environment. */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): CoordinatorConfig {
  let config: unknown = DEFAULT_CONFIG;
  if (options.file !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(options.file, "utf8"));
    } catch (e) {
      throw new ConfigError(`cannot read config file ${options.file}: ${(e as Error).message}`);
    }
    config = overlay(config, parsed, "");
  }
  config = overlay(config, fromEnv(options.env ?? process.env, config as CoordinatorConfig), "");
  return validate(config as CoordinatorConfig);
}
