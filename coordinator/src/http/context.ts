/** Everything a route needs, built once by service.ts: the flows' context and the HTTP layer's own parts. */
import type { FlowContext } from "../flows/context";
import type { ApiMetrics } from "./metrics";
import type { RedisProbeResult } from "./probes";
import type { Schemas } from "./schemas";

export interface ProbeResult {
  readonly ok: boolean;
  readonly error?: string;
}

export interface RpcProbeResult extends ProbeResult {
  readonly slot: number | null;
}

/** A dependency /health asks about, for real, on every call. */
export interface DependencyProbe<Result extends ProbeResult = ProbeResult> {
  check(): Promise<Result>;
}

export interface HealthProbes {
  readonly redis: DependencyProbe<RedisProbeResult>;
  readonly rpc: DependencyProbe<RpcProbeResult>;
  readonly ipfs: DependencyProbe<ProbeResult>;
}

export interface ApiContext extends FlowContext {
  readonly metrics: ApiMetrics;
  readonly probes: HealthProbes;
  readonly schemas: Schemas;
  /** The OpenAPI document served at GET /openapi.yaml. */
  readonly openapi: string;
}
