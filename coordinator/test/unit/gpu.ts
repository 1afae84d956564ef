import { expect } from "chai";

import { createGpuCatalogue, GpuError, nodeClassOf, normaliseGpuModel } from "../../src/domain/gpu";

describe("GPU catalogue", () => {
  const catalogue = createGpuCatalogue();

  it("has the issue's multipliers: RTX_3060 1.0, RTX_3080 1.5, RTX_4090 3.0, A100 5.0", () => {
    const multipliers = ["RTX_3060", "RTX_3080", "RTX_4090", "A100"].map((model) => catalogue.get(model).multiplier);
    expect(multipliers).to.deep.equal([1.0, 1.5, 3.0, 5.0]);
  });

  it("has RTX_3090 2.0, A10 2.0, H100 8.0 and CPU 0.1 for development", () => {
    const multipliers = ["RTX_3090", "A10", "H100", "CPU"].map((model) => catalogue.get(model).multiplier);
    expect(multipliers).to.deep.equal([2.0, 2.0, 8.0, 0.1]);
  });

  it("carries multipliers exactly in thousandths", () => {
    expect(catalogue.get("RTX_3080").multiplierMilli).to.equal(1_500n);
    expect(catalogue.get("CPU").multiplierMilli).to.equal(100n);
  });

  it("classes each model by its nominal VRAM", () => {
    expect(catalogue.get("GTX_1650").nodeClass).to.equal("tier1");
    expect(catalogue.get("RTX_2060").nodeClass).to.equal("tier2");
    expect(catalogue.get("RTX_3060").nodeClass).to.equal("tier3");
    expect(catalogue.get("RTX_4090").nodeClass).to.equal("tier4");
  });

  it("finds a model under any spelling of its name", () => {
    expect(catalogue.get("rtx 4090").model).to.equal("RTX_4090");
    expect(catalogue.get("Rtx-3080").model).to.equal("RTX_3080");
  });

  it("error: an unknown model is UNKNOWN_GPU_MODEL", () => {
    expect(() => catalogue.get("VOODOO_2"))
      .to.throw(GpuError)
      .with.property("code", "UNKNOWN_GPU_MODEL");
    expect(catalogue.has("VOODOO_2")).to.equal(false);
  });

  it("config replaces a default row and adds new models", () => {
    const merged = createGpuCatalogue({ RTX_4090: { multiplier: 2.5, vramGb: 24 }, l40s: { multiplier: 4, vramGb: 48 } });
    expect(merged.get("RTX_4090").multiplier).to.equal(2.5);
    expect(merged.get("L40S")).to.include({ multiplier: 4, vramGb: 48, nodeClass: "tier4" });
    expect(merged.get("A100").multiplier).to.equal(5.0);
  });

  it("config does not change the default table for other catalogues", () => {
    createGpuCatalogue({ A100: { multiplier: 9, vramGb: 80 } });
    expect(createGpuCatalogue().get("A100").multiplier).to.equal(5.0);
  });

  for (const [name, entry] of [
    ["zero multiplier", { multiplier: 0, vramGb: 8 }],
    ["negative multiplier", { multiplier: -1, vramGb: 8 }],
    ["multiplier finer than thousandths", { multiplier: 1.0005, vramGb: 8 }],
  ] as const) {
    it(`error: config with a ${name} is INVALID_MULTIPLIER`, () => {
      expect(() => createGpuCatalogue({ X1: entry }))
        .to.throw(GpuError)
        .with.property("code", "INVALID_MULTIPLIER");
    });
  }

  it("error: config with negative VRAM is INVALID_VRAM", () => {
    expect(() => createGpuCatalogue({ X1: { multiplier: 1, vramGb: -4 } }))
      .to.throw(GpuError)
      .with.property("code", "INVALID_VRAM");
  });

  it("error: a model name that is not an identifier is INVALID_GPU_MODEL", () => {
    expect(() => normaliseGpuModel("4090!"))
      .to.throw(GpuError)
      .with.property("code", "INVALID_GPU_MODEL");
  });
});

describe("node classes (VRAM tiers)", () => {
  // Upper bounds inclusive, lower bounds exclusive.
  const boundaries: [number, string][] = [
    [0, "tier1"],
    [2, "tier1"],
    [4, "tier1"],
    [4.001, "tier2"],
    [6, "tier2"],
    [8, "tier2"],
    [8.001, "tier3"],
    [12, "tier3"],
    [22, "tier3"],
    [22.001, "tier4"],
    [24, "tier4"],
    [80, "tier4"],
  ];
  for (const [vramGb, tier] of boundaries) {
    it(`${vramGb} GB is ${tier}`, () => {
      expect(nodeClassOf(vramGb)).to.equal(tier);
    });
  }

  for (const vramGb of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`error: ${vramGb} GB has no tier (INVALID_VRAM)`, () => {
      expect(() => nodeClassOf(vramGb))
        .to.throw(GpuError)
        .with.property("code", "INVALID_VRAM");
    });
  }
});
