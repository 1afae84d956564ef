import { expect } from "chai";

import {
  DEFAULT_RELIABILITY_CONFIG,
  expectedHeartbeats,
  NO_FACTS,
  ReliabilityError,
  type ReliabilityFacts,
  reliabilityScore,
} from "../../src/domain/reliability";

const facts = (overrides: Partial<ReliabilityFacts>): ReliabilityFacts => ({ ...NO_FACTS, ...overrides });

describe("reliability score", () => {
  it("a new node with no observations is neutral: every part and the score are 0.5", () => {
    const { score, parts } = reliabilityScore(NO_FACTS);
    expect(parts).to.deep.equal({ uptime: 0.5, jobs: 0.5, proofs: 0.5, latency: 0.5 });
    expect(score).to.be.closeTo(0.5, 1e-12);
  });

  it("the weights sum to 1", () => {
    const { weights } = reliabilityScore(NO_FACTS);
    expect(weights.uptime + weights.jobs + weights.proofs + weights.latency).to.be.closeTo(1, 1e-12);
  });

  it("uptime is received over expected heartbeats, smoothed with 12 neutral beats", () => {
    const { parts } = reliabilityScore(facts({ heartbeatsExpected: 108, heartbeatsReceived: 100 }));
    expect(parts.uptime).to.be.closeTo((100 + 12 * 0.5) / (108 + 12), 1e-12);
  });

  it("uptime counts no more beats than were expected", () => {
    const { parts } = reliabilityScore(facts({ heartbeatsExpected: 100, heartbeatsReceived: 150 }));
    expect(parts.uptime).to.be.closeTo((100 + 6) / 112, 1e-12);
  });

  it("jobs part: kept jobs (accepted − abandoned) over accepted plus expired offers", () => {
    const { parts } = reliabilityScore(facts({ jobsAccepted: 10, jobsAbandoned: 2, offersExpired: 3 }));
    expect(parts.jobs).to.be.closeTo((8 + 2.5) / (13 + 5), 1e-12);
  });

  it("proofs part: verified over verified plus rejected", () => {
    const { parts } = reliabilityScore(facts({ proofsVerified: 9, proofsRejected: 1 }));
    expect(parts.proofs).to.be.closeTo((9 + 2.5) / (10 + 5), 1e-12);
  });

  it("latency part: 250 / (250 + mean ms), blended with 20 neutral samples", () => {
    const { parts } = reliabilityScore(facts({ meanHeartbeatLatencyMs: 250, latencySamples: 20 }));
    expect(parts.latency).to.be.closeTo((20 * 0.5 + 20 * 0.5) / 40, 1e-12);
    const fast = reliabilityScore(facts({ meanHeartbeatLatencyMs: 0, latencySamples: 60 })).parts.latency;
    expect(fast).to.be.closeTo((60 + 10) / 80, 1e-12);
  });

  it("the score is the weighted sum of the parts", () => {
    const { score, parts, weights } = reliabilityScore(
      facts({
        heartbeatsExpected: 500,
        heartbeatsReceived: 480,
        jobsAccepted: 4,
        proofsVerified: 4,
        latencySamples: 500,
        meanHeartbeatLatencyMs: 40,
      }),
    );
    const expected =
      weights.uptime * parts.uptime + weights.jobs * parts.jobs + weights.proofs * parts.proofs + weights.latency * parts.latency;
    expect(score).to.be.closeTo(expected, 1e-12);
  });

  it("a node with a long perfect record approaches 1", () => {
    const { score } = reliabilityScore(
      facts({
        heartbeatsExpected: 100_000,
        heartbeatsReceived: 100_000,
        jobsAccepted: 1_000,
        proofsVerified: 1_000,
        latencySamples: 100_000,
        meanHeartbeatLatencyMs: 0,
      }),
    );
    expect(score).to.be.greaterThan(0.99);
  });

  it("a node that abandons its jobs and fails its proofs falls below a new node", () => {
    const { score } = reliabilityScore(facts({ jobsAccepted: 10, jobsAbandoned: 8, proofsVerified: 1, proofsRejected: 5 }));
    expect(score).to.be.lessThan(reliabilityScore(NO_FACTS).score);
  });

  it("one rejected proof takes a new node's proofs part to 2.5/6, not to 0: smoothing damps early evidence", () => {
    const { parts } = reliabilityScore(facts({ proofsRejected: 1 }));
    expect(parts.proofs).to.be.closeTo(2.5 / 6, 1e-12);
  });

  it("more verified proofs never lower the score", () => {
    let previous = 0;
    for (let verified = 0; verified < 50; verified += 1) {
      const { score } = reliabilityScore(facts({ proofsVerified: verified, proofsRejected: 3 }));
      expect(score).to.be.at.least(previous);
      previous = score;
    }
  });

  it("expected heartbeats over a window are floor(window / interval)", () => {
    expect(expectedHeartbeats(60_000, 5_000)).to.equal(12);
    expect(expectedHeartbeats(64_999, 5_000)).to.equal(12);
  });

  it("error: more abandoned than accepted jobs is INVALID_FACTS", () => {
    expect(() => reliabilityScore(facts({ jobsAccepted: 1, jobsAbandoned: 2 })))
      .to.throw(ReliabilityError)
      .with.property("code", "INVALID_FACTS");
  });

  it("error: a negative or fractional count is INVALID_FACTS", () => {
    expect(() => reliabilityScore(facts({ proofsVerified: -1 })))
      .to.throw(ReliabilityError)
      .with.property("code", "INVALID_FACTS");
    expect(() => reliabilityScore(facts({ heartbeatsReceived: 1.5 })))
      .to.throw(ReliabilityError)
      .with.property("code", "INVALID_FACTS");
  });

  it("error: weights that do not sum to 1 are INVALID_RELIABILITY_CONFIG", () => {
    const config = { ...DEFAULT_RELIABILITY_CONFIG, weights: { uptime: 0.5, jobs: 0.5, proofs: 0.5, latency: 0 } };
    expect(() => reliabilityScore(NO_FACTS, config))
      .to.throw(ReliabilityError)
      .with.property("code", "INVALID_RELIABILITY_CONFIG");
  });
});
