/**
 * The read API after a real lifecycle (the coordinator as main.ts builds it, the
 * localnet, redis-server and kubo): a job funded with the SDK, run, reported with
 * weights on IPFS, verified and Released on chain. The node's earnings, the
 * settlement in GET /v1/stats and the client's GET /v1/jobs then show exactly what the
 * program paid: 90% to the node, 10% to the treasury, with the landed signature; the
 * escrow held goes back to 0. Balances are checked by the suite's shadow ledger.
 */
import { expect } from "chai";

import { releaseSplit, tokenBalance } from "@cyxwiz/sdk";
import { useEscrowSuite } from "../../../tests/setup";
import { IntentStore } from "../../src/chain";
import { call } from "../harness/api-harness";
import {
  type BeatingNode,
  CLIENT_BUDGET,
  escrowWhen,
  jobWhen,
  type RunningCoordinator,
  runningJob,
  startCoordinator,
} from "../harness/e2e-harness";
import { addedWeights } from "../harness/ipfs-harness";

describe("e2e: earnings, settlements and stats after a real release", function () {
  this.timeout(120_000);
  const suite = useEscrowSuite();
  const nodes: BeatingNode[] = [];
  let api: RunningCoordinator | null = null;

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
    await api?.close();
    api = null;
  });

  it("a released job: the node's earnings = its 90% on chain, the settlement 90/10 with the landed signature, nothing held", async () => {
    api = await startCoordinator(suite.chain);
    const client = await suite.wallet(CLIENT_BUDGET);
    const nodeWallet = await suite.wallet();
    const job = await runningJob(api, suite, client, nodeWallet, nodes);
    const nodeId = nodeWallet.publicKey.toBase58();

    const during = (await call(api, "GET", "/v1/stats")).body;
    expect(during.escrow).to.deep.equal({ held: job.amount.toString(), openJobs: 1 });
    expect(during.nodes).to.deep.include({ busy: 1, total: 1 });

    const weights = await addedWeights(64 * 1024);
    const reported = await call(api, "POST", `/v1/jobs/${job.jobId}/report`, {
      signer: nodeWallet.keypair,
      body: { weightsCid: weights.cid, weightsSha256: weights.sha256, jobToken: job.jobToken },
    });
    expect(reported.status, reported.text).to.equal(202);
    job.node.jobId = null;

    const released = await escrowWhen(suite.chain, job.funded.escrow, "the escrow released", (e) => e.status === "Released");
    const { node: nodeShare, platform } = releaseSplit(job.amount, 1_000);
    expect(released).to.include({ nodePaid: nodeShare, platformPaid: platform, refunded: 0n });
    suite.ledger.move(job.funded.vault, nodeWallet.token, nodeShare);
    suite.ledger.move(job.funded.vault, suite.chain.treasury, platform);
    await suite.ledger.verify();
    expect(await tokenBalance(suite.chain.connection, nodeWallet.token)).to.equal(nodeShare);
    await jobWhen(api, client, job.jobId, "released");

    const intent = await new IntentStore(api.coordinator.service.store.redis, api.config.redis.keyPrefix).read(job.jobId);
    expect(intent).to.include({ action: "release", state: "confirmed" });
    const signature = intent?.landedSignature;
    expect(signature).to.be.a("string").and.not.equal("");

    const detail = await call(api, "GET", `/v1/nodes/${nodeId}`);
    expect(detail.status).to.equal(200);
    const earnings = detail.body.earnings as { total: string; jobs: number; history: Record<string, unknown>[] };
    expect(earnings).to.deep.include({ total: nodeShare.toString(), jobs: 1 });
    expect(earnings.history).to.have.length(1);
    expect(earnings.history[0]).to.deep.include({ jobId: job.jobId, outcome: "released", amount: nodeShare.toString(), signature });

    const list = (await call(api, "GET", "/v1/nodes")).body.nodes as Record<string, unknown>[];
    expect(list.find((node) => node.nodeId === nodeId)?.earnings).to.deep.equal({ total: nodeShare.toString(), jobs: 1 });

    const stats = (await call(api, "GET", "/v1/stats")).body;
    expect(stats.escrow).to.deep.equal({ held: "0", openJobs: 0 });
    expect(stats.jobs).to.deep.include({ total: 1 });
    expect((stats.jobs as { byStatus: Record<string, number> }).byStatus).to.include({ released: 1, queued: 0, releasing: 0 });
    expect(stats.settlements).to.have.length(1);
    expect((stats.settlements as Record<string, unknown>[])[0]).to.deep.include({
      jobId: job.jobId,
      outcome: "released",
      amount: job.amount.toString(),
      nodeId,
      nodeAmount: nodeShare.toString(),
      platformFee: platform.toString(),
      clientRefund: "0",
      signature,
    });

    const mine = await call(api, "GET", "/v1/jobs?status=released", { signer: client.keypair });
    expect((mine.body.jobs as Record<string, unknown>[]).map((view) => [view.jobId, view.status, view.settlementSignature])).to.deep.equal([
      [job.jobId, "released", signature],
    ]);

    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).to.match(/^cyxwiz_escrow_held_tokens 0$/m);
    expect(metrics).to.match(/^cyxwiz_settlements_total\{action="release",outcome="confirmed"\} 1$/m);
    expect(metrics).to.match(/^cyxwiz_jobs_submitted_total 1$/m);
    expect(metrics).to.match(/^cyxwiz_proof_verdicts_total\{outcome="verified",reason="none"\} 1$/m);
  });
});
