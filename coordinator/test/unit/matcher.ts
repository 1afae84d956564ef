import { expect } from "chai";

import { type Assignment, DEFAULT_MATCHER_CONFIG } from "../../src/domain/matcher";
import { nodeCost } from "../../src/domain/node-score";
import { effectivePriority } from "../../src/domain/priority";
import { jobSubmission, nodeRegistration, walletId } from "../harness/fixtures";
import { MatchWorld, pairs } from "../harness/match-world";

const STEP = DEFAULT_MATCHER_CONFIG.agingStepMs;

describe("matcher: order", () => {
  let world: MatchWorld;
  beforeEach(() => {
    world = new MatchWorld();
    world.register(nodeRegistration("only"));
  });

  it("gives the free node to the highest priority: critical before high before normal", () => {
    world.enqueue(jobSubmission("normal", { priority: "normal" }));
    world.enqueue(jobSubmission("high", { priority: "high" }));
    world.enqueue(jobSubmission("critical", { priority: "critical" }));
    expect(world.round(0).map((a) => a.jobId)).to.deep.equal(["critical"]);
  });

  it("serves equal priorities first come, first served", () => {
    world.enqueue(jobSubmission("second", { submittedAt: 2 }));
    world.enqueue(jobSubmission("first", { submittedAt: 1 }));
    expect(world.round(10).map((a) => a.jobId)).to.deep.equal(["first"]);
  });

  it("serves equal priorities submitted at the same instant in order of entry", () => {
    world.enqueue(jobSubmission("entered-first", { submittedAt: 5 }));
    world.enqueue(jobSubmission("entered-second", { submittedAt: 5 }));
    expect(world.round(10).map((a) => a.jobId)).to.deep.equal(["entered-first"]);
  });

  it("ageing: a normal job that has waited 2 × agingStepMs beats a fresh critical job", () => {
    world.enqueue(jobSubmission("old-normal", { priority: "normal", submittedAt: 0 }));
    world.enqueue(jobSubmission("fresh-critical", { priority: "critical", submittedAt: 2 * STEP }));
    expect(world.round(2 * STEP).map((a) => a.jobId)).to.deep.equal(["old-normal"]);
  });

  it("ageing: a normal job that has waited 1 ms less than 2 × agingStepMs still yields to a fresh critical job", () => {
    world.enqueue(jobSubmission("old-normal", { priority: "normal", submittedAt: 0 }));
    world.enqueue(jobSubmission("fresh-critical", { priority: "critical", submittedAt: 2 * STEP - 1 }));
    expect(world.round(2 * STEP - 1).map((a) => a.jobId)).to.deep.equal(["fresh-critical"]);
  });

  it("ageing: a high job that has waited agingStepMs beats a fresh critical job", () => {
    world.enqueue(jobSubmission("old-high", { priority: "high", submittedAt: 0 }));
    world.enqueue(jobSubmission("fresh-critical", { priority: "critical", submittedAt: STEP }));
    expect(world.round(STEP).map((a) => a.jobId)).to.deep.equal(["old-high"]);
  });

  it("nothing starves: a normal job behind a steady stream of critical jobs is served within 2 × agingStepMs", () => {
    world.enqueue(jobSubmission("patient", { priority: "normal", submittedAt: 0 }));
    const served: string[] = [];
    // One node, one fresh critical job every tenth of a step, one slot per tenth of a step.
    for (let tick = 0; tick <= 25 && !served.includes("patient"); tick += 1) {
      const now = (tick * STEP) / 10;
      world.enqueue(jobSubmission(`critical-${tick}`, { priority: "critical", submittedAt: now }));
      for (const assignment of world.round(now)) {
        served.push(assignment.jobId);
        world.finish(assignment.jobId);
      }
    }
    // Ticks 0..19 serve the critical jobs; at tick 20 (2 × agingStepMs) the patient job ties and, older, wins.
    expect(served.indexOf("patient")).to.equal(20);
  });

  it("effective priority is the weight plus one level per agingStepMs waited", () => {
    expect(effectivePriority("high", 1_000, 1_000, STEP)).to.equal(2);
    expect(effectivePriority("high", 1_000, 1_000 + STEP / 2, STEP)).to.equal(2.5);
    expect(effectivePriority("high", 1_000, 1_000 + 3 * STEP, STEP)).to.equal(5);
  });

  it("reports the effective priority of each assignment", () => {
    world.enqueue(jobSubmission("j", { priority: "critical", submittedAt: 0 }));
    expect(world.round(STEP)[0].effectivePriority).to.equal(4);
  });

  it("a job that fits no node does not hold back the jobs behind it", () => {
    world.enqueue(jobSubmission("too-big", { priority: "critical", requirements: { minVramGb: 80 } }));
    world.enqueue(jobSubmission("small", { priority: "normal" }));
    expect(world.round(0).map((a) => a.jobId)).to.deep.equal(["small"]);
    expect(world.last.unmatched).to.deep.equal([{ jobId: "too-big", reason: "no-fitting-node" }]);
    expect(world.job("too-big")?.state).to.equal("queued");
  });
});

describe("matcher: one job per node", () => {
  let world: MatchWorld;
  beforeEach(() => {
    world = new MatchWorld();
    for (const label of ["a", "b", "c"]) world.register(nodeRegistration(label));
    for (let i = 0; i < 10; i += 1) world.enqueue(jobSubmission(`job-${i}`, { submittedAt: i }));
  });

  it("assigns as many jobs as there are free nodes, each to a different node", () => {
    const assignments = world.round(100);
    expect(assignments.map((a) => a.jobId)).to.deep.equal(["job-0", "job-1", "job-2"]);
    expect(new Set(assignments.map((a) => a.nodeId)).size).to.equal(3);
  });

  it("a busy node gets nothing in the next round", () => {
    world.round(100);
    expect(world.round(101)).to.deep.equal([]);
    expect(world.freeNodes).to.equal(0);
    expect(world.last.unmatched.map((u) => u.reason)).to.deep.equal(Array(7).fill("no-free-node-left"));
  });

  it("a node whose job finished takes the next job", () => {
    const [first] = world.round(100);
    world.finish(first.jobId);
    expect(pairs(world.round(101))).to.deep.equal([["job-3", first.nodeId]]);
  });

  it("marks the node busy with the job and the job assigned to the node", () => {
    const [first] = world.round(100);
    expect(world.node(first.nodeId)).to.include({ state: "busy", jobId: first.jobId });
    expect(world.job(first.jobId)).to.include({ state: "assigned", nodeId: first.nodeId });
  });

  it("finishing a queued job takes it out of the queue", () => {
    expect(world.finish("job-9")).to.equal(true);
    expect(world.job("job-9")).to.equal(undefined);
    expect(world.queueDepth).to.equal(9);
    expect(world.finish("job-9")).to.equal(false);
  });
});

describe("matcher: fit", () => {
  let world: MatchWorld;
  beforeEach(() => {
    world = new MatchWorld();
  });

  it("skips a node with less VRAM than required", () => {
    world.register(nodeRegistration("small", { gpuModel: "RTX_2060", vramGb: 6 }));
    world.enqueue(jobSubmission("j", { requirements: { minVramGb: 8 } }));
    expect(world.round(0)).to.deep.equal([]);
  });

  it("takes a node with exactly the required VRAM", () => {
    world.register(nodeRegistration("exact", { gpuModel: "RTX_2060", vramGb: 8 }));
    world.enqueue(jobSubmission("j", { requirements: { minVramGb: 8 } }));
    expect(world.round(0)).to.have.length(1);
  });

  it("skips a node of a class the job does not allow", () => {
    world.register(nodeRegistration("tier3", { vramGb: 12 }));
    world.enqueue(jobSubmission("j", { requirements: { minVramGb: 8, nodeClasses: ["tier4"] } }));
    expect(world.round(0)).to.deep.equal([]);
  });

  it("skips a node whose GPU model the job does not allow", () => {
    world.register(nodeRegistration("rtx", { gpuModel: "RTX_4090", vramGb: 24 }));
    world.register(nodeRegistration("a100", { gpuModel: "A100", vramGb: 80 }));
    world.enqueue(jobSubmission("j", { requirements: { minVramGb: 8, gpuModels: ["a100"] } }));
    expect(pairs(world.round(0))).to.deep.equal([["j", walletId("a100")]]);
  });

  it("takes a node whose price floor for the job's hours is exactly the budget", () => {
    world.register(nodeRegistration("n", { priceFloor: 100n }));
    world.enqueue(jobSubmission("j", { gpuMicroHours: 1_500_000n, maxPrice: 150n }));
    const [assignment] = world.round(0);
    expect(assignment.nodeCost).to.equal(150n);
  });

  it("skips a node whose price floor for the job's hours is one unit over the budget", () => {
    world.register(nodeRegistration("n", { priceFloor: 100n }));
    world.enqueue(jobSubmission("j", { gpuMicroHours: 1_500_000n, maxPrice: 149n }));
    expect(world.round(0)).to.deep.equal([]);
  });

  it("rounds a node's cost up: 3 per hour for 0.333334 hours costs 2, not 1", () => {
    expect(nodeCost(3n, 333_334n)).to.equal(2n);
    world.register(nodeRegistration("n", { priceFloor: 3n }));
    world.enqueue(jobSubmission("j", { gpuMicroHours: 333_334n, maxPrice: 1n }));
    expect(world.round(0)).to.deep.equal([]);
  });

  it("skips a node the job excludes", () => {
    world.register(nodeRegistration("failed-before"));
    world.register(nodeRegistration("other", { reliability: 0.1, priceFloor: 900n }));
    world.enqueue(jobSubmission("j", { excludedNodes: [walletId("failed-before")] }));
    expect(pairs(world.round(0))).to.deep.equal([["j", walletId("other")]]);
  });

  it("a job whose exclusions left it unmatched does not stop a same-shaped job from matching in the round", () => {
    world.register(nodeRegistration("only"));
    world.enqueue(jobSubmission("excluding", { submittedAt: 0, excludedNodes: [walletId("only")] }));
    world.enqueue(jobSubmission("plain", { submittedAt: 1 }));
    expect(pairs(world.round(2))).to.deep.equal([["plain", walletId("only")]]);
  });

  it("a job with a bigger budget still matches after a same-shaped job with a smaller one did not", () => {
    world.register(nodeRegistration("n", { priceFloor: 500n }));
    world.enqueue(jobSubmission("poor", { submittedAt: 0, maxPrice: 100n }));
    world.enqueue(jobSubmission("rich", { submittedAt: 1, maxPrice: 1_000n }));
    expect(world.round(2).map((a) => a.jobId)).to.deep.equal(["rich"]);
  });

  it("skips an offline node and uses it again once it is back online", () => {
    world.register(nodeRegistration("n"));
    world.offline(walletId("n"));
    world.enqueue(jobSubmission("j"));
    expect(world.round(0)).to.deep.equal([]);
    world.online(walletId("n"));
    expect(pairs(world.round(1))).to.deep.equal([["j", walletId("n")]]);
  });
});

describe("matcher: choice", () => {
  let world: MatchWorld;
  beforeEach(() => {
    world = new MatchWorld();
  });

  it("prefers the card that fits over the biggest card at the same price and reliability", () => {
    world.register(nodeRegistration("a100", { gpuModel: "A100", vramGb: 80 }));
    world.register(nodeRegistration("rtx3060", { gpuModel: "RTX_3060", vramGb: 12 }));
    world.enqueue(jobSubmission("j", { requirements: { minVramGb: 8 } }));
    expect(world.round(0)[0].nodeId).to.equal(walletId("rtx3060"));
  });

  it("prefers a reliable, cheap, fitting node over a cheaper but unreliable big GPU", () => {
    world.register(nodeRegistration("flaky-h100", { gpuModel: "H100", vramGb: 80, priceFloor: 50n, reliability: 0.2 }));
    world.register(nodeRegistration("solid-3060", { priceFloor: 300n, reliability: 0.95 }));
    world.enqueue(jobSubmission("j"));
    expect(world.round(0)[0].nodeId).to.equal(walletId("solid-3060"));
  });

  it("prefers the cheaper of two equally reliable nodes of the same size", () => {
    world.register(nodeRegistration("dear", { priceFloor: 600n }));
    world.register(nodeRegistration("cheap", { priceFloor: 200n }));
    world.enqueue(jobSubmission("j"));
    expect(world.round(0)[0].nodeId).to.equal(walletId("cheap"));
  });

  it("prefers the more reliable of two nodes of the same size and price", () => {
    world.register(nodeRegistration("shaky", { reliability: 0.6 }));
    world.register(nodeRegistration("steady", { reliability: 0.99 }));
    world.enqueue(jobSubmission("j"));
    expect(world.round(0)[0].nodeId).to.equal(walletId("steady"));
  });

  it("follows reliability updates", () => {
    world.register(nodeRegistration("x", { reliability: 0.9 }));
    world.register(nodeRegistration("y", { reliability: 0.5 }));
    world.setReliability(walletId("y"), 1);
    world.setReliability(walletId("x"), 0.1);
    world.enqueue(jobSubmission("j"));
    expect(world.round(0)[0].nodeId).to.equal(walletId("y"));
  });

  it("scores 0.5 × reliability + 0.3 × price fit + 0.2 × size fit", () => {
    world.register(nodeRegistration("n", { priceFloor: 250n, reliability: 0.8, vramGb: 15 }));
    world.enqueue(jobSubmission("j", { maxPrice: 1_000n, requirements: { minVramGb: 7 } }));
    // 0.5 × 0.8 + 0.3 × (1 − 250/1000) + 0.2 × (1 + 7)/(1 + 15)
    expect(world.round(0)[0].score).to.be.closeTo(0.4 + 0.225 + 0.1, 1e-12);
  });

  it("a re-registration with a new price takes effect at once", () => {
    world.register(nodeRegistration("n", { priceFloor: 2_000n }));
    world.enqueue(jobSubmission("j", { maxPrice: 1_000n }));
    expect(world.round(0)).to.deep.equal([]);
    world.register(nodeRegistration("n", { priceFloor: 900n }));
    expect(world.round(1)).to.have.length(1);
  });
});

describe("matcher: returning jobs", () => {
  let world: MatchWorld;
  let first: Assignment;
  beforeEach(() => {
    world = new MatchWorld();
    world.register(nodeRegistration("best", { reliability: 0.99 }));
    world.register(nodeRegistration("second", { reliability: 0.7 }));
    world.enqueue(jobSubmission("j", { submittedAt: 0 }));
    [first] = world.round(0);
  });

  it("a node going offline hands back the job it held", () => {
    expect(first.nodeId).to.equal(walletId("best"));
    expect(world.offline(walletId("best"))).to.equal("j");
    expect(world.node(walletId("best"))?.state).to.equal("offline");
  });

  it("node-lost: the job goes back to the queue with one more attempt and the node excluded", () => {
    world.offline(walletId("best"));
    world.requeue("j", "node-lost");
    expect(world.job("j")).to.deep.include({ state: "queued", attempts: 1, excludedNodes: [walletId("best")] });
  });

  it("node-lost: the job goes to another node, never back to the lost one, even when it returns", () => {
    world.offline(walletId("best"));
    world.requeue("j", "node-lost");
    world.online(walletId("best"));
    expect(pairs(world.round(1))).to.deep.equal([["j", walletId("second")]]);
  });

  it("offer-expired: the node is excluded and free for other jobs, and no attempt is counted", () => {
    const job = world.requeue("j", "offer-expired");
    expect(job).to.deep.include({ attempts: 0, excludedNodes: [walletId("best")] });
    world.enqueue(jobSubmission("other", { submittedAt: 5 }));
    expect(pairs(world.round(10))).to.have.deep.members([
      ["j", walletId("second")],
      ["other", walletId("best")],
    ]);
  });

  it("a returned job keeps its place ahead of jobs submitted after it", () => {
    world.register(nodeRegistration("best-2", { reliability: 0.99 }));
    world.round(1); // nothing else queued: best-2 stays free
    world.enqueue(jobSubmission("newer", { submittedAt: 50 }));
    world.offline(walletId("best"));
    world.offline(walletId("second"));
    world.requeue("j", "node-lost");
    expect(world.round(60).map((a) => a.jobId)).to.deep.equal(["j"]);
  });
});
