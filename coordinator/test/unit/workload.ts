import { expect } from "chai";

import { DEFAULT_WORKLOAD_CONFIG, estimateWorkload, tokensPerEpoch, type Workload, WorkloadError } from "../../src/domain/workload";

/** 6 × 10^6 × 3 × 10^9 = 1.8 × 10^16 FLOPs = exactly one hour at 5 × 10^12 FLOP/s. */
const ONE_HOUR: Workload = { modelParameters: 1_000_000, dataset: { kind: "tokens", tokens: 3_000_000_000 }, epochs: 1 };

describe("workload estimate", () => {
  it("training FLOPs are 6 × parameters × tokens × epochs", () => {
    const estimate = estimateWorkload({ modelParameters: 7, dataset: { kind: "tokens", tokens: 11 }, epochs: 3 });
    expect(estimate.trainingFlops).to.equal(6n * 7n * 11n * 3n);
  });

  it("1.8e16 FLOPs at the reference 5e12 FLOP/s are exactly one GPU-hour", () => {
    const estimate = estimateWorkload(ONE_HOUR);
    expect(estimate.gpuMicroHours).to.equal(1_000_000n);
    expect(estimate.estimatedGpuHours).to.equal(1);
  });

  it("GPU-hours round up to the next micro-hour", () => {
    // 6e12 FLOPs = 1.2 s = 333.33… micro-hours.
    const estimate = estimateWorkload({ modelParameters: 1_000_000, dataset: { kind: "tokens", tokens: 1_000_000 }, epochs: 1 });
    expect(estimate.gpuMicroHours).to.equal(334n);
  });

  it("the smallest job is one micro-hour, never zero", () => {
    const estimate = estimateWorkload({ modelParameters: 1, dataset: { kind: "tokens", tokens: 1 }, epochs: 1 });
    expect(estimate.gpuMicroHours).to.equal(1n);
  });

  it("bytes count as ceil(bytes / bytesPerToken) tokens", () => {
    expect(tokensPerEpoch({ kind: "bytes", bytes: 4_000 })).to.equal(1_000n);
    expect(tokensPerEpoch({ kind: "bytes", bytes: 4_001 })).to.equal(1_001n);
  });

  it("samples count as samples × tokensPerSample, by default 256", () => {
    expect(tokensPerEpoch({ kind: "samples", samples: 10, tokensPerSample: 3 })).to.equal(30n);
    expect(tokensPerEpoch({ kind: "samples", samples: 10 })).to.equal(10n * BigInt(DEFAULT_WORKLOAD_CONFIG.defaultTokensPerSample));
  });

  it("minimum VRAM is 16 bytes per parameter, rounded up to the MiB, in GiB", () => {
    const gib = 1024 ** 3;
    const mib = 1024 ** 2;
    const at = (parameters: number) =>
      estimateWorkload({ modelParameters: parameters, dataset: { kind: "tokens", tokens: 1 }, epochs: 1 }).minVramGb;
    expect(at(gib / 16)).to.equal(1);
    expect(at(gib / 16 + 1)).to.equal(1 + 1 / 1024);
    expect(at(mib / 16)).to.equal(1 / 1024);
    expect(at(mib / 16 + 1)).to.equal(2 / 1024);
    // 7e9 × 16 B = 106 811.52 MiB → 106 812 MiB.
    expect(at(7_000_000_000)).to.equal(106_812 / 1024);
  });

  it("a toy job needs one MiB, not a whole GB: it fits a CPU node's few GB", () => {
    // The built-in MLP of the demos: a few thousand parameters.
    const toy = estimateWorkload({ modelParameters: 4_000, dataset: { kind: "samples", samples: 500 }, epochs: 20 });
    expect(toy.minVramGb).to.equal(1 / 1024);
    expect(toy.minVramGb).to.be.greaterThan(0);
    expect(toy.minVramGb).to.be.lessThan(2);
  });

  it("the minimum VRAM is a whole number of MiB and never decreases when parameters grow", () => {
    let previous = 0;
    for (const parameters of [1, 2, 65_535, 65_536, 65_537, 1_000_000, 67_108_864, 67_108_865, 123_456_789]) {
      const gb = estimateWorkload({ modelParameters: parameters, dataset: { kind: "tokens", tokens: 1 }, epochs: 1 }).minVramGb;
      expect(Number.isInteger(gb * 1024)).to.equal(true, `${parameters}: ${gb}`);
      expect(gb * 1024 * 1024 * 1024).to.be.at.least(parameters * 16, `${parameters}`);
      expect(gb).to.be.at.least(previous, `${parameters}`);
      previous = gb;
    }
  });

  it("is monotonic: more parameters, data or epochs never cost fewer GPU-hours", () => {
    const hours = (parameters: number, tokens: number, epochs: number) =>
      estimateWorkload({ modelParameters: parameters, dataset: { kind: "tokens", tokens }, epochs }).gpuMicroHours;
    const steps = [1, 2, 3, 10, 999, 1_000, 123_457, 10_000_000];
    for (let i = 1; i < steps.length; i += 1) {
      for (const base of steps) {
        expect(hours(steps[i], base, 2) >= hours(steps[i - 1], base, 2)).to.equal(true, `parameters ${steps[i]}`);
        expect(hours(base, steps[i], 2) >= hours(base, steps[i - 1], 2)).to.equal(true, `tokens ${steps[i]}`);
        expect(hours(base, 1_000, i + 1) >= hours(base, 1_000, i)).to.equal(true, `epochs ${i + 1}`);
      }
    }
  });

  for (const [name, workload] of [
    ["zero parameters", { ...ONE_HOUR, modelParameters: 0 }],
    ["fractional epochs", { ...ONE_HOUR, epochs: 1.5 }],
    ["negative bytes", { ...ONE_HOUR, dataset: { kind: "bytes", bytes: -1 } }],
    ["zero samples", { ...ONE_HOUR, dataset: { kind: "samples", samples: 0 } }],
    ["unsafe integer tokens", { ...ONE_HOUR, dataset: { kind: "tokens", tokens: 2 ** 60 } }],
  ] as [string, Workload][]) {
    it(`error: ${name} is INVALID_WORKLOAD`, () => {
      expect(() => estimateWorkload(workload))
        .to.throw(WorkloadError)
        .with.property("code", "INVALID_WORKLOAD");
    });
  }
});
