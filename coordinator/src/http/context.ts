/** Everything a route needs, built once by service.ts. */
import { CoordinatorConfig } from "../config";
import { GpuCatalogue } from "../domain/gpu";
import { MatcherConfig } from "../domain/matcher";
import { PricingConfig } from "../domain/pricing";
import { Logger } from "../logger";
import { Store } from "../store";
import { ApiMetrics } from "./metrics";
import { Clock, DependencyProbe, EscrowVerifier, ProbeResult, RpcProbeResult } from "./ports";
import { RedisProbeResult } from "./probes";
import { Schemas } from "./schemas";

export interface HealthProbes {
  readonly redis: DependencyProbe<RedisProbeResult>;
  readonly rpc: DependencyProbe<RpcProbeResult>;
  readonly ipfs: DependencyProbe<ProbeResult>;
}

export interface ApiContext {
  readonly config: CoordinatorConfig;
  readonly store: Store;
  readonly log: Logger;
  readonly clock: Clock;
  readonly metrics: ApiMetrics;
  readonly escrowVerifier: EscrowVerifier;
  readonly probes: HealthProbes;
  readonly catalogue: GpuCatalogue;
  readonly pricing: PricingConfig;
  /** Queue ageing and node scoring (domain/matcher.ts). */
  readonly matcher: MatcherConfig;
  readonly schemas: Schemas;
  /** The OpenAPI document served at GET /openapi.yaml. */
  readonly openapi: string;
  /** How long a submission's idempotency record answers retries. */
  readonly idempotencyTtlMs: number;
}
