/** The job state machine against the spec written out here: every status × every event. */
import { expect } from "chai";

import { JOB_EVENT_TYPES, JOB_STATUSES, type JobEventType, type JobStatus, transition, TransitionError } from "../../src/domain/job-state";
import { eventOf, reach } from "../harness/job-events";

/** The spec, written out independently of the module: status → event → next status. */
const ALLOWED: Readonly<Record<JobStatus, Partial<Record<JobEventType, JobStatus>>>> = {
  queued: { offer: "offered", cancel: "refunding" },
  offered: { accept: "running", "offer-expired": "queued", abandon: "queued", cancel: "refunding" },
  running: { "node-lost": "queued", abandon: "queued", report: "verifying", "timed-out": "settling-partial", cancel: "settling-partial" },
  verifying: { "proof-verified": "releasing", "proof-rejected": "refunding", "proof-retry": "verifying" },
  releasing: { "release-confirmed": "released" },
  released: {},
  refunding: { "refund-confirmed": "refunded" },
  refunded: {},
  "settling-partial": { "settle-confirmed": "settled" },
  settled: {},
};

describe("job state machine: the full status × event table", () => {
  for (const status of JOB_STATUSES) {
    for (const type of JOB_EVENT_TYPES) {
      const to = ALLOWED[status][type];
      if (to !== undefined) {
        it(`${status} --${type}--> ${to}`, () => {
          const before = reach(status);
          const after = transition(before, eventOf(type, before));
          if (after instanceof TransitionError) throw after;
          expect(after.status).to.equal(to);
          expect(after.history.at(-1)).to.include({ from: status, to, event: type, at: 1_000 });
          expect(after.history).to.have.length(before.history.length + 1);
        });
      } else {
        it(`error: ${type} in ${status} is TRANSITION_FORBIDDEN`, () => {
          const before = reach(status);
          const refused = transition(before, eventOf(type, before));
          expect(refused).to.be.instanceOf(TransitionError);
          expect(refused).to.include({ code: "TRANSITION_FORBIDDEN", status, event: type });
        });
      }
    }
  }

  it("the table covers every status and every event", () => {
    expect(Object.keys(ALLOWED)).to.have.members([...JOB_STATUSES]);
    expect(JOB_STATUSES.length * JOB_EVENT_TYPES.length).to.equal(140);
  });
});
