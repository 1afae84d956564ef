import { expect } from "chai";

import type { JobDemand } from "../../src/domain/matcher";
import { jobSubmission, nodeRegistration, walletId } from "../harness/fixtures";
import { MatchWorld } from "../harness/match-world";

/** One GPU-hour, 8 GB, any GPU, a budget of 1 000 per GPU-hour. */
const DEMAND: JobDemand = { requirements: { minVramGb: 8 }, maxPrice: 1_000n, gpuMicroHours: 1_000_000n };

describe("matcher: explain", () => {
  let world: MatchWorld;
  beforeEach(() => {
    world = new MatchWorld();
  });

  it("lists the free fitting node as available, with its cost for the job", () => {
    world.register(nodeRegistration("n", { priceFloor: 400n }));
    const explanation = world.explain(DEMAND);
    expect(explanation).to.include({ verdict: "available", eligible: 1, availableNow: 1 });
    expect(explanation.candidates[0]).to.include({ nodeId: walletId("n"), state: "online", nodeCost: 400n });
  });

  it("vram-too-small: a node with less VRAM than required", () => {
    world.register(nodeRegistration("small", { gpuModel: "RTX_2060", vramGb: 6 }));
    const explanation = world.explain(DEMAND);
    expect(explanation.verdict).to.equal("no-eligible-node");
    expect(explanation.counts["vram-too-small"]).to.equal(1);
    expect(explanation.reasons.join("\n")).to.contain("less VRAM than the 8 GB required");
  });

  it("gpu-not-allowed: a node whose model the job does not allow", () => {
    world.register(nodeRegistration("rtx"));
    const explanation = world.explain({ ...DEMAND, requirements: { minVramGb: 8, gpuModels: ["A100"] } });
    expect(explanation.counts["gpu-not-allowed"]).to.equal(1);
    expect(explanation.reasons.join("\n")).to.contain("models A100");
  });

  it("gpu-not-allowed: a node whose class the job does not allow", () => {
    world.register(nodeRegistration("rtx"));
    const explanation = world.explain({ ...DEMAND, requirements: { minVramGb: 8, nodeClasses: ["tier4"] } });
    expect(explanation.countsByClass.tier3["gpu-not-allowed"]).to.equal(1);
    expect(explanation.reasons.join("\n")).to.contain("classes tier4");
  });

  it("price-above-budget: a node whose floor exceeds what the budget allows per GPU-hour", () => {
    world.register(nodeRegistration("dear", { priceFloor: 1_500n }));
    world.register(nodeRegistration("dearer", { priceFloor: 3_000n }));
    const explanation = world.explain(DEMAND);
    expect(explanation.counts["price-above-budget"]).to.equal(2);
    expect(explanation.affordablePriceFloor).to.equal(1_000n);
    expect(explanation.reasons.join("\n")).to.contain("allows 1000 per GPU-hour, the cheapest of them asks 1500");
  });

  it("excluded: a node that already failed the job", () => {
    world.register(nodeRegistration("failed"));
    const explanation = world.explain({ ...DEMAND, excludedNodes: [walletId("failed")] });
    expect(explanation.counts.excluded).to.equal(1);
    expect(explanation.verdict).to.equal("no-eligible-node");
  });

  it("eligible-nodes-busy: every eligible node is busy, with the queue depth", () => {
    world.register(nodeRegistration("n"));
    world.enqueue(jobSubmission("running"));
    world.round(0);
    world.enqueue(jobSubmission("waiting"));
    const explanation = world.explain(DEMAND);
    expect(explanation).to.include({ verdict: "eligible-nodes-busy", eligible: 1, availableNow: 0, queueDepth: 1 });
    expect(explanation.candidates[0].state).to.equal("busy");
    expect(explanation.reasons.join("\n")).to.contain("eligible but busy (1 jobs queued)");
  });

  it("eligible-nodes-offline: every eligible node is offline", () => {
    world.register(nodeRegistration("n"));
    world.offline(walletId("n"));
    expect(world.explain(DEMAND).verdict).to.equal("eligible-nodes-offline");
  });

  it("gives each node only its first reason, in order: GPU, VRAM, exclusion, price, state", () => {
    // Too small and too dear: counted as VRAM only.
    world.register(nodeRegistration("small-dear", { gpuModel: "RTX_2060", vramGb: 6, priceFloor: 9_999n }));
    // Wrong model and too small: counted as GPU only.
    world.register(nodeRegistration("cpu", { gpuModel: "CPU", vramGb: 0 }));
    // Too dear and offline: counted as price only.
    world.register(nodeRegistration("dear-offline", { priceFloor: 9_999n }));
    world.offline(walletId("dear-offline"));
    const { counts } = world.explain({ ...DEMAND, requirements: { minVramGb: 8, gpuModels: ["RTX_2060", "RTX_3060"] } });
    expect(counts).to.deep.equal({
      "gpu-not-allowed": 1,
      "vram-too-small": 1,
      excluded: 0,
      "price-above-budget": 1,
      offline: 0,
      busy: 0,
      available: 0,
    });
  });

  it("counts verdicts per node class", () => {
    world.register(nodeRegistration("t1", { gpuModel: "GTX_1650", vramGb: 4 }));
    world.register(nodeRegistration("t3", { gpuModel: "RTX_3060", vramGb: 12 }));
    world.register(nodeRegistration("t4", { gpuModel: "A100", vramGb: 80 }));
    const { countsByClass } = world.explain(DEMAND);
    expect(countsByClass.tier1["vram-too-small"]).to.equal(1);
    expect(countsByClass.tier3.available).to.equal(1);
    expect(countsByClass.tier4.available).to.equal(1);
    expect(countsByClass.tier2.available).to.equal(0);
  });

  it("orders candidates free first, then by score", () => {
    world.register(nodeRegistration("busy", { reliability: 1 }));
    world.enqueue(jobSubmission("occupier", { requirements: { minVramGb: 8, gpuModels: ["RTX_3060"] } }));
    world.round(0);
    world.register(nodeRegistration("ok", { reliability: 0.5 }));
    world.register(nodeRegistration("good", { reliability: 0.9 }));
    const order = world.explain(DEMAND).candidates.map((candidate) => candidate.nodeId);
    expect(order).to.deep.equal([walletId("good"), walletId("ok"), walletId("busy")]);
  });

  it("no registered node at all is said so", () => {
    expect(world.explain(DEMAND).reasons).to.deep.equal(["no node is registered"]);
  });

  it("changes nothing: the node stays free and nothing is assigned", () => {
    world.register(nodeRegistration("n"));
    world.explain(DEMAND);
    expect(world.node(walletId("n"))?.state).to.equal("online");
    expect(world.freeNodes).to.equal(1);
  });
});
