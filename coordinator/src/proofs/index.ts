/** The proof check of reported weights: IPFS reads under limits, sha256, metric re-evaluation. */
import { CoordinatorConfig } from "../config";
import { MetricEvaluatorRegistry } from "./evaluators";
import { IpfsReader, KuboIpfs } from "./ipfs";
import { ProofVerifier } from "./verifier";

export * from "./errors";
export * from "./ipfs";
export * from "./read";
export * from "./evaluators";
export * from "./verifier";

/** The verifier `config` describes: kubo at config.ipfs.apiUrl unless another reader is given. */
export function proofVerifierFor(
  config: Pick<CoordinatorConfig, "ipfs" | "verification">,
  options: { evaluators?: MetricEvaluatorRegistry; ipfs?: IpfsReader; clock?: () => number } = {},
): ProofVerifier {
  return new ProofVerifier({
    ipfs: options.ipfs ?? new KuboIpfs(config.ipfs.apiUrl),
    limits: { timeoutMs: config.ipfs.fetchTimeoutMs, maxBytes: config.ipfs.maxProofBytes },
    retry: {
      baseDelayMs: config.verification.retryBaseMs,
      maxDelayMs: config.verification.retryMaxMs,
      maxAttempts: config.verification.maxAttempts,
    },
    evaluators: options.evaluators ?? new MetricEvaluatorRegistry(),
    evaluationTimeoutMs: config.verification.evaluationTimeoutMs,
    clock: options.clock,
  });
}
