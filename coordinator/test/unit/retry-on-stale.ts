import { expect } from "chai";

import { CAS_ATTEMPTS, ConcurrentUpdateError, retryOnStale, STALE } from "../../src/store/retry";

describe("retryOnStale: the compare-and-set loop", () => {
  it("returns the first answer that is not STALE, after as many attempts as it took", async () => {
    let calls = 0;
    const answer = await retryOnStale("job j", async () => (++calls < 3 ? STALE : "written"));
    expect([answer, calls]).to.deep.equal(["written", 3]);
  });

  it("a first answer is taken at once, whatever it is (null included)", async () => {
    let calls = 0;
    expect(await retryOnStale("job j", async () => (calls++, null))).to.equal(null);
    expect(calls).to.equal(1);
  });

  it(`error: STALE ${CAS_ATTEMPTS} times is a ConcurrentUpdateError naming what kept changing`, async () => {
    let calls = 0;
    const error = await retryOnStale("job j", async () => (calls++, STALE)).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConcurrentUpdateError);
    expect(error).to.include({ code: "CONCURRENT_UPDATE", message: `job j kept changing under ${CAS_ATTEMPTS} attempts; try again` });
    expect(calls).to.equal(CAS_ATTEMPTS);
  });

  it("an attempt that throws stops the loop with its error", async () => {
    let calls = 0;
    const error = await retryOnStale("job j", async () => {
      calls++;
      throw new Error("boom");
    }).catch((e: unknown) => e);
    expect((error as Error).message).to.equal("boom");
    expect(calls).to.equal(1);
  });
});
