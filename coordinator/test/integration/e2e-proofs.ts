/**
 * The completion path end to end, with nothing faked: the coordinator as main.ts
 * builds it, the real localnet, redis-server and kubo daemon (offline). A node that
 * runs a job adds its weights to IPFS and reports CID, sha256 and metrics; the
 * coordinator fetches the weights, hashes them, re-evaluates the metrics when it
 * knows the job's kind, and only then releases the escrow with the weights' sha256 as
 * the proof hash. Security test 38: a proof missing from IPFS, a hash mismatch,
 * weights too large, metrics that do not reproduce and an IPFS that never answers
 * all end without a release, refunded on chain, with the verdict and its reason in
 * the job's history; transient failures are retried with backoff, and a retry after
 * an outage can still verify. Balances are checked by the suite's shadow ledger.
 */
import { expect } from "chai";

import { releaseSplit, tokenBalance } from "../../../sdk/src";
import { DEMO_DATASET, demoSpec, generateDatasetBytes, MLP_KIND, train } from "../../../trainer/src";
import { type TestWallet, useEscrowSuite } from "../../../tests/setup";
import { IntentStore } from "../../src/chain";
import type { CoordinatorConfig } from "../../src/config";
import { type Evaluation, type EvaluationInput, type MetricEvaluator, MetricEvaluatorRegistry } from "../../src/proofs";
import { nodeReliability } from "../../src/store/node-codec";
import { call, type Reply } from "../harness/api-harness";
import { waitFor } from "../harness/chain-harness";
import {
  type BeatingNode,
  CLIENT_BUDGET,
  escrowWhen,
  jobView,
  jobWhen,
  type RunningCoordinator,
  type RunningJob,
  runningJob,
  startCoordinator,
} from "../harness/e2e-harness";
import {
  addedWeights,
  closedPort,
  missingWeights,
  proxyToIpfs,
  sha256Hex,
  silentServer,
  type TcpEndpoint,
  testIpfs,
} from "../harness/ipfs-harness";

type HistoryRecord = Record<string, unknown> & { verdict?: Record<string, unknown> };

/** A job kind whose weights are JSON {"w": [numbers]} and whose metric is loss = mean(w²). */
const JSON_KIND = "test/json-weights";

/** Recomputes the loss from the weights it reads back from IPFS (a real evaluator for a toy kind). */
class JsonWeightsEvaluator implements MetricEvaluator {
  readonly kind = JSON_KIND;

  async evaluate(input: EvaluationInput): Promise<Evaluation> {
    let w: number[];
    try {
      w = (JSON.parse(Buffer.from(await input.read(input.weights.cid)).toString("utf8")) as { w: number[] }).w;
    } catch (error) {
      return { reproduced: false, metrics: {}, detail: `weights are not {"w": [...]} JSON: ${(error as Error).message}` };
    }
    const loss = w.reduce((sum, x) => sum + x * x, 0) / w.length;
    const claimed = input.claimed.loss;
    if (claimed !== undefined && Math.abs(claimed - loss) <= 1e-9) return { reproduced: true, metrics: { loss } };
    return { reproduced: false, metrics: { loss }, detail: `loss on the weights is ${loss}, the node claimed ${String(claimed)}` };
  }
}

describe("e2e: proofs verified from IPFS before any release (security test 38)", function () {
  this.timeout(120_000);
  const suite = useEscrowSuite();
  const coordinators: RunningCoordinator[] = [];
  const nodes: BeatingNode[] = [];
  const endpoints: TcpEndpoint[] = [];

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
    for (const api of coordinators.splice(0)) await api.close();
    await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.close()));
  });

  async function coordinator(
    change: (config: CoordinatorConfig) => CoordinatorConfig = (c) => c,
    evaluators?: MetricEvaluatorRegistry,
  ): Promise<RunningCoordinator> {
    const api = await startCoordinator(suite.chain, { config: change, evaluators });
    coordinators.push(api);
    return api;
  }

  const withIpfs = (ipfs: Partial<CoordinatorConfig["ipfs"]>) => (config: CoordinatorConfig) => ({
    ...config,
    ipfs: { ...config.ipfs, ...ipfs },
  });

  interface Started extends RunningJob {
    readonly api: RunningCoordinator;
    readonly client: TestWallet;
    readonly nodeWallet: TestWallet;
  }

  async function started(api: RunningCoordinator, config?: Record<string, unknown>, datasetCid?: string): Promise<Started> {
    const client = await suite.wallet(CLIENT_BUDGET);
    const nodeWallet = await suite.wallet();
    const job = await runningJob(api, suite, client, nodeWallet, nodes, config, datasetCid);
    return { ...job, api, client, nodeWallet };
  }

  /** The node reports; it is free again afterwards (it stops naming the job in its beats). */
  async function report(job: Started, weightsCid: string, weightsSha256: string, metrics?: Record<string, number>): Promise<Reply> {
    const reply = await call(job.api, "POST", `/v1/jobs/${job.jobId}/report`, {
      signer: job.nodeWallet.keypair,
      body: { weightsCid, weightsSha256, jobToken: job.jobToken, ...(metrics === undefined ? {} : { metrics }) },
    });
    expect(reply.status, reply.text).to.equal(202);
    job.node.jobId = null;
    return reply;
  }

  const history = (view: Record<string, unknown>) => view.history as HistoryRecord[];
  const path = (view: Record<string, unknown>) => history(view).map((record) => `${String(record.event)}→${String(record.to)}`);

  async function nodeRecord(job: Started) {
    const node = await job.api.coordinator.service.store.nodes.get(job.nodeWallet.publicKey.toBase58());
    if (node === null) expect.fail("node not stored");
    return node;
  }

  /** Waits for the refund on chain and in the job; checks nothing was paid out. */
  async function expectRefunded(job: Started): Promise<Record<string, unknown>> {
    const escrow = await escrowWhen(suite.chain, job.funded.escrow, "the escrow refunded", (e) => e.status === "Refunded");
    expect(escrow).to.include({ refunded: job.amount, nodePaid: 0n, platformPaid: 0n });
    suite.ledger.move(job.funded.vault, job.client.token, job.amount);
    await suite.ledger.verify();
    const view = await jobWhen(job.api, job.client, job.jobId, "refunded");
    expect(
      history(view).some((record) => record.instruction === "release_escrow"),
      "no release was ever decided",
    ).to.equal(false);
    const intent = await new IntentStore(job.api.coordinator.service.store.redis, job.api.config.redis.keyPrefix).read(job.jobId);
    expect(intent).to.include({ action: "refund", state: "confirmed" });
    return view;
  }

  /** The job's proof-rejected record, with its verdict. */
  function rejection(view: Record<string, unknown>): HistoryRecord {
    const record = history(view).find((entry) => entry.event === "proof-rejected");
    if (record === undefined) expect.fail(`no proof-rejected record in ${JSON.stringify(view.history)}`);
    expect(record).to.include({ from: "verifying", to: "refunding", reason: "proof-rejected", instruction: "refund_escrow" });
    return record;
  }

  it("(a) full lifecycle: weights the node added to IPFS with their sha256 → verified → Released on chain 90/10, the sha256 as proof hash", async () => {
    const api = await coordinator();
    const job = await started(api);
    const weights = await addedWeights(700 * 1024);
    await report(job, weights.cid, weights.sha256, { loss: 0.125 });

    const released = await escrowWhen(suite.chain, job.funded.escrow, "the escrow released", (e) => e.status === "Released");
    expect(Buffer.from(released.proofHash).toString("hex"), "proof hash on chain = the weights' sha256").to.equal(weights.sha256);
    const { node: nodeShare, platform } = releaseSplit(job.amount, 1_000);
    expect(nodeShare + platform).to.equal(job.amount);
    expect(platform).to.equal(job.amount / 10n);
    expect(released).to.include({ nodePaid: nodeShare, platformPaid: platform, refunded: 0n });
    suite.ledger.move(job.funded.vault, job.nodeWallet.token, nodeShare);
    suite.ledger.move(job.funded.vault, suite.chain.treasury, platform);
    await suite.ledger.verify();
    expect(await tokenBalance(suite.chain.connection, job.nodeWallet.token), "the node's 90%").to.equal(nodeShare);
    expect(await tokenBalance(suite.chain.connection, job.funded.vault)).to.equal(0n);

    const view = await jobWhen(api, job.client, job.jobId, "released");
    expect(path(view).slice(-3)).to.deep.equal(["report→verifying", "proof-verified→releasing", "release-confirmed→released"]);
    const verdict = {
      outcome: "verified",
      sha256: weights.sha256,
      bytes: 700 * 1024,
      metrics: { reevaluated: false, why: "the job's config names no kind, so no evaluator applies" },
    };
    const verified = history(view).at(-2);
    expect(verified).to.deep.include({
      reason: "proof-verified",
      instruction: "release_escrow",
      nodeId: job.nodeWallet.publicKey.toBase58(),
      verdict,
    });
    expect(verified?.detail).to.match(/sha256 [0-9a-f]{64} matches the report; metrics NOT re-evaluated: the job's config names no kind/);
    expect(view.verification).to.deep.equal({ transientFailures: 0, verdict, nextCheckAt: null });
    const intent = await new IntentStore(api.coordinator.service.store.redis, api.config.redis.keyPrefix).read(job.jobId);
    expect(intent).to.include({ action: "release", state: "confirmed" });
    expect(view.settlementSignature).to.equal(intent?.landedSignature);

    const record = await nodeRecord(job);
    expect(record).to.include({ proofsVerified: 1, proofsRejected: 0, jobId: null });
    expect(nodeReliability(record, Date.now(), api.config.heartbeat.intervalMs).parts.proofs).to.be.above(0.5);
    expect(await api.coordinator.service.store.jobs.counts()).to.include({ released: 1, verifying: 0, releasing: 0 });
    expect(await api.coordinator.service.store.verification.awaitingRelease()).to.deep.equal([]);
  });

  it("a kind with an evaluator: metrics recomputed from the weights on IPFS; reproduced → released, not reproduced → refunded (38)", async () => {
    const api = await coordinator((c) => c, new MetricEvaluatorRegistry([new JsonWeightsEvaluator()]));
    const w = [0.5, -0.25, 0.125, 1];
    const loss = w.reduce((sum, x) => sum + x * x, 0) / w.length;
    const content = new TextEncoder().encode(JSON.stringify({ w }));
    const cid = await testIpfs().add(content);

    const honest = await started(api, { kind: JSON_KIND, lr: 0.01 });
    await report(honest, cid, sha256Hex(content), { loss });
    const released = await escrowWhen(suite.chain, honest.funded.escrow, "the honest job released", (e) => e.status === "Released");
    expect(Buffer.from(released.proofHash).toString("hex")).to.equal(sha256Hex(content));
    const split = releaseSplit(honest.amount, 1_000);
    suite.ledger.move(honest.funded.vault, honest.nodeWallet.token, split.node);
    suite.ledger.move(honest.funded.vault, suite.chain.treasury, split.platform);
    const view = await jobWhen(api, honest.client, honest.jobId, "released");
    expect(history(view).at(-2)?.verdict).to.deep.include({ metrics: { reevaluated: true, evaluator: JSON_KIND, metrics: { loss } } });

    // The honest node leaves, so the next job goes to the next node.
    await honest.node.stop();
    await waitFor("the honest node offline", async () => ((await nodeRecord(honest)).online ? null : true));
    const boastful = await started(api, { kind: JSON_KIND, lr: 0.01 });
    await report(boastful, cid, sha256Hex(content), { loss: 0.001 });
    const refused = rejection(await expectRefunded(boastful));
    expect(refused.verdict).to.deep.equal({
      outcome: "rejected",
      reason: "metrics-do-not-reproduce",
      attempt: 1,
      detail: `${JSON_KIND}: loss on the weights is ${loss}, the node claimed 0.001`,
    });
    expect(await nodeRecord(boastful)).to.include({ proofsVerified: 0, proofsRejected: 1 });
  });

  it("the built-in kind cyxwiz/mlp-classifier@1: a model really trained, dataset and weights on kubo, re-evaluated by the coordinator → Released; an inflated accuracy → refunded (38)", async () => {
    // No registry given: the coordinator's default, the built-in kinds' evaluators.
    const api = await coordinator();
    const dataset = generateDatasetBytes(DEMO_DATASET);
    const datasetCid = await testIpfs().add(dataset);
    const spec = demoSpec(datasetCid);
    // What a client submits: the spec as JSON.
    const config = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
    const trained = await train(spec, dataset);
    expect(trained.lossCurve[trained.lossCurve.length - 1]).to.be.below(trained.lossCurve[0]);
    const weightsCid = await testIpfs().add(trained.weights);

    const honest = await started(api, config, datasetCid);
    await report(honest, weightsCid, trained.weightsSha256, trained.metrics);
    const released = await escrowWhen(suite.chain, honest.funded.escrow, "the trained job released", (e) => e.status === "Released");
    expect(Buffer.from(released.proofHash).toString("hex"), "proof hash on chain = the trained weights' sha256").to.equal(
      trained.weightsSha256,
    );
    const split = releaseSplit(honest.amount, 1_000);
    suite.ledger.move(honest.funded.vault, honest.nodeWallet.token, split.node);
    suite.ledger.move(honest.funded.vault, suite.chain.treasury, split.platform);
    await suite.ledger.verify();
    const view = await jobWhen(api, honest.client, honest.jobId, "released");
    expect(history(view).at(-2)?.verdict).to.deep.equal({
      outcome: "verified",
      sha256: trained.weightsSha256,
      bytes: trained.weights.byteLength,
      metrics: { reevaluated: true, evaluator: MLP_KIND, metrics: trained.metrics },
    });
    expect(await nodeRecord(honest)).to.include({ proofsVerified: 1, proofsRejected: 0 });

    // The same weights with a better accuracy claimed, from another node.
    await honest.node.stop();
    await waitFor("the honest node offline", async () => ((await nodeRecord(honest)).online ? null : true));
    const boastful = await started(api, config, datasetCid);
    const samples = 600; // 20% of the 3,000 demo rows
    const correct = Math.round(trained.metrics.validationAccuracy * samples);
    await report(boastful, weightsCid, trained.weightsSha256, { ...trained.metrics, validationAccuracy: (correct + 30) / samples });
    const refused = rejection(await expectRefunded(boastful));
    expect(refused.verdict).to.deep.include({ outcome: "rejected", reason: "metrics-do-not-reproduce", attempt: 1 });
    expect(String(refused.verdict?.detail)).to.equal(
      `${MLP_KIND}: the weights classify ${correct} of ${samples} validation rows correctly (validationAccuracy ${Number((correct / samples).toPrecision(7))}), the node claimed ${Number(((correct + 30) / samples).toPrecision(7))}`,
    );
    expect(await nodeRecord(boastful)).to.include({ proofsVerified: 0, proofsRejected: 1 });
  });

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
