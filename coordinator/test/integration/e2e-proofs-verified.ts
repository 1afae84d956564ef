/**
 * The completion path end to end, with nothing faked: the coordinator as main.ts builds
 * it, the real localnet, redis-server and kubo daemon (offline). A node that runs a job
 * adds its weights to IPFS and reports CID, sha256 and metrics; the coordinator fetches
 * the weights, hashes them, re-evaluates the metrics when it knows the job's kind, and
 * only then releases the escrow with the weights' sha256 as the proof hash; metrics that
 * do not reproduce are refunded (security test 38). Set-up in ../harness/proof-suite.ts.
 */
import { expect } from "chai";

import { releaseSplit, tokenBalance } from "@cyxwiz/sdk";
import { DEMO_DATASET, demoSpec, generateDatasetBytes, MLP_KIND, train } from "@cyxwiz/trainer";
import { IntentStore } from "../../src/chain";
import { MetricEvaluatorRegistry } from "../../src/proofs";
import { nodeReliability } from "../../src/store/node-codec";
import { waitFor } from "../harness/chain-harness";
import { escrowWhen, jobWhen } from "../harness/e2e-harness";
import { addedWeights, sha256Hex, testIpfs } from "../harness/ipfs-harness";
import { describeProofs, JSON_KIND, JsonWeightsEvaluator } from "../harness/proof-suite";

describeProofs("e2e: proofs verified from IPFS before any release (security test 38)", (s) => {
  const { suite, coordinator, started, report, history, path, nodeRecord, expectRefunded, rejection } = s;

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
});
