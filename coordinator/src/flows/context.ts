/**
 * What the flows work with, built once by the composition root (service.ts): the
 * store, the ports (../ports.ts), the config and the clock. Each flow asks for the
 * part it needs with `Pick<FlowContext, ...>`, so a route's ApiContext or a loop's
 * deps can be passed as they are.
 */
import type { CoordinatorConfig } from "../config";
import type { GpuCatalogue } from "../domain/gpu";
import type { MatcherConfig } from "../domain/matcher";
import type { PricingConfig } from "../domain/pricing";
import type { Logger } from "../logger";
import type { Clock, EscrowActions, EscrowRef, EscrowVerifier } from "../ports";
import type { Store } from "../store";
import type { StoredJob } from "../store/job-codec";

export interface FlowContext {
  readonly config: CoordinatorConfig;
  readonly store: Store;
  readonly log: Logger;
  readonly clock: Clock;
  readonly escrowVerifier: EscrowVerifier;
  readonly escrowActions: EscrowActions;
  readonly catalogue: GpuCatalogue;
  /** Queue ageing and node scoring (domain/matcher.ts). */
  readonly matcher: MatcherConfig;
  readonly pricing: PricingConfig;
  /** How long a submission's idempotency record answers retries. */
  readonly idempotencyTtlMs: number;
}

/** The escrow of a stored job, as the escrow actions take it. */
export function escrowRefOf(job: StoredJob): EscrowRef {
  return { jobId: job.jobId, escrow: job.escrow, payer: job.client };
}
