/** The job state machine's rules: offers, node losses, proofs, cancels, money states and errors. */
import { expect } from "chai";

import {
  isTerminal,
  JOB_STATUSES,
  JobStateError,
  MONEY_STATE_INSTRUCTION,
  newJobState,
  transition,
  TransitionError,
  transitionOrThrow,
} from "../../src/domain/job-state";
import type { RejectedVerdict, VerifiedVerdict } from "../../src/domain/proof-verdict";
import { fresh, NODE_A, NODE_B, REJECTED, reach, RETRY, SHA, VERIFIED } from "../harness/job-events";

describe("job state machine: rules", () => {
  it("a new job is queued with a 'submitted' record", () => {
    const state = fresh();
    expect(state).to.include({ status: "queued", attempts: 0, nodeId: null });
    expect(state.history).to.deep.equal([{ at: 0, from: null, to: "queued", event: "submit", reason: "submitted" }]);
  });

  it("a transition leaves the old state untouched", () => {
    const before = fresh();
    const snapshot = JSON.stringify(before);
    transitionOrThrow(before, { type: "offer", at: 1, nodeId: NODE_A });
    expect(JSON.stringify(before)).to.equal(snapshot);
  });

  it("an offer records the node and stands for lock_escrow", () => {
    const state = transitionOrThrow(fresh(), { type: "offer", at: 5, nodeId: NODE_A });
    expect(state.nodeId).to.equal(NODE_A);
    expect(state.history.at(-1)).to.include({ reason: "matched", instruction: "lock_escrow", nodeId: NODE_A });
  });

  it("offer-expired: back to queued, the node excluded, no attempt counted, unlock_escrow", () => {
    const state = transitionOrThrow(reach("offered"), { type: "offer-expired", at: 9, nodeId: NODE_A });
    expect(state).to.deep.include({ status: "queued", nodeId: null, attempts: 0, excludedNodes: [NODE_A] });
    expect(state.history.at(-1)).to.include({ reason: "offer-expired", instruction: "unlock_escrow" });
  });

  it("node-lost: back to queued, attempt + 1, the node excluded, unlock_escrow", () => {
    const state = transitionOrThrow(reach("running"), { type: "node-lost", at: 9, nodeId: NODE_A, detail: "3 beats missed" });
    expect(state).to.deep.include({ status: "queued", nodeId: null, attempts: 1, excludedNodes: [NODE_A] });
    expect(state.history.at(-1)).to.include({ reason: "node-lost", detail: "3 beats missed", instruction: "unlock_escrow" });
  });

  it("node-lost on the last allowed attempt refunds instead: max-attempts-reached, refund_escrow", () => {
    let state = reach("running", 2);
    state = transitionOrThrow(state, { type: "node-lost", at: 10, nodeId: NODE_A });
    state = transitionOrThrow(state, { type: "offer", at: 11, nodeId: NODE_B });
    state = transitionOrThrow(state, { type: "accept", at: 12, nodeId: NODE_B });
    state = transitionOrThrow(state, { type: "node-lost", at: 13, nodeId: NODE_B });
    expect(state).to.deep.include({ status: "refunding", attempts: 2, excludedNodes: [NODE_A, NODE_B] });
    expect(state.history.at(-1)).to.include({ reason: "max-attempts-reached", instruction: "refund_escrow" });
  });

  it("with maxAttempts 1 the first node loss refunds", () => {
    const state = transitionOrThrow(reach("running", 1), { type: "node-lost", at: 10, nodeId: NODE_A });
    expect(state.status).to.equal("refunding");
  });

  it("error: offering the job to a node that already failed it is NODE_EXCLUDED", () => {
    const requeued = transitionOrThrow(reach("running"), { type: "node-lost", at: 10, nodeId: NODE_A });
    expect(transition(requeued, { type: "offer", at: 11, nodeId: NODE_A })).to.include({ code: "NODE_EXCLUDED" });
  });

  it("error: a late report from the node that lost the job is WRONG_NODE", () => {
    let state = transitionOrThrow(reach("running"), { type: "node-lost", at: 10, nodeId: NODE_A });
    state = transitionOrThrow(state, { type: "offer", at: 11, nodeId: NODE_B });
    state = transitionOrThrow(state, { type: "accept", at: 12, nodeId: NODE_B });
    const proof = { weightsCid: "bafy", weightsSha256: SHA };
    const late = transition(state, { type: "report", at: 13, nodeId: NODE_A, proof });
    expect(late).to.be.instanceOf(TransitionError);
    expect(late).to.include({ code: "WRONG_NODE" });
  });

  it("error: accepting another node's offer is WRONG_NODE", () => {
    expect(transition(reach("offered"), { type: "accept", at: 2, nodeId: NODE_B })).to.include({ code: "WRONG_NODE" });
  });

  it("error: a node-lost about a node the job is not with is WRONG_NODE", () => {
    expect(transition(reach("running"), { type: "node-lost", at: 2, nodeId: NODE_B })).to.include({ code: "WRONG_NODE" });
  });

  it("a report records the proof; proof-verified stands for release_escrow", () => {
    const verifying = reach("verifying");
    expect(verifying.proof).to.deep.equal({ weightsCid: "bafy-weights", weightsSha256: SHA });
    const releasing = transitionOrThrow(verifying, { type: "proof-verified", at: 3, verdict: VERIFIED });
    expect(releasing.history.at(-1)).to.include({ reason: "proof-verified", instruction: "release_escrow" });
    expect(releasing.history.at(-1)?.verdict).to.deep.equal(VERIFIED);
    expect(releasing.history.at(-1)?.detail).to.equal(
      `weights fetched (10 bytes), sha256 ${SHA} matches the report; metrics NOT re-evaluated: no evaluator`,
    );
  });

  it("error: a verified verdict for other bytes than the reported sha256 is INVALID_EVENT (never released)", () => {
    const other = { ...VERIFIED, sha256: "cd".repeat(32) };
    const refused = transition(reach("verifying"), { type: "proof-verified", at: 3, verdict: other });
    expect(refused).to.include({ code: "INVALID_EVENT" });
  });

  it("error: a proof event whose verdict says otherwise is INVALID_EVENT", () => {
    const refused = transition(reach("verifying"), { type: "proof-verified", at: 3, verdict: REJECTED as unknown as VerifiedVerdict });
    expect(refused).to.include({ code: "INVALID_EVENT" });
  });

  it("proof-retry keeps the job verifying and records the reason, attempt and next attempt", () => {
    const state = transitionOrThrow(reach("verifying"), { type: "proof-retry", at: 4, verdict: RETRY });
    expect(state.status).to.equal("verifying");
    expect(state.history.at(-1)).to.deep.include({
      from: "verifying",
      to: "verifying",
      event: "proof-retry",
      reason: "proof-check-retry",
      verdict: RETRY,
      detail: `fetch-timeout on attempt 1: no answer in 15000 ms; next attempt at ${new Date(6_000).toISOString()}`,
    });
    expect(state.history.at(-1)).to.not.have.property("instruction");
  });

  it("error: a report without a lowercase sha256 is INVALID_EVENT", () => {
    const proof = { weightsCid: "bafy", weightsSha256: "XYZ" };
    const bad = transition(reach("running"), { type: "report", at: 2, nodeId: NODE_A, proof });
    expect(bad).to.include({ code: "INVALID_EVENT" });
  });

  it("proof-rejected refunds and keeps the reason for the client", () => {
    const verdict: RejectedVerdict = {
      outcome: "rejected",
      reason: "metrics-do-not-reproduce",
      detail: "loss 0.9, claimed 0.1",
      attempt: 1,
    };
    const state = transitionOrThrow(reach("verifying"), { type: "proof-rejected", at: 4, verdict });
    expect(state.status).to.equal("refunding");
    expect(state.history.at(-1)).to.deep.include({
      reason: "proof-rejected",
      detail: "metrics-do-not-reproduce: loss 0.9, claimed 0.1",
      instruction: "refund_escrow",
      verdict,
    });
  });

  it("timed-out records the node's share by verified progress for settle_partial", () => {
    const state = transitionOrThrow(reach("running"), { type: "timed-out", at: 4, nodeShareBps: 2_500 });
    expect(state).to.include({ status: "settling-partial", nodeShareBps: 2_500 });
    expect(state.history.at(-1)).to.include({
      reason: "timed-out",
      detail: "verified progress 25%",
      instruction: "settle_partial",
    });
  });

  it("error: a share above 10 000 bps is INVALID_EVENT", () => {
    const refused = transition(reach("running"), { type: "timed-out", at: 4, nodeShareBps: 10_001 });
    expect(refused).to.include({ code: "INVALID_EVENT" });
  });

  it("a client cancel before running refunds: cancelled-by-client, refund_escrow", () => {
    const state = transitionOrThrow(reach("offered"), { type: "cancel", at: 4 });
    expect(state).to.include({ status: "refunding", nodeId: null });
    expect(state.history.at(-1)).to.include({ reason: "cancelled-by-client", instruction: "refund_escrow" });
  });

  it("a client cancel of a running job settles by verified progress and keeps the node as payee", () => {
    const state = transitionOrThrow(reach("running"), { type: "cancel", at: 4, nodeShareBps: 1_234 });
    expect(state).to.include({ status: "settling-partial", nodeShareBps: 1_234, nodeId: NODE_A });
    expect(state.history.at(-1)).to.include({
      reason: "cancelled-by-client",
      detail: "verified progress 12.34%",
      instruction: "settle_partial",
    });
  });

  it("error: a cancel of a running job without a share, or with a fractional one, is INVALID_EVENT", () => {
    expect(transition(reach("running"), { type: "cancel", at: 4 })).to.include({ code: "INVALID_EVENT" });
    expect(transition(reach("running"), { type: "cancel", at: 4, nodeShareBps: 0.5 })).to.include({ code: "INVALID_EVENT" });
    expect(transition(reach("running"), { type: "timed-out", at: 4, nodeShareBps: -1 })).to.include({ code: "INVALID_EVENT" });
  });

  it("error: a cancel once the job is verifying is TRANSITION_FORBIDDEN", () => {
    expect(transition(reach("verifying"), { type: "cancel", at: 4, nodeShareBps: 0 })).to.include({ code: "TRANSITION_FORBIDDEN" });
  });

  it("a confirmed settlement records its signature", () => {
    expect(reach("released").settlementSignature).to.equal("5ig");
    expect(reach("refunded").settlementSignature).to.equal("5ig");
    expect(reach("settled").settlementSignature).to.equal("5ig");
  });

  it("the happy path's history: submitted, matched, accepted, proof-reported, proof-verified, release-confirmed", () => {
    const state = reach("released");
    expect(state.history.map((record) => [record.from, record.to, record.reason])).to.deep.equal([
      [null, "queued", "submitted"],
      ["queued", "offered", "matched"],
      ["offered", "running", "accepted"],
      ["running", "verifying", "proof-reported"],
      ["verifying", "releasing", "proof-verified"],
      ["releasing", "released", "release-confirmed"],
    ]);
  });

  it("released, refunded and settled are the terminal statuses", () => {
    expect(JOB_STATUSES.filter(isTerminal)).to.deep.equal(["released", "refunded", "settled"]);
  });

  it("the money states map to release_escrow, refund_escrow and settle_partial", () => {
    expect(MONEY_STATE_INSTRUCTION).to.deep.equal({
      releasing: "release_escrow",
      refunding: "refund_escrow",
      "settling-partial": "settle_partial",
    });
  });

  it("error: an event with no time is INVALID_EVENT", () => {
    expect(transition(fresh(), { type: "offer", at: Number.NaN, nodeId: NODE_A })).to.include({ code: "INVALID_EVENT" });
  });

  it("error: transitionOrThrow throws the TransitionError", () => {
    expect(() => transitionOrThrow(reach("released"), { type: "cancel", at: 9 }))
      .to.throw(TransitionError)
      .with.property("code", "TRANSITION_FORBIDDEN");
  });

  it("error: maxAttempts below 1 is INVALID_JOB_STATE", () => {
    expect(() => newJobState("job", 0, 0))
      .to.throw(JobStateError)
      .with.property("code", "INVALID_JOB_STATE");
  });
});
