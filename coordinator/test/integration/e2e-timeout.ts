/**
 * Running jobs that end early, end to end with nothing faked (the coordinator as
 * main.ts builds it, the real localnet, redis-server and kubo): a node hands in
 * checkpoints whose bytes it added to IPFS; the coordinator fetches and hashes them;
 * verified progress is what the escrow is split by when the job times out or its
 * client cancels it while it runs. Cancels before the job runs refund everything.
 * Every balance is checked against sdk/src/split.ts through the suite's shadow ledger.
 */
import { expect } from "chai";

import { jobIdToHex, split, tokenBalance } from "@cyxwiz/sdk";
import { type TestWallet, useEscrowSuite } from "../../../tests/setup";
import type { CoordinatorConfig } from "../../src/config";
import { partialProofHash } from "../../src/domain/checkpoints";
import { call, errorOf, heartbeat, registerNode, type Reply } from "../harness/api-harness";
import { waitFor } from "../harness/chain-harness";
import {
  type BeatingNode,
  CLIENT_BUDGET,
  escrowWhen,
  jobView,
  jobWhen,
  quoteFor,
  type RunningCoordinator,
  type RunningJob,
  runningJob,
  startCoordinator,
  submitJob,
} from "../harness/e2e-harness";
import { addedWeights } from "../harness/ipfs-harness";

type Checkpoint = { epoch: number; cid: string; sha256: string; status: string; detail?: string };

describe("e2e: timeouts and cancels settle by verified checkpoints", function () {
  this.timeout(120_000);
  const suite = useEscrowSuite();
  const coordinators: RunningCoordinator[] = [];
  const nodes: BeatingNode[] = [];

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
    for (const api of coordinators.splice(0)) await api.close();
  });

  async function coordinator(maxDurationSecs = 3_600): Promise<RunningCoordinator> {
    const change = (config: CoordinatorConfig) => ({
      ...config,
      matching: { ...config.matching, defaultMaxDurationSecs: maxDurationSecs },
    });
    const api = await startCoordinator(suite.chain, { config: change });
    coordinators.push(api);
    return api;
  }

  interface Started extends RunningJob {
    readonly api: RunningCoordinator;
    readonly client: TestWallet;
    readonly nodeWallet: TestWallet;
  }

  async function started(api: RunningCoordinator): Promise<Started> {
    const client = await suite.wallet(CLIENT_BUDGET);
    const nodeWallet = await suite.wallet();
    return { ...(await runningJob(api, suite, client, nodeWallet, nodes)), api, client, nodeWallet };
  }

  function checkpoint(job: Started, body: Record<string, unknown>): Promise<Reply> {
    return call(job.api, "POST", `/v1/jobs/${job.jobId}/checkpoint`, {
      signer: job.nodeWallet.keypair,
      body: { jobToken: job.jobToken, ...body },
    });
  }

  /** Adds `size` random bytes to kubo and hands them in as `epoch` of `epochs`; `lie` hands in another sha256. */
  async function handIn(job: Started, epoch: number, epochs: number, lie = false) {
    const bytes = await addedWeights(4_096);
    const sha256 = lie ? (await addedWeights(16)).sha256 : bytes.sha256;
    const reply = await checkpoint(job, { epoch, epochs, cid: bytes.cid, sha256 });
    expect(reply.status, reply.text).to.equal(202);
    expect(reply.body).to.deep.equal({ jobId: job.jobId, epoch, status: "pending" });
    return { cid: bytes.cid, sha256 };
  }

  function checkpointsWhen(job: Started, decided: number): Promise<Record<string, unknown>> {
    return waitFor(`${decided} checkpoints decided`, async () => {
      const view = await jobView(job.api, job.client, job.jobId);
      const list = view.checkpoints as Checkpoint[];
      return list.filter((c) => c.status !== "pending").length >= decided ? view : null;
    });
  }

  /** The escrow is settled on chain as split(amount, share, fee) says, and every balance follows. */
  async function expectSettled(job: Started, shareBps: number, proofHash: string) {
    const settled = await escrowWhen(
      suite.chain,
      job.funded.escrow,
      "the escrow settled",
      (e) => e.status === "Released" || e.status === "Refunded",
    );
    const expected = split(job.amount, shareBps, 1_000);
    expect(expected.node + expected.platform + expected.payer).to.equal(job.amount);
    expect(settled).to.include({ nodePaid: expected.node, platformPaid: expected.platform, refunded: expected.payer });
    expect(Buffer.from(settled.proofHash).toString("hex"), "proof hash on chain").to.equal(proofHash);
    if (expected.node > 0n) suite.ledger.move(job.funded.vault, job.nodeWallet.token, expected.node);
    if (expected.platform > 0n) suite.ledger.move(job.funded.vault, suite.chain.treasury, expected.platform);
    suite.ledger.move(job.funded.vault, job.client.token, expected.payer);
    await suite.ledger.verify();
    expect(await tokenBalance(suite.chain.connection, job.nodeWallet.token), "the node's share").to.equal(expected.node);
    expect(await tokenBalance(suite.chain.connection, job.client.token), "the client's rest").to.equal(
      CLIENT_BUDGET - job.amount + expected.payer,
    );
    expect(await tokenBalance(suite.chain.connection, job.funded.vault)).to.equal(0n);
    return jobWhen(job.api, job.client, job.jobId, "settled");
  }

  function toldToDrop(node: BeatingNode, jobId: string, reason: string): Promise<unknown> {
    return waitFor(`the node told to drop ${jobId} (${reason})`, async () =>
      node.replies.some((reply) => JSON.stringify(reply.body.cancel) === JSON.stringify({ jobId, reason })) ? true : null,
    );
  }

  it("a job that times out pays the node floor(verified epochs / epochs × 10 000) bps: 2 of 4 verified, a lying checkpoint rejected and counting nothing", async () => {
    const api = await coordinator(12);
    const job = await started(api);
    await handIn(job, 1, 4);
    const second = await handIn(job, 2, 4);
    const viewAfterTwo = await checkpointsWhen(job, 2);
    expect(viewAfterTwo.verifiedProgress).to.deep.include({ epoch: 2, epochs: 4, fraction: 0.5, cid: second.cid });
    await handIn(job, 3, 4, true);
    const view = await checkpointsWhen(job, 3);
    const third = (view.checkpoints as Checkpoint[]).find((c) => c.epoch === 3);
    expect(third?.status).to.equal("rejected");
    expect(third?.detail).to.match(/^hash-mismatch: /);
    expect(view.verifiedProgress, "the rejected epoch changes nothing").to.deep.include({ epoch: 2, epochs: 4 });
    expect(view.status).to.equal("running");

    await toldToDrop(job.node, job.jobId, "timed-out");
    const settled = await expectSettled(job, 5_000, second.sha256);
    const timedOut = (settled.history as Record<string, unknown>[]).find((record) => record.event === "timed-out");
    expect(timedOut).to.include({ from: "running", to: "settling-partial", reason: "timed-out", instruction: "settle_partial" });
    expect(settled).to.include({ nodeShareBps: 5_000, settleProofHash: second.sha256, nodeId: job.nodeWallet.publicKey.toBase58() });
  });

  it("a job that times out with no verified checkpoint gives the client everything back", async () => {
    const api = await coordinator(10);
    const job = await started(api);
    await handIn(job, 1, 2, true);
    await checkpointsWhen(job, 1);
    await toldToDrop(job.node, job.jobId, "timed-out");
    const settled = await expectSettled(job, 0, partialProofHash(job.jobId, null));
    expect(settled).to.include({ nodeShareBps: 0, verifiedProgress: null });
  });

  it("a client cancels a running job: the node is paid its verified share, the client the rest; again answers the same", async () => {
    const api = await coordinator();
    const job = await started(api);
    const first = await handIn(job, 1, 3);
    await checkpointsWhen(job, 1);
    const cancel = () => call(api, "POST", `/v1/jobs/${job.jobId}/cancel`, { signer: job.client.keypair });
    const reply = await cancel();
    expect(reply.status, reply.text).to.equal(202);
    expect(reply.body).to.deep.equal({ jobId: job.jobId, status: "settling-partial" });
    await toldToDrop(job.node, job.jobId, "cancelled-by-client");
    await expectSettled(job, 3_333, first.sha256);
    const again = await cancel();
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.equal({ jobId: job.jobId, status: "settling-partial" });
  });

  it("a client cancels a queued job and an offered job: each escrow is refunded in full, the offered node told to drop it", async () => {
    const api = await coordinator();
    const client = await suite.wallet(CLIENT_BUDGET);
    // Queued: no node is online.
    const { quoteId, amount } = await quoteFor(api, client);
    const queued = await suite.createEscrow(client, amount);
    const queuedId = jobIdToHex(queued.jobId);
    expect((await submitJob(api, client, quoteId, queued, "cancel-queued")).status).to.equal(201);
    const cancelQueued = await call(api, "POST", `/v1/jobs/${queuedId}/cancel`, { signer: client.keypair });
    expect(cancelQueued.status, cancelQueued.text).to.equal(202);
    expect(cancelQueued.body).to.deep.equal({ jobId: queuedId, status: "refunding" });
    await escrowWhen(suite.chain, queued.escrow, "the queued job's escrow refunded", (e) => e.status === "Refunded");
    suite.ledger.move(queued.vault, client.token, amount);
    expect(await jobWhen(api, client, queuedId, "refunded")).to.include({ status: "refunded" });

    // Offered: a node online that never accepts; the escrow is Locked to it.
    const nodeWallet = await suite.wallet();
    await registerNode(api, nodeWallet.keypair);
    await heartbeat(api, nodeWallet.keypair);
    const second = await quoteFor(api, client);
    const offered = await suite.createEscrow(client, second.amount);
    const offeredId = jobIdToHex(offered.jobId);
    expect((await submitJob(api, client, second.quoteId, offered, "cancel-offered")).status).to.equal(201);
    await escrowWhen(suite.chain, offered.escrow, "locked to the node", (e) => e.status === "Locked");
    await jobWhen(api, client, offeredId, "offered");
    const cancelOffered = await call(api, "POST", `/v1/jobs/${offeredId}/cancel`, { signer: client.keypair });
    expect(cancelOffered.body).to.deep.equal({ jobId: offeredId, status: "refunding" });
    const told = await heartbeat(api, nodeWallet.keypair);
    expect(told.body.cancel).to.deep.equal({ jobId: offeredId, reason: "cancelled-by-client" });
    expect(told.body.offer, "the offer is withdrawn").to.equal(null);
    const refunded = await escrowWhen(suite.chain, offered.escrow, "the offered job's escrow refunded", (e) => e.status === "Refunded");
    expect(refunded).to.include({ refunded: second.amount, nodePaid: 0n, platformPaid: 0n });
    suite.ledger.move(offered.vault, client.token, second.amount);
    await suite.ledger.verify();
    expect(await tokenBalance(suite.chain.connection, client.token)).to.equal(CLIENT_BUDGET);
  });

  it("a job whose proof is handed in cannot be cancelled (409 JOB_NOT_CANCELLABLE), nor by anyone but its client (404)", async () => {
    const api = await coordinator();
    const job = await started(api);
    const weights = await addedWeights(1_024);
    const report = await call(api, "POST", `/v1/jobs/${job.jobId}/report`, {
      signer: job.nodeWallet.keypair,
      body: { weightsCid: weights.cid, weightsSha256: weights.sha256, jobToken: job.jobToken },
    });
    expect(report.status, report.text).to.equal(202);
    job.node.jobId = null;
    const stranger = await call(api, "POST", `/v1/jobs/${job.jobId}/cancel`, { signer: job.nodeWallet.keypair });
    expect(stranger.status).to.equal(404);
    expect(errorOf(stranger).code).to.equal("JOB_NOT_FOUND");
    const late = await call(api, "POST", `/v1/jobs/${job.jobId}/cancel`, { signer: job.client.keypair });
    expect(late.status).to.be.oneOf([409]);
    expect(errorOf(late).code).to.equal("JOB_NOT_CANCELLABLE");
    expect(errorOf(late).message).to.match(/is (verifying|releasing|released)/);
    // Released 90/10 as usual.
    await escrowWhen(suite.chain, job.funded.escrow, "released", (e) => e.status === "Released");
    const { node, platform } = split(job.amount, 10_000, 1_000);
    suite.ledger.move(job.funded.vault, job.nodeWallet.token, node);
    suite.ledger.move(job.funded.vault, suite.chain.treasury, platform);
    await jobView(api, job.client, job.jobId);
  });
});
