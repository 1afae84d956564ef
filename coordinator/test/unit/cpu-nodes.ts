/** The CPU class and memory at MiB granularity: a CPU node gets the tiny jobs it can hold. */
import { expect } from "chai";

import { createGpuCatalogue, nodeClassFor, nodeClassOf } from "../../src/domain/gpu";
import { ceilToMib, hardwareMisfit, normaliseRequirements } from "../../src/domain/requirements";
import { estimateWorkload } from "../../src/domain/workload";
import { catalogue, jobSubmission, nodeRegistration } from "../harness/fixtures";
import { MatchWorld } from "../harness/match-world";

/** The demo MLP: a few thousand parameters, 500 samples, 20 epochs. */
const TOY = estimateWorkload({ modelParameters: 4_000, dataset: { kind: "samples", samples: 500 }, epochs: 20 });

describe("CPU nodes: class", () => {
  it("a CPU node is tier1 whatever memory it declares; a GPU's class is its VRAM tier", () => {
    for (const gb of [0, 2, 4, 6, 16, 64]) expect(nodeClassFor("CPU", gb)).to.equal("tier1", `${gb} GB`);
    expect(nodeClassFor("cpu", 16)).to.equal("tier1");
    expect(nodeClassFor("RTX_3060", 12)).to.equal(nodeClassOf(12)).and.to.equal("tier3");
    expect(nodeClassFor("GTX_1650", 4)).to.equal("tier1");
  });

  it("the catalogue's CPU is tier1 and the cheapest class (multiplier below every card's)", () => {
    const cpu = catalogue.get("CPU");
    expect(cpu.nodeClass).to.equal("tier1");
    for (const model of catalogue.models().filter((m) => m !== "CPU")) {
      expect(catalogue.get(model).multiplierMilli > cpu.multiplierMilli).to.equal(true, model);
    }
  });

  it("a config that gives CPU a nominal memory keeps it tier1", () => {
    expect(createGpuCatalogue({ CPU: { multiplier: 0.1, vramGb: 32 } }).get("CPU").nodeClass).to.equal("tier1");
  });
});

describe("requirements: memory at MiB granularity", () => {
  it("rounds a client's minimum up to the MiB", () => {
    expect(ceilToMib(0)).to.equal(0);
    expect(ceilToMib(8)).to.equal(8);
    expect(ceilToMib(0.0001)).to.equal(1 / 1024);
    expect(ceilToMib(1 / 1024)).to.equal(1 / 1024);
    expect(ceilToMib(1.5)).to.equal(1.5);
    expect(ceilToMib(1.5 + 1e-9)).to.equal(1.5 + 1 / 1024);
  });

  it("requirements within one MiB have the same key", () => {
    expect(normaliseRequirements({ minVramGb: 0.0002 }).key).to.equal(normaliseRequirements({ minVramGb: 0.0009 }).key);
    expect(normaliseRequirements({ minVramGb: 0.0002 }).minVramGb).to.equal(1 / 1024);
    expect(normaliseRequirements({ minVramGb: 0.5 }).key).to.not.equal(normaliseRequirements({ minVramGb: 0.0009 }).key);
  });

  it("refuses a negative or non-finite minimum", () => {
    expect(() => normaliseRequirements({ minVramGb: -1 })).to.throw(/minVramGb/);
    expect(() => normaliseRequirements({ minVramGb: Number.NaN })).to.throw(/minVramGb/);
  });

  it("a 2 GB CPU node fits a toy job, not a 3 GB one; a 0 GB CPU node fits nothing", () => {
    const cpu = (vramGb: number) => ({ gpuModel: "CPU", vramGb, nodeClass: nodeClassFor("CPU", vramGb) });
    expect(TOY.minVramGb).to.equal(1 / 1024);
    expect(hardwareMisfit(cpu(2), normaliseRequirements({ minVramGb: TOY.minVramGb }))).to.equal(null);
    expect(hardwareMisfit(cpu(2), normaliseRequirements({ minVramGb: 3 }))).to.equal("vram-too-small");
    expect(hardwareMisfit(cpu(0), normaliseRequirements({ minVramGb: TOY.minVramGb }))).to.equal("vram-too-small");
  });
});

describe("matcher: a CPU node gets a tiny job", () => {
  const tiny = (jobId: string, overrides = {}) =>
    jobSubmission(jobId, { requirements: { minVramGb: TOY.minVramGb }, gpuMicroHours: TOY.gpuMicroHours, ...overrides });

  it("assigns the toy job to the only node, a 2 GB CPU node", () => {
    const world = new MatchWorld();
    const node = nodeRegistration("cpu-2gb", { gpuModel: "CPU", vramGb: 2 });
    world.register(node);
    world.enqueue(tiny("toy"));
    expect(world.round(0).map((a) => [a.jobId, a.nodeId])).to.deep.equal([["toy", node.nodeId]]);
  });

  it("does not assign a job that needs more memory than the CPU node declares", () => {
    const world = new MatchWorld();
    world.register(nodeRegistration("cpu-2gb", { gpuModel: "CPU", vramGb: 2 }));
    world.enqueue(tiny("big", { requirements: { minVramGb: 2.5 } }));
    expect(world.round(0)).to.deep.equal([]);
  });

  it("a job asking for tier3 does not go to a CPU node declaring 16 GB", () => {
    const world = new MatchWorld();
    world.register(nodeRegistration("cpu-16gb", { gpuModel: "CPU", vramGb: 16 }));
    world.enqueue(tiny("gpu-only", { requirements: { minVramGb: TOY.minVramGb, nodeClasses: ["tier3"] } }));
    expect(world.round(0)).to.deep.equal([]);
  });
});
