/** The job state machine when a node abandons its job (POST /v1/jobs/:id/fail). */
import { expect } from "chai";

import { type JobEvent, type JobState, newJobState, transition, TransitionError, transitionOrThrow } from "../../src/domain/job-state";
import { NODE_A, NODE_B, PATHS, run } from "../harness/job-events";

describe("job state: a node abandons its job (POST /v1/jobs/:id/fail)", () => {
  const start = (maxAttempts = 3) => newJobState("job-1", 0, maxAttempts);
  const abandon = (state: JobState, reason = "training threw: out of memory", fault?: "node" | "job"): JobEvent => ({
    type: "abandon",
    at: 5_000,
    nodeId: state.nodeId ?? NODE_A,
    reason,
    ...(fault === undefined ? {} : { fault }),
  });

  it("running: back to queued like a lost node (unlock, attempt + 1, node excluded), recorded as node-abandoned with the reason", () => {
    const running = run(start(), ["offer", "accept"]);
    const next = transitionOrThrow(running, abandon(running, "command exited with status 2", "job"));
    expect(next.status).to.equal("queued");
    expect(next.nodeId).to.equal(null);
    expect(next.attempts).to.equal(1);
    expect(next.excludedNodes).to.deep.equal([NODE_A]);
    const record = next.history[next.history.length - 1];
    expect(record).to.include({
      from: "running",
      to: "queued",
      event: "abandon",
      reason: "node-abandoned",
      nodeId: NODE_A,
      instruction: "unlock_escrow",
      fault: "job",
    });
    expect(record.detail).to.equal("the node gave the job up on attempt 1 of 3 (fault: job): command exited with status 2");
  });

  it("offered: the node may give up before it accepts; counted the same way", () => {
    const offered = run(start(), ["offer"]);
    const next = transitionOrThrow(offered, abandon(offered));
    expect(next).to.include({ status: "queued", nodeId: null, attempts: 1 });
    expect(next.history[next.history.length - 1]).to.include({ from: "offered", reason: "node-abandoned", instruction: "unlock_escrow" });
    expect(next.history[next.history.length - 1]).to.not.have.property("fault");
  });

  it("the maxAttempts-th loss refunds, whether lost or abandoned", () => {
    let state = start(2);
    state = run(state, ["offer", "accept", "node-lost"]);
    state = transitionOrThrow(state, { type: "offer", at: 2_000, nodeId: NODE_B });
    state = transitionOrThrow(state, { type: "accept", at: 2_001, nodeId: NODE_B });
    const next = transitionOrThrow(state, abandon(state, "spec mismatch", "node"));
    expect(next).to.include({ status: "refunding", nodeId: null, attempts: 2 });
    expect(next.excludedNodes).to.deep.equal([NODE_A, NODE_B]);
    const record = next.history[next.history.length - 1];
    expect(record).to.include({ reason: "node-abandoned", instruction: "refund_escrow", fault: "node" });
    expect(record.detail).to.match(/attempt 2 of 2 \(fault: node\), the last: refunded: spec mismatch$/);
  });

  it("refuses another node, an empty or too long reason, an unknown fault, and every other state", () => {
    const running = run(start(), ["offer", "accept"]);
    const wrong = transition(running, { type: "abandon", at: 5_000, nodeId: NODE_B, reason: "not mine" });
    expect(wrong).to.be.instanceOf(TransitionError).and.to.include({ code: "WRONG_NODE" });
    for (const reason of ["", "   ", "x".repeat(501)]) {
      expect(transition(running, abandon(running, reason)))
        .to.be.instanceOf(TransitionError)
        .and.to.include({ code: "INVALID_EVENT" });
    }
    expect(transitionOrThrow(running, abandon(running, "x".repeat(500))).status).to.equal("queued");
    const badFault = transition(running, { type: "abandon", at: 5_000, nodeId: NODE_A, reason: "r", fault: "client" as "job" });
    expect(badFault).to.be.instanceOf(TransitionError).and.to.include({ code: "INVALID_EVENT" });
    for (const status of ["queued", "verifying", "releasing", "refunded"] as const) {
      const state = run(start(), PATHS[status]);
      expect(transition(state, abandon(state)))
        .to.be.instanceOf(TransitionError)
        .and.to.include({ code: "TRANSITION_FORBIDDEN" });
    }
  });
});
