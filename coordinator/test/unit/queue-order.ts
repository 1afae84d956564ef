import { expect } from "chai";

import { DEFAULT_MATCHER_CONFIG, MatcherError, matchRound, type QueuedJob } from "../../src/domain/matcher";
import { nodeRecord } from "../../src/domain/node-pool";
import { byQueueOrder, type QueueOrdered, queueUrgency } from "../../src/domain/priority";
import { catalogue, jobSubmission, nodeRegistration } from "../harness/fixtures";

const STEP = DEFAULT_MATCHER_CONFIG.agingStepMs;

const entry = (jobId: string, urgency: number, submittedAt = 0, sequence = 0): QueueOrdered & { jobId: string } => ({
  jobId,
  urgency,
  submittedAt,
  sequence,
});

/** A normal job whose urgency is `urgency` steps: submitted at (urgency + 1) × agingStepMs. */
const jobAt = (jobId: string, urgency: number): QueuedJob => jobSubmission(jobId, { submittedAt: (urgency + 1) * STEP });

/** The order in which a round serves `jobs`, with a free node for each. */
function served(jobs: readonly QueuedJob[]): string[] {
  const freeNodes = jobs.map((_, index) => nodeRecord(nodeRegistration(`queue-order-${index}`), catalogue));
  return matchRound({ freeNodes, queuedJobs: jobs, now: 100 * STEP }).assignments.map((a) => a.jobId);
}

describe("queue order", () => {
  it("orders by urgency, then submission time, then order of entry", () => {
    const entries = [
      entry("late-tie", 5, 2, 0),
      entry("urgent", 1, 9, 1),
      entry("early-tie", 5, 1, 2),
      entry("same-instant-second", 5, 1, 4),
    ];
    expect([...entries].sort(byQueueOrder).map((e) => e.jobId)).to.deep.equal(["urgent", "early-tie", "same-instant-second", "late-tie"]);
  });

  it("urgency is submittedAt − weight × agingStepMs", () => {
    expect(queueUrgency("normal", 10 * STEP, STEP)).to.equal(9 * STEP);
    expect(queueUrgency("critical", 10 * STEP, STEP)).to.equal(7 * STEP);
  });

  it("jobs that arrive after a round take their place in the order of the next", () => {
    expect(served([jobAt("b", 2), jobAt("d", 4)])).to.deep.equal(["b", "d"]);
    expect(served([jobAt("b", 2), jobAt("d", 4), jobAt("c", 3), jobAt("a", 1)])).to.deep.equal(["a", "b", "c", "d"]);
  });

  it("a job handed in twice takes part once, at its first entry's place; the second entry is DUPLICATE_JOB", () => {
    const round = matchRound({
      freeNodes: ["q-1", "q-2", "q-3"].map((label) => nodeRecord(nodeRegistration(label), catalogue)),
      queuedJobs: [jobAt("a", 1), jobAt("b", 2), jobAt("a", 3)],
      now: 100 * STEP,
    });
    expect(round.assignments.map((a) => a.jobId)).to.deep.equal(["a", "b"]);
    expect(round.unmatched.map((u) => u.error)).to.have.length(1);
    expect(round.unmatched[0].error).to.be.instanceOf(MatcherError).with.property("code", "DUPLICATE_JOB");
  });
});
