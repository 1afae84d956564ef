/**
 * The real dependency checks behind /health: Redis PING, the Solana RPC's getSlot and
 * the kubo API's /api/v0/id, each timed out so /health always answers quickly.
 */
import type Redis from "ioredis";

import type { DependencyProbe, ProbeResult, RpcProbeResult } from "./context";

export interface RedisProbeResult extends ProbeResult {
  readonly latencyMs: number | null;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function redisProbe(redis: Redis, timeoutMs: number): DependencyProbe<RedisProbeResult> {
  return {
    async check() {
      if (redis.status !== "ready") return { ok: false, latencyMs: null, error: `connection ${redis.status}` };
      const started = process.hrtime.bigint();
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no PONG within ${timeoutMs} ms`)), timeoutMs);
        });
        await Promise.race([redis.ping(), timeout]);
        return { ok: true, latencyMs: Number(process.hrtime.bigint() - started) / 1e6 };
      } catch (error) {
        return { ok: false, latencyMs: null, error: message(error) };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function rpcProbe(rpcUrl: string, timeoutMs: number): DependencyProbe<RpcProbeResult> {
  return {
    async check() {
      try {
        const response = await fetch(rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getSlot" }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!response.ok) return { ok: false, slot: null, error: `getSlot answered HTTP ${response.status}` };
        const reply = (await response.json()) as { result?: unknown; error?: { message?: unknown } };
        if (typeof reply.result === "number") return { ok: true, slot: reply.result };
        return { ok: false, slot: null, error: `getSlot failed: ${String(reply.error?.message ?? "no result")}` };
      } catch (error) {
        return { ok: false, slot: null, error: message(error) };
      }
    },
  };
}

export function ipfsProbe(apiUrl: string, timeoutMs: number): DependencyProbe {
  const url = `${apiUrl.replace(/\/+$/, "")}/api/v0/id`;
  return {
    async check() {
      try {
        const response = await fetch(url, { method: "POST", signal: AbortSignal.timeout(timeoutMs) });
        await response.arrayBuffer();
        return response.ok ? { ok: true } : { ok: false, error: `/api/v0/id answered HTTP ${response.status}` };
      } catch (error) {
        return { ok: false, error: message(error) };
      }
    },
  };
}
