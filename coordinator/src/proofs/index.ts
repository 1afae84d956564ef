/** The proof check of reported weights: IPFS reads under limits, sha256, metric re-evaluation. */
import type { CoordinatorConfig } from "../config";
import { MetricEvaluatorRegistry } from "./evaluators";
import { type IpfsReader, KuboIpfs, type ReadLimits } from "@cyxwiz/protocol/ipfs";
import { ProofVerifier } from "./verifier";
import type { RetryPolicy } from "../domain/proof-verdict";

export * from "./errors";
export * from "@cyxwiz/protocol/ipfs";
export * from "./evaluators";
export * from "./verifier";

/** The IPFS read limits of `config`: proofs and checkpoints alike. */
export function readLimitsOf(config: Pick<CoordinatorConfig, "ipfs">): ReadLimits {
  return { timeoutMs: config.ipfs.fetchTimeoutMs, maxBytes: config.ipfs.maxProofBytes };
}

/** The backoff of transient read failures in `config`: proofs and checkpoints alike. */
export function retryPolicyOf(config: Pick<CoordinatorConfig, "verification">): RetryPolicy {
  return {
    baseDelayMs: config.verification.retryBaseMs,
    maxDelayMs: config.verification.retryMaxMs,
    maxAttempts: config.verification.maxAttempts,
  };
}

/** The verifier `config` describes: kubo at config.ipfs.apiUrl unless another reader is given. */
export function proofVerifierFor(
  config: Pick<CoordinatorConfig, "ipfs" | "verification">,
  options: { evaluators?: MetricEvaluatorRegistry; ipfs?: IpfsReader; clock?: () => number } = {},
): ProofVerifier {
  return new ProofVerifier({
    ipfs: options.ipfs ?? new KuboIpfs(config.ipfs.apiUrl),
    limits: readLimitsOf(config),
    retry: retryPolicyOf(config),
    evaluators: options.evaluators ?? new MetricEvaluatorRegistry(),
    evaluationTimeoutMs: config.verification.evaluationTimeoutMs,
    clock: options.clock,
  });
}
