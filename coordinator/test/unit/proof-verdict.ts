import { expect } from "chai";

import {
  backoffDelay,
  describeVerdict,
  type ProofVerdict,
  ProofVerdictError,
  reliabilityEffect,
  type RetryPolicy,
  transientFailure,
} from "../../src/domain/proof-verdict";

const POLICY: RetryPolicy = { baseDelayMs: 5_000, maxDelayMs: 60_000, maxAttempts: 6 };

describe("proof verdicts: backoff, the last attempt, reliability", () => {
  it("the n-th transient failure waits base × 2^(n−1), capped at maxDelay", () => {
    expect([1, 2, 3, 4, 5, 6, 60, 2_000].map((attempt) => backoffDelay(attempt, POLICY))).to.deep.equal([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000, 60_000,
    ]);
  });

  it("a transient failure before the last attempt is a retry at now + backoff", () => {
    expect(transientFailure("fetch-timeout", "slow", 2, 1_000, POLICY)).to.deep.equal({
      outcome: "retry",
      reason: "fetch-timeout",
      detail: "slow",
      attempt: 2,
      nextAt: 11_000,
    });
  });

  it("the maxAttempts-th is final: fetch-failed for fetch reasons, evaluation-failed for the evaluator's", () => {
    expect(transientFailure("ipfs-unavailable", "refused", 6, 0, POLICY)).to.deep.equal({
      outcome: "rejected",
      reason: "fetch-failed",
      after: "ipfs-unavailable",
      attempt: 6,
      detail: "gave up after 6 attempts; the last: ipfs-unavailable: refused",
    });
    expect(transientFailure("evaluation-error", "crashed", 1, 0, { ...POLICY, maxAttempts: 1 })).to.deep.include({
      reason: "evaluation-failed",
      detail: "gave up after 1 attempt; the last: evaluation-error: crashed",
    });
  });

  it("error: a policy or attempt that cannot schedule is refused with a code", () => {
    expect(() => backoffDelay(0, POLICY))
      .to.throw(ProofVerdictError)
      .with.property("code", "INVALID_ATTEMPT");
    expect(() => backoffDelay(1, { ...POLICY, maxDelayMs: 1 }))
      .to.throw(ProofVerdictError)
      .with.property("code", "INVALID_RETRY_POLICY");
    expect(() => backoffDelay(1, { ...POLICY, maxAttempts: 0 }))
      .to.throw(ProofVerdictError)
      .with.property("code", "INVALID_RETRY_POLICY");
  });

  it("only the node's own failures count against it; the coordinator's count neither way", () => {
    const rejected = (reason: string, after?: string) => ({ outcome: "rejected", reason, after, attempt: 1, detail: "" }) as ProofVerdict;
    expect(reliabilityEffect({ outcome: "verified", sha256: "", bytes: 1, metrics: { reevaluated: false, why: "" } })).to.equal("verified");
    for (const reason of ["hash-mismatch", "not-found", "too-large", "metrics-do-not-reproduce"]) {
      expect(reliabilityEffect(rejected(reason)), reason).to.equal("rejected");
    }
    expect(reliabilityEffect(rejected("fetch-failed", "fetch-timeout")), "the node's content never arrived").to.equal("rejected");
    expect(reliabilityEffect(rejected("fetch-failed", "ipfs-unavailable")), "our IPFS was down").to.equal("none");
    expect(reliabilityEffect(rejected("evaluation-failed", "evaluation-error")), "our evaluator failed").to.equal("none");
    expect(reliabilityEffect({ outcome: "retry", reason: "fetch-timeout", detail: "", attempt: 1, nextAt: 0 })).to.equal("none");
  });

  it("describes a verified proof with what was and was not checked", () => {
    const sha = "ab".repeat(32);
    expect(
      describeVerdict({
        outcome: "verified",
        sha256: sha,
        bytes: 9,
        metrics: { reevaluated: true, evaluator: "k", metrics: { loss: 0.5 } },
      }),
    ).to.equal(`weights fetched (9 bytes), sha256 ${sha} matches the report; metrics re-evaluated by k: {"loss":0.5}`);
  });
});
