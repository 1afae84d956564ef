import { expect } from "chai";

import { CoordinatorError } from "../../src/domain/errors";
import { JobQueue, QueueEntry } from "../../src/domain/job-queue";

const entry = (jobId: string, urgency: number, submittedAt = 0, sequence = 0): QueueEntry => ({
  jobId,
  urgency,
  submittedAt,
  sequence,
});

describe("job queue", () => {
  it("orders by urgency, then submission time, then order of entry", () => {
    const queue = new JobQueue<QueueEntry>();
    queue.push(entry("late-tie", 5, 2, 0));
    queue.push(entry("urgent", 1, 9, 1));
    queue.push(entry("early-tie", 5, 1, 2));
    queue.push(entry("same-instant-second", 5, 1, 4));
    expect(queue.ordered().map((e) => e.jobId)).to.deep.equal(["urgent", "early-tie", "same-instant-second", "late-tie"]);
  });

  it("merges entries pushed after a read into the order", () => {
    const queue = new JobQueue<QueueEntry>();
    queue.push(entry("b", 2));
    queue.push(entry("d", 4));
    queue.ordered();
    queue.push(entry("c", 3));
    queue.push(entry("a", 1));
    expect(queue.ordered().map((e) => e.jobId)).to.deep.equal(["a", "b", "c", "d"]);
  });

  it("forgets deleted entries, and a re-pushed job appears once, at its new place", () => {
    const queue = new JobQueue<QueueEntry>();
    queue.push(entry("a", 1));
    queue.push(entry("b", 2));
    queue.ordered();
    queue.delete("a");
    queue.push(entry("a", 3));
    expect(queue.ordered().map((e) => e.jobId)).to.deep.equal(["b", "a"]);
    expect(queue.size).to.equal(2);
  });

  it("a snapshot being walked is not changed by deletions", () => {
    const queue = new JobQueue<QueueEntry>();
    queue.push(entry("a", 1));
    queue.push(entry("b", 2));
    const snapshot = queue.ordered();
    queue.delete("a");
    expect(snapshot.map((e) => e.jobId)).to.deep.equal(["a", "b"]);
    expect(queue.isLive(snapshot[0])).to.equal(false);
  });

  it("error: pushing a queued job again is JOB_ALREADY_QUEUED", () => {
    const queue = new JobQueue<QueueEntry>();
    queue.push(entry("a", 1));
    expect(() => queue.push(entry("a", 2))).to.throw(CoordinatorError).with.property("code", "JOB_ALREADY_QUEUED");
  });
});
