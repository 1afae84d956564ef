/**
 * Security test 38 end to end (real localnet, redis-server and kubo): a proof missing
 * from IPFS, a hash mismatch and weights too large all end without a release, refunded on
 * chain, with the verdict and its reason in the job's history. Set-up in
 * ../harness/proof-suite.ts.
 */
import { expect } from "chai";

import { addedWeights, missingWeights } from "../harness/ipfs-harness";
import { describeProofs } from "../harness/proof-suite";

describeProofs("e2e: proofs verified from IPFS before any release (security test 38)", (s) => {
  const { coordinator, withIpfs, started, report, path, nodeRecord, expectRefunded, rejection } = s;

  it("38: weights missing from IPFS (a valid CID of bytes never added) → rejected not-found at once, refunded, no release", async () => {
    const api = await coordinator();
    const job = await started(api);
    const missing = await missingWeights(32 * 1024);
    await report(job, missing.cid, missing.sha256, { loss: 0.5 });
    const view = await expectRefunded(job);
    expect(path(view).slice(-3)).to.deep.equal(["report→verifying", "proof-rejected→refunding", "refund-confirmed→refunded"]);
    const verdict = rejection(view).verdict;
    expect(verdict).to.include({ outcome: "rejected", reason: "not-found", attempt: 1 });
    expect(String(verdict?.detail)).to.match(new RegExp(`^${missing.cid} is not available: block was not found locally \\(offline\\)`));
    expect(rejection(view).detail).to.equal(`not-found: ${String(verdict?.detail)}`);
    expect(await nodeRecord(job)).to.include({ proofsVerified: 0, proofsRejected: 1 });
  });

  it("38: a reported sha256 that is not the weights' → rejected hash-mismatch, refunded, no release", async () => {
    const api = await coordinator();
    const job = await started(api);
    const weights = await addedWeights(10_000);
    const wrong = "0f".repeat(32);
    await report(job, weights.cid, wrong);
    const verdict = rejection(await expectRefunded(job)).verdict;
    expect(verdict).to.deep.equal({
      outcome: "rejected",
      reason: "hash-mismatch",
      attempt: 1,
      detail: `the 10000 bytes under ${weights.cid} hash to sha256 ${weights.sha256}, but the report claims ${wrong}`,
    });
    expect(await nodeRecord(job)).to.include({ proofsRejected: 1 });
  });

  it("38: weights larger than ipfs.maxProofBytes → rejected too-large, refunded, no release", async () => {
    const api = await coordinator(withIpfs({ maxProofBytes: 64 * 1024 }));
    const job = await started(api);
    const weights = await addedWeights(100 * 1024);
    await report(job, weights.cid, weights.sha256);
    const verdict = rejection(await expectRefunded(job)).verdict;
    expect(verdict).to.deep.include({ outcome: "rejected", reason: "too-large", attempt: 1 });
    expect(String(verdict?.detail)).to.equal(`${weights.cid} holds more than the 65536 bytes a proof may have`);
  });
});
