/** A matching round's input checks, and what it says of the jobs it could not place. */
import { expect } from "chai";

import { GpuError } from "../../src/domain/gpu";
import { DEFAULT_MATCHER_CONFIG, MatcherError, type MatchInput, matchRound, type QueuedJob } from "../../src/domain/matcher";
import { nodeRecord, NodePoolError } from "../../src/domain/node-pool";
import { catalogue, jobSubmission, nodeRegistration, walletId } from "../harness/fixtures";
import { pairs } from "../harness/match-world";

describe("matcher: unmatched jobs", () => {
  it("says why each job got no node: invalid (with its error), no fitting node, no free node left", () => {
    const { assignments, unmatched } = matchRound({
      freeNodes: [nodeRecord(nodeRegistration("only"), catalogue)],
      queuedJobs: [
        jobSubmission("a", { submittedAt: 0 }),
        jobSubmission("bad", { gpuMicroHours: 0n }),
        jobSubmission("big", { priority: "critical", requirements: { minVramGb: 80 } }),
        jobSubmission("b", { submittedAt: 1 }),
      ],
      now: 10,
    });
    expect(pairs(assignments)).to.deep.equal([["a", walletId("only")]]);
    expect(unmatched.map((u) => [u.jobId, u.reason])).to.deep.equal([
      ["bad", "invalid"],
      ["big", "no-fitting-node"],
      ["b", "no-free-node-left"],
    ]);
    expect(unmatched[0].error).to.be.instanceOf(MatcherError).with.property("code", "INVALID_JOB");
  });
});

describe("matcher: input checks", () => {
  const round = (input: Partial<MatchInput>) => matchRound({ freeNodes: [], queuedJobs: [], now: 0, ...input });
  const jobError = (job: QueuedJob) => round({ queuedJobs: [job] }).unmatched[0];
  const checkNode = (overrides: Parameters<typeof nodeRegistration>[1]) => () => nodeRecord(nodeRegistration("x", overrides), catalogue);

  it("error: the same job id twice is DUPLICATE_JOB", () => {
    const { assignments, unmatched } = round({
      freeNodes: [nodeRecord(nodeRegistration("n"), catalogue)],
      queuedJobs: [jobSubmission("dup"), jobSubmission("dup")],
    });
    expect(assignments.map((a) => a.jobId)).to.deep.equal(["dup"]);
    expect(unmatched).to.have.length(1);
    expect(unmatched[0]).to.include({ jobId: "dup", reason: "invalid" });
    expect(unmatched[0].error).to.be.instanceOf(MatcherError).with.property("code", "DUPLICATE_JOB");
  });

  for (const [name, overrides] of [
    ["a zero-hour job", { gpuMicroHours: 0n }],
    ["a negative budget", { maxPrice: -1n }],
    ["an unknown priority", { priority: "urgent" }],
    ["a fractional submission time", { submittedAt: 1.5 }],
    ["negative attempts", { attempts: -1 }],
  ] as [string, Partial<QueuedJob>][]) {
    it(`error: ${name} is INVALID_JOB`, () => {
      const unmatched = jobError(jobSubmission(`bad-${name}`, overrides));
      expect(unmatched).to.include({ jobId: `bad-${name}`, reason: "invalid" });
      expect(unmatched.error).to.be.instanceOf(MatcherError).with.property("code", "INVALID_JOB");
    });
  }

  it("error: a node id that is not a wallet public key is INVALID_NODE", () => {
    expect(checkNode({ nodeId: "not-a-key" }))
      .to.throw(NodePoolError)
      .with.property("code", "INVALID_NODE");
  });

  it("error: a reliability above 1 is INVALID_NODE", () => {
    expect(checkNode({ reliability: 1.5 }))
      .to.throw(NodePoolError)
      .with.property("code", "INVALID_NODE");
  });

  it("error: a node with an unknown GPU model is UNKNOWN_GPU_MODEL", () => {
    expect(checkNode({ gpuModel: "TPU_V9" }))
      .to.throw(GpuError)
      .with.property("code", "UNKNOWN_GPU_MODEL");
  });

  it("error: score weights that do not sum to 1 are INVALID_MATCHER_CONFIG", () => {
    expect(() => round({ config: { ...DEFAULT_MATCHER_CONFIG, scoreWeights: { reliability: 0.5, price: 0.5, size: 0.5 } } }))
      .to.throw(MatcherError)
      .with.property("code", "INVALID_MATCHER_CONFIG");
  });
});
