/**
 * Security test 38 end to end (real localnet, redis-server and kubo) when IPFS fails: an
 * IPFS that never answers or cannot be reached is retried with backoff and then refunded,
 * without a release; a retry after an outage can still verify. Set-up in
 * ../harness/proof-suite.ts.
 */
import { expect } from "chai";

import { releaseSplit } from "@cyxwiz/sdk";
import { waitFor } from "../harness/chain-harness";
import { escrowWhen, jobView, jobWhen } from "../harness/e2e-harness";
import { addedWeights, closedPort, proxyToIpfs, silentServer } from "../harness/ipfs-harness";
import { describeProofs } from "../harness/proof-suite";

describeProofs("e2e: proofs verified from IPFS before any release (security test 38)", (s) => {
  const { suite, endpoints, coordinator, withIpfs, started, report, history, path, nodeRecord, expectRefunded, rejection } = s;

  it("38: an IPFS API that accepts and never answers → fetch-timeout retried after 300 ms and 600 ms, fetch-failed on the 3rd attempt, refunded", async () => {
    const silent = await silentServer();
    endpoints.push(silent);
    const api = await coordinator(withIpfs({ apiUrl: silent.url, fetchTimeoutMs: 300 }));
    const job = await started(api);
    const weights = await addedWeights(1_000);
    await report(job, weights.cid, weights.sha256);

    // While it retries, the client sees verifying, the reason and the next attempt.
    const retrying = await waitFor("the first retry", async () => {
      const view = await jobView(api, job.client, job.jobId);
      return history(view).some((record) => record.event === "proof-retry") ? view : null;
    });
    expect(retrying.status).to.equal("verifying");
    const firstRetry = retrying.verification as { transientFailures: number; nextCheckAt: number; verdict: Record<string, unknown> };
    expect(firstRetry).to.deep.include({ transientFailures: 1 });
    expect(firstRetry.verdict).to.include({ outcome: "retry", reason: "fetch-timeout", attempt: 1, nextAt: firstRetry.nextCheckAt });

    const view = await expectRefunded(job);
    expect(path(view).slice(-5)).to.deep.equal([
      "report→verifying",
      "proof-retry→verifying",
      "proof-retry→verifying",
      "proof-rejected→refunding",
      "refund-confirmed→refunded",
    ]);
    const [first, second] = history(view).filter((record) => record.event === "proof-retry");
    for (const [record, attempt, delay] of [
      [first, 1, 300],
      [second, 2, 600],
    ] as const) {
      expect(record).to.deep.include({ from: "verifying", to: "verifying", reason: "proof-check-retry" });
      expect(record.verdict).to.include({ outcome: "retry", reason: "fetch-timeout", attempt });
      const nextAt = Number(record.verdict?.nextAt);
      expect(nextAt - Number(record.at), `backoff after attempt ${attempt}`).to.be.within(delay - 50, delay);
      expect(String(record.detail)).to.match(
        new RegExp(`^fetch-timeout on attempt ${attempt}: reading ${weights.cid} took longer than 300 ms; next attempt at `),
      );
    }
    const secondAttemptStarted = Number(second.at) - 300;
    expect(secondAttemptStarted, "the second attempt waited for its nextAt").to.be.at.least(Number(first.verdict?.nextAt) - 5);
    expect(rejection(view).verdict).to.deep.include({ reason: "fetch-failed", after: "fetch-timeout", attempt: 3 });
    expect(String(rejection(view).verdict?.detail)).to.match(/^gave up after 3 attempts; the last: fetch-timeout: /);
    expect(view.verification).to.deep.include({ transientFailures: 3, nextCheckAt: null });
    // Content the node never made reachable counts against it.
    expect(await nodeRecord(job)).to.include({ proofsRejected: 1 });
  });

  it("38: IPFS unreachable to the last attempt → ipfs-unavailable retries, fetch-failed, refunded; the node's record untouched", async () => {
    const port = await closedPort();
    const api = await coordinator(withIpfs({ apiUrl: `http://127.0.0.1:${port}` }));
    const job = await started(api);
    const weights = await addedWeights(1_000);
    await report(job, weights.cid, weights.sha256);
    const view = await expectRefunded(job);
    expect(
      history(view)
        .filter((record) => record.event === "proof-retry")
        .map((record) => record.verdict?.reason),
    ).to.deep.equal(["ipfs-unavailable", "ipfs-unavailable"]);
    expect(rejection(view).verdict).to.deep.include({ reason: "fetch-failed", after: "ipfs-unavailable", attempt: 3 });
    // The coordinator's own IPFS being down says nothing about the node.
    expect(await nodeRecord(job)).to.include({ proofsVerified: 0, proofsRejected: 0 });
  });

  it("an IPFS outage that ends: ipfs-unavailable retry, then the next attempt verifies and the escrow is released", async () => {
    const port = await closedPort();
    const api = await coordinator((config) => ({
      ...withIpfs({ apiUrl: `http://127.0.0.1:${port}` })(config),
      verification: { ...config.verification, retryBaseMs: 1_000, maxAttempts: 5 },
    }));
    const job = await started(api);
    const weights = await addedWeights(50_000);
    await report(job, weights.cid, weights.sha256);
    await waitFor("a retry", async () => {
      const view = await jobView(api, job.client, job.jobId);
      return history(view).some((record) => record.event === "proof-retry") ? true : null;
    });
    endpoints.push(await proxyToIpfs(port));

    const released = await escrowWhen(suite.chain, job.funded.escrow, "the escrow released", (e) => e.status === "Released");
    expect(Buffer.from(released.proofHash).toString("hex")).to.equal(weights.sha256);
    const split = releaseSplit(job.amount, 1_000);
    suite.ledger.move(job.funded.vault, job.nodeWallet.token, split.node);
    suite.ledger.move(job.funded.vault, suite.chain.treasury, split.platform);
    const view = await jobWhen(api, job.client, job.jobId, "released");
    expect(path(view).slice(-4)).to.deep.equal([
      "report→verifying",
      "proof-retry→verifying",
      "proof-verified→releasing",
      "release-confirmed→released",
    ]);
    expect(history(view).at(-3)?.verdict).to.include({ reason: "ipfs-unavailable", attempt: 1 });
    expect(view.verification).to.deep.include({ transientFailures: 1, nextCheckAt: null });
    expect(await nodeRecord(job)).to.include({ proofsVerified: 1, proofsRejected: 0 });
  });
});
