import { expect } from "chai";

import { GpuError } from "../../src/domain/gpu";
import { Assignment, DEFAULT_MATCHER_CONFIG, JobSubmission, Matcher, MatcherError } from "../../src/domain/matcher";
import { NodePoolError } from "../../src/domain/node-pool";
import { nodeCost } from "../../src/domain/node-score";
import { catalogue, jobSubmission, nodeRegistration, walletId } from "./fixtures";

const STEP = DEFAULT_MATCHER_CONFIG.agingStepMs;

function pairs(assignments: readonly Assignment[]): [string, string][] {
  return assignments.map((assignment) => [assignment.jobId, assignment.nodeId]);
}

describe("matcher: order", () => {
  let matcher: Matcher;
  beforeEach(() => {
    matcher = new Matcher(catalogue);
    matcher.registerNode(nodeRegistration("only"));
  });

  it("gives the free node to the highest priority: critical before high before normal", () => {
    matcher.enqueue(jobSubmission("normal", { priority: "normal" }));
    matcher.enqueue(jobSubmission("high", { priority: "high" }));
    matcher.enqueue(jobSubmission("critical", { priority: "critical" }));
    expect(matcher.nextAssignments(0).map((a) => a.jobId)).to.deep.equal(["critical"]);
  });

  it("serves equal priorities first come, first served", () => {
    matcher.enqueue(jobSubmission("second", { submittedAt: 2 }));
    matcher.enqueue(jobSubmission("first", { submittedAt: 1 }));
    expect(matcher.nextAssignments(10).map((a) => a.jobId)).to.deep.equal(["first"]);
  });

  it("serves equal priorities submitted at the same instant in order of entry", () => {
    matcher.enqueue(jobSubmission("entered-first", { submittedAt: 5 }));
    matcher.enqueue(jobSubmission("entered-second", { submittedAt: 5 }));
    expect(matcher.nextAssignments(10).map((a) => a.jobId)).to.deep.equal(["entered-first"]);
  });

  it("ageing: a normal job that has waited 2 × agingStepMs beats a fresh critical job", () => {
    matcher.enqueue(jobSubmission("old-normal", { priority: "normal", submittedAt: 0 }));
    matcher.enqueue(jobSubmission("fresh-critical", { priority: "critical", submittedAt: 2 * STEP }));
    expect(matcher.nextAssignments(2 * STEP).map((a) => a.jobId)).to.deep.equal(["old-normal"]);
  });

  it("ageing: a normal job that has waited 1 ms less than 2 × agingStepMs still yields to a fresh critical job", () => {
    matcher.enqueue(jobSubmission("old-normal", { priority: "normal", submittedAt: 0 }));
    matcher.enqueue(jobSubmission("fresh-critical", { priority: "critical", submittedAt: 2 * STEP - 1 }));
    expect(matcher.nextAssignments(2 * STEP - 1).map((a) => a.jobId)).to.deep.equal(["fresh-critical"]);
  });

  it("ageing: a high job that has waited agingStepMs beats a fresh critical job", () => {
    matcher.enqueue(jobSubmission("old-high", { priority: "high", submittedAt: 0 }));
    matcher.enqueue(jobSubmission("fresh-critical", { priority: "critical", submittedAt: STEP }));
    expect(matcher.nextAssignments(STEP).map((a) => a.jobId)).to.deep.equal(["old-high"]);
  });

  it("nothing starves: a normal job behind a steady stream of critical jobs is served within 2 × agingStepMs", () => {
    matcher.enqueue(jobSubmission("patient", { priority: "normal", submittedAt: 0 }));
    const served: string[] = [];
    // One node, one fresh critical job every tenth of a step, one slot per tenth of a step.
    for (let tick = 0; tick <= 25 && !served.includes("patient"); tick += 1) {
      const now = (tick * STEP) / 10;
      matcher.enqueue(jobSubmission(`critical-${tick}`, { priority: "critical", submittedAt: now }));
      for (const assignment of matcher.nextAssignments(now)) {
        served.push(assignment.jobId);
        matcher.finish(assignment.jobId);
      }
    }
    // Ticks 0..19 serve the critical jobs; at tick 20 (2 × agingStepMs) the patient job ties and, older, wins.
    expect(served.indexOf("patient")).to.equal(20);
  });

  it("effective priority is the weight plus one level per agingStepMs waited", () => {
    const job = matcher.enqueue(jobSubmission("j", { priority: "high", submittedAt: 1_000 }));
    expect(matcher.effectivePriority(job, 1_000)).to.equal(2);
    expect(matcher.effectivePriority(job, 1_000 + STEP / 2)).to.equal(2.5);
    expect(matcher.effectivePriority(job, 1_000 + 3 * STEP)).to.equal(5);
  });

  it("reports the effective priority of each assignment", () => {
    matcher.enqueue(jobSubmission("j", { priority: "critical", submittedAt: 0 }));
    expect(matcher.nextAssignments(STEP)[0].effectivePriority).to.equal(4);
  });

  it("a job that fits no node does not hold back the jobs behind it", () => {
    matcher.enqueue(jobSubmission("too-big", { priority: "critical", requirements: { minVramGb: 80 } }));
    matcher.enqueue(jobSubmission("small", { priority: "normal" }));
    expect(matcher.nextAssignments(0).map((a) => a.jobId)).to.deep.equal(["small"]);
    expect(matcher.job("too-big")?.state).to.equal("queued");
  });
});

describe("matcher: one job per node", () => {
  let matcher: Matcher;
  beforeEach(() => {
    matcher = new Matcher(catalogue);
    for (const label of ["a", "b", "c"]) matcher.registerNode(nodeRegistration(label));
    for (let i = 0; i < 10; i += 1) matcher.enqueue(jobSubmission(`job-${i}`, { submittedAt: i }));
  });

  it("assigns as many jobs as there are free nodes, each to a different node", () => {
    const assignments = matcher.nextAssignments(100);
    expect(assignments.map((a) => a.jobId)).to.deep.equal(["job-0", "job-1", "job-2"]);
    expect(new Set(assignments.map((a) => a.nodeId)).size).to.equal(3);
  });

  it("a busy node gets nothing in the next round", () => {
    matcher.nextAssignments(100);
    expect(matcher.nextAssignments(101)).to.deep.equal([]);
    expect(matcher.freeNodes).to.equal(0);
  });

  it("a node whose job finished takes the next job", () => {
    const [first] = matcher.nextAssignments(100);
    matcher.finish(first.jobId);
    expect(pairs(matcher.nextAssignments(101))).to.deep.equal([["job-3", first.nodeId]]);
  });

  it("marks the node busy with the job and the job assigned to the node", () => {
    const [first] = matcher.nextAssignments(100);
    expect(matcher.node(first.nodeId)).to.include({ state: "busy", jobId: first.jobId });
    expect(matcher.job(first.jobId)).to.include({ state: "assigned", nodeId: first.nodeId });
  });

  it("finishing a queued job takes it out of the queue", () => {
    expect(matcher.finish("job-9")).to.equal(true);
    expect(matcher.job("job-9")).to.equal(undefined);
    expect(matcher.queueDepth).to.equal(9);
    expect(matcher.finish("job-9")).to.equal(false);
  });
});

describe("matcher: fit", () => {
  let matcher: Matcher;
  beforeEach(() => {
    matcher = new Matcher(catalogue);
  });

  it("skips a node with less VRAM than required", () => {
    matcher.registerNode(nodeRegistration("small", { gpuModel: "RTX_2060", vramGb: 6 }));
    matcher.enqueue(jobSubmission("j", { requirements: { minVramGb: 8 } }));
    expect(matcher.nextAssignments(0)).to.deep.equal([]);
  });

  it("takes a node with exactly the required VRAM", () => {
    matcher.registerNode(nodeRegistration("exact", { gpuModel: "RTX_2060", vramGb: 8 }));
    matcher.enqueue(jobSubmission("j", { requirements: { minVramGb: 8 } }));
    expect(matcher.nextAssignments(0)).to.have.length(1);
  });

  it("skips a node of a class the job does not allow", () => {
    matcher.registerNode(nodeRegistration("tier3", { vramGb: 12 }));
    matcher.enqueue(jobSubmission("j", { requirements: { minVramGb: 8, nodeClasses: ["tier4"] } }));
    expect(matcher.nextAssignments(0)).to.deep.equal([]);
  });

  it("skips a node whose GPU model the job does not allow", () => {
    matcher.registerNode(nodeRegistration("rtx", { gpuModel: "RTX_4090", vramGb: 24 }));
    matcher.registerNode(nodeRegistration("a100", { gpuModel: "A100", vramGb: 80 }));
    matcher.enqueue(jobSubmission("j", { requirements: { minVramGb: 8, gpuModels: ["a100"] } }));
    expect(pairs(matcher.nextAssignments(0))).to.deep.equal([["j", walletId("a100")]]);
  });

  it("takes a node whose price floor for the job's hours is exactly the budget", () => {
    matcher.registerNode(nodeRegistration("n", { priceFloor: 100n }));
    matcher.enqueue(jobSubmission("j", { gpuMicroHours: 1_500_000n, maxPrice: 150n }));
    const [assignment] = matcher.nextAssignments(0);
    expect(assignment.nodeCost).to.equal(150n);
  });

  it("skips a node whose price floor for the job's hours is one unit over the budget", () => {
    matcher.registerNode(nodeRegistration("n", { priceFloor: 100n }));
    matcher.enqueue(jobSubmission("j", { gpuMicroHours: 1_500_000n, maxPrice: 149n }));
    expect(matcher.nextAssignments(0)).to.deep.equal([]);
  });

  it("rounds a node's cost up: 3 per hour for 0.333334 hours costs 2, not 1", () => {
    expect(nodeCost(3n, 333_334n)).to.equal(2n);
    matcher.registerNode(nodeRegistration("n", { priceFloor: 3n }));
    matcher.enqueue(jobSubmission("j", { gpuMicroHours: 333_334n, maxPrice: 1n }));
    expect(matcher.nextAssignments(0)).to.deep.equal([]);
  });

  it("skips a node the job excludes", () => {
    matcher.registerNode(nodeRegistration("failed-before"));
    matcher.registerNode(nodeRegistration("other", { reliability: 0.1, priceFloor: 900n }));
    matcher.enqueue(jobSubmission("j", { excludedNodes: [walletId("failed-before")] }));
    expect(pairs(matcher.nextAssignments(0))).to.deep.equal([["j", walletId("other")]]);
  });

  it("a job whose exclusions left it unmatched does not stop a same-shaped job from matching in the round", () => {
    matcher.registerNode(nodeRegistration("only"));
    matcher.enqueue(jobSubmission("excluding", { submittedAt: 0, excludedNodes: [walletId("only")] }));
    matcher.enqueue(jobSubmission("plain", { submittedAt: 1 }));
    expect(pairs(matcher.nextAssignments(2))).to.deep.equal([["plain", walletId("only")]]);
  });

  it("a job with a bigger budget still matches after a same-shaped job with a smaller one did not", () => {
    matcher.registerNode(nodeRegistration("n", { priceFloor: 500n }));
    matcher.enqueue(jobSubmission("poor", { submittedAt: 0, maxPrice: 100n }));
    matcher.enqueue(jobSubmission("rich", { submittedAt: 1, maxPrice: 1_000n }));
    expect(matcher.nextAssignments(2).map((a) => a.jobId)).to.deep.equal(["rich"]);
  });

  it("skips an offline node and uses it again once it is back online", () => {
    matcher.registerNode(nodeRegistration("n"));
    matcher.nodeOffline(walletId("n"));
    matcher.enqueue(jobSubmission("j"));
    expect(matcher.nextAssignments(0)).to.deep.equal([]);
    matcher.nodeOnline(walletId("n"));
    expect(pairs(matcher.nextAssignments(1))).to.deep.equal([["j", walletId("n")]]);
  });
});

describe("matcher: choice", () => {
  let matcher: Matcher;
  beforeEach(() => {
    matcher = new Matcher(catalogue);
  });

  it("prefers the card that fits over the biggest card at the same price and reliability", () => {
    matcher.registerNode(nodeRegistration("a100", { gpuModel: "A100", vramGb: 80 }));
    matcher.registerNode(nodeRegistration("rtx3060", { gpuModel: "RTX_3060", vramGb: 12 }));
    matcher.enqueue(jobSubmission("j", { requirements: { minVramGb: 8 } }));
    expect(matcher.nextAssignments(0)[0].nodeId).to.equal(walletId("rtx3060"));
  });

  it("prefers a reliable, cheap, fitting node over a cheaper but unreliable big GPU", () => {
    matcher.registerNode(nodeRegistration("flaky-h100", { gpuModel: "H100", vramGb: 80, priceFloor: 50n, reliability: 0.2 }));
    matcher.registerNode(nodeRegistration("solid-3060", { priceFloor: 300n, reliability: 0.95 }));
    matcher.enqueue(jobSubmission("j"));
    expect(matcher.nextAssignments(0)[0].nodeId).to.equal(walletId("solid-3060"));
  });

  it("prefers the cheaper of two equally reliable nodes of the same size", () => {
    matcher.registerNode(nodeRegistration("dear", { priceFloor: 600n }));
    matcher.registerNode(nodeRegistration("cheap", { priceFloor: 200n }));
    matcher.enqueue(jobSubmission("j"));
    expect(matcher.nextAssignments(0)[0].nodeId).to.equal(walletId("cheap"));
  });

  it("prefers the more reliable of two nodes of the same size and price", () => {
    matcher.registerNode(nodeRegistration("shaky", { reliability: 0.6 }));
    matcher.registerNode(nodeRegistration("steady", { reliability: 0.99 }));
    matcher.enqueue(jobSubmission("j"));
    expect(matcher.nextAssignments(0)[0].nodeId).to.equal(walletId("steady"));
  });

  it("follows reliability updates", () => {
    matcher.registerNode(nodeRegistration("x", { reliability: 0.9 }));
    matcher.registerNode(nodeRegistration("y", { reliability: 0.5 }));
    matcher.setReliability(walletId("y"), 1);
    matcher.setReliability(walletId("x"), 0.1);
    matcher.enqueue(jobSubmission("j"));
    expect(matcher.nextAssignments(0)[0].nodeId).to.equal(walletId("y"));
  });

  it("scores 0.5 × reliability + 0.3 × price fit + 0.2 × size fit", () => {
    matcher.registerNode(nodeRegistration("n", { priceFloor: 250n, reliability: 0.8, vramGb: 15 }));
    matcher.enqueue(jobSubmission("j", { maxPrice: 1_000n, requirements: { minVramGb: 7 } }));
    // 0.5 × 0.8 + 0.3 × (1 − 250/1000) + 0.2 × (1 + 7)/(1 + 15)
    expect(matcher.nextAssignments(0)[0].score).to.be.closeTo(0.4 + 0.225 + 0.1, 1e-12);
  });

  it("a re-registration with a new price takes effect at once", () => {
    matcher.registerNode(nodeRegistration("n", { priceFloor: 2_000n }));
    matcher.enqueue(jobSubmission("j", { maxPrice: 1_000n }));
    expect(matcher.nextAssignments(0)).to.deep.equal([]);
    matcher.registerNode(nodeRegistration("n", { priceFloor: 900n }));
    expect(matcher.nextAssignments(1)).to.have.length(1);
  });
});

describe("matcher: returning jobs", () => {
  let matcher: Matcher;
  let first: Assignment;
  beforeEach(() => {
    matcher = new Matcher(catalogue);
    matcher.registerNode(nodeRegistration("best", { reliability: 0.99 }));
    matcher.registerNode(nodeRegistration("second", { reliability: 0.7 }));
    matcher.enqueue(jobSubmission("j", { submittedAt: 0 }));
    [first] = matcher.nextAssignments(0);
  });

  it("a node going offline hands back the job it held", () => {
    expect(first.nodeId).to.equal(walletId("best"));
    expect(matcher.nodeOffline(walletId("best"))).to.equal("j");
    expect(matcher.node(walletId("best"))?.state).to.equal("offline");
  });

  it("node-lost: the job goes back to the queue with one more attempt and the node excluded", () => {
    matcher.nodeOffline(walletId("best"));
    const job = matcher.returnToQueue("j", "node-lost");
    expect(job).to.deep.include({ state: "queued", attempts: 1, excludedNodes: [walletId("best")] });
  });

  it("node-lost: the job goes to another node, never back to the lost one, even when it returns", () => {
    matcher.nodeOffline(walletId("best"));
    matcher.returnToQueue("j", "node-lost");
    matcher.nodeOnline(walletId("best"));
    expect(pairs(matcher.nextAssignments(1))).to.deep.equal([["j", walletId("second")]]);
  });

  it("offer-expired: the node is excluded and free for other jobs, and no attempt is counted", () => {
    const job = matcher.returnToQueue("j", "offer-expired");
    expect(job).to.deep.include({ attempts: 0, excludedNodes: [walletId("best")] });
    matcher.enqueue(jobSubmission("other", { submittedAt: 5 }));
    expect(pairs(matcher.nextAssignments(10))).to.have.deep.members([
      ["j", walletId("second")],
      ["other", walletId("best")],
    ]);
  });

  it("a returned job keeps its place ahead of jobs submitted after it", () => {
    matcher.registerNode(nodeRegistration("best-2", { reliability: 0.99 }));
    matcher.nextAssignments(1); // nothing else queued: best-2 stays free
    matcher.enqueue(jobSubmission("newer", { submittedAt: 50 }));
    matcher.nodeOffline(walletId("best"));
    matcher.nodeOffline(walletId("second"));
    matcher.returnToQueue("j", "node-lost");
    expect(matcher.nextAssignments(60).map((a) => a.jobId)).to.deep.equal(["j"]);
  });

  it("error: returning a queued job is JOB_NOT_ASSIGNED", () => {
    matcher.enqueue(jobSubmission("waiting"));
    expect(() => matcher.returnToQueue("waiting", "node-lost"))
      .to.throw(MatcherError)
      .with.property("code", "JOB_NOT_ASSIGNED");
  });

  it("error: returning an unknown job is UNKNOWN_JOB", () => {
    expect(() => matcher.returnToQueue("nope", "node-lost")).to.throw(MatcherError).with.property("code", "UNKNOWN_JOB");
  });
});

describe("matcher: input checks", () => {
  const matcher = new Matcher(catalogue);

  it("error: the same job id twice is DUPLICATE_JOB", () => {
    matcher.enqueue(jobSubmission("dup"));
    expect(() => matcher.enqueue(jobSubmission("dup"))).to.throw(MatcherError).with.property("code", "DUPLICATE_JOB");
  });

  for (const [name, overrides] of [
    ["a zero-hour job", { gpuMicroHours: 0n }],
    ["a negative budget", { maxPrice: -1n }],
    ["an unknown priority", { priority: "urgent" }],
    ["a fractional submission time", { submittedAt: 1.5 }],
    ["negative attempts", { attempts: -1 }],
  ] as [string, Partial<JobSubmission>][]) {
    it(`error: ${name} is INVALID_JOB`, () => {
      expect(() => matcher.enqueue(jobSubmission(`bad-${name}`, overrides)))
        .to.throw(MatcherError)
        .with.property("code", "INVALID_JOB");
    });
  }

  it("error: a node id that is not a wallet public key is INVALID_NODE", () => {
    expect(() => matcher.registerNode(nodeRegistration("x", { nodeId: "not-a-key" })))
      .to.throw(NodePoolError)
      .with.property("code", "INVALID_NODE");
  });

  it("error: a reliability above 1 is INVALID_NODE", () => {
    expect(() => matcher.registerNode(nodeRegistration("x", { reliability: 1.5 })))
      .to.throw(NodePoolError)
      .with.property("code", "INVALID_NODE");
  });

  it("error: a node with an unknown GPU model is UNKNOWN_GPU_MODEL", () => {
    expect(() => matcher.registerNode(nodeRegistration("x", { gpuModel: "TPU_V9" })))
      .to.throw(GpuError)
      .with.property("code", "UNKNOWN_GPU_MODEL");
  });

  it("error: an unknown node going offline is UNKNOWN_NODE", () => {
    expect(() => matcher.nodeOffline(walletId("stranger"))).to.throw(NodePoolError).with.property("code", "UNKNOWN_NODE");
  });

  it("error: score weights that do not sum to 1 are INVALID_MATCHER_CONFIG", () => {
    expect(() => new Matcher(catalogue, { ...DEFAULT_MATCHER_CONFIG, scoreWeights: { reliability: 0.5, price: 0.5, size: 0.5 } }))
      .to.throw(MatcherError)
      .with.property("code", "INVALID_MATCHER_CONFIG");
  });
});
