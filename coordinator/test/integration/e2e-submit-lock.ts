/**
 * End to end, with nothing faked: the coordinator as main.ts builds it, the real
 * localnet and redis-server. A client quotes, funds the escrow with the SDK and
 * submits; the dispatcher locks the escrow on chain to the node before offering the
 * job; the node accepts by heartbeat; when it goes silent the escrow is unlocked on
 * chain and the job requeued (node-lost), then locked to the next node. Every
 * on-chain step is read back with the SDK, and the suite's shadow ledger checks that
 * no token moved except into the vault (mid-test as well as after it).
 */
import { PublicKey } from "@solana/web3.js";
import { expect } from "chai";

import { jobIdToHex } from "@cyxwiz/sdk";
import { type FundedEscrow, useEscrowSuite } from "../../../tests/setup";
import { call, errorOf, snapshot, WEIGHTS_CID } from "../harness/api-harness";
import { waitFor } from "../harness/chain-harness";
import {
  type BeatingNode,
  CLIENT_BUDGET,
  escrowWhen,
  jobView,
  jobWhen,
  type Offer,
  onlineNode,
  quoteFor,
  type RunningCoordinator,
  startCoordinator,
  submitJob,
} from "../harness/e2e-harness";

describe("e2e: submit against a real escrow, lock to the node, node loss → unlock → relock", function () {
  this.timeout(120_000);
  const suite = useEscrowSuite();
  let api: RunningCoordinator;
  const nodes: BeatingNode[] = [];

  beforeEach(async () => {
    api = await startCoordinator(suite.chain);
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
    await api.close();
  });

  const escrowOf = (funded: FundedEscrow) => suite.chain.client.fetchEscrow(funded.escrow);

  /** The vault holds the amount and nothing else moved: the ledger against the chain, now. */
  async function expectOnlyTheVaultFunded(funded: FundedEscrow, amount: bigint): Promise<void> {
    expect(suite.ledger.balanceOf(funded.vault)).to.equal(amount);
    await suite.ledger.verify();
  }

  it("locks the escrow to the node that gets the offer, unlocks it after the node is lost (attempt 1, node-lost) and locks it to the next node", async () => {
    const client = await suite.wallet(CLIENT_BUDGET);
    const [first, second] = [await suite.wallet(), await suite.wallet()];
    // What each node finds on chain at the moment it is offered the job.
    const escrowAtOffer: string[] = [];
    const seeEscrow = async (offer: Offer) => {
      const escrow = await suite.chain.client.fetchEscrow(new PublicKey(offer.escrow));
      escrowAtOffer.push(`${escrow?.status} to ${escrow?.payee?.toBase58()} attempt ${escrow?.attempt}`);
    };
    const firstNode = await onlineNode(api, first, nodes, seeEscrow);

    const { quoteId, amount } = await quoteFor(api, client);
    const funded = await suite.createEscrow(client, amount);
    const jobId = jobIdToHex(funded.jobId);
    expect(await escrowOf(funded)).to.include({ status: "Created", amount, attempt: 0, payee: null });

    const key = `e2e-${jobId.slice(0, 16)}`;
    const submitted = await submitJob(api, client, quoteId, funded, key);
    expect(submitted.status, submitted.text).to.equal(201);
    const retried = await submitJob(api, client, quoteId, funded, key);
    expect(retried.status, "a retry with the same Idempotency-Key is answered from the record").to.equal(201);
    expect(retried.headers.get("idempotent-replayed")).to.equal("true");
    expect(retried.body).to.deep.equal(submitted.body);

    // Matched: the escrow is Locked to the first node's wallet on chain, and only then offered.
    const locked = await escrowWhen(suite.chain, funded.escrow, "the escrow locked", (escrow) => escrow.status === "Locked");
    expect(locked.payee?.toBase58()).to.equal(first.publicKey.toBase58());
    expect(locked.attempt).to.equal(0);
    await jobWhen(api, client, jobId, "running");
    expect(firstNode.offers.map((offer) => offer.jobId)).to.deep.equal([jobId]);
    expect(firstNode.offers[0].escrow).to.equal(funded.escrow.toBase58());
    expect(escrowAtOffer, "offered only once locked to the node").to.deep.equal([`Locked to ${first.publicKey.toBase58()} attempt 0`]);
    expect(await jobView(api, client, jobId)).to.include({ status: "running", nodeId: first.publicKey.toBase58(), attempts: 0 });
    await expectOnlyTheVaultFunded(funded, amount);

    // The node goes silent: after the lease its escrow is unlocked on chain and the job requeued.
    await firstNode.stop();
    const unlocked = await escrowWhen(suite.chain, funded.escrow, "the escrow unlocked", (escrow) => escrow.status === "Created");
    expect(unlocked).to.include({ attempt: 1, payee: null, amount });
    const requeued = await waitFor("the job back in the matchable queue", async () => {
      const view = await jobView(api, client, jobId);
      const queued = await api.coordinator.service.store.redis.zscore(api.coordinator.service.store.keys.jobsQueued, jobId);
      return view.status === "queued" && queued !== null ? view : null;
    });
    expect(requeued).to.include({ nodeId: null, attempts: 1 });
    expect(requeued.excludedNodes).to.deep.equal([first.publicKey.toBase58()]);
    const lost = (requeued.history as Record<string, unknown>[]).at(-1);
    expect(lost).to.include({ from: "running", to: "queued", event: "node-lost", reason: "node-lost", instruction: "unlock_escrow" });
    expect(lost?.nodeId).to.equal(first.publicKey.toBase58());
    await expectOnlyTheVaultFunded(funded, amount);

    // The lost node's late word changes nothing.
    const late = await call(api, "POST", `/v1/jobs/${jobId}/report`, {
      signer: first.keypair,
      body: { weightsCid: WEIGHTS_CID, weightsSha256: "ab".repeat(32), jobToken: firstNode.offers[0].jobToken },
    });
    expect(late.status, "its token is from the attempt it lost").to.equal(403);
    expect(errorOf(late).code).to.equal("BAD_JOB_TOKEN");

    // The next node gets it: locked on chain to the second wallet, same escrow, attempt 1.
    const secondNode = await onlineNode(api, second, nodes, seeEscrow);
    const relocked = await escrowWhen(
      suite.chain,
      funded.escrow,
      "the escrow locked to the second node",
      (escrow) => escrow.status === "Locked",
    );
    expect(relocked.payee?.toBase58()).to.equal(second.publicKey.toBase58());
    expect(relocked.attempt).to.equal(1);
    const running = await jobWhen(api, client, jobId, "running");
    expect(secondNode.offers.map((offer) => offer.jobId)).to.deep.equal([jobId]);
    expect(escrowAtOffer.at(-1)).to.equal(`Locked to ${second.publicKey.toBase58()} attempt 1`);
    expect(running).to.include({ status: "running", nodeId: second.publicKey.toBase58(), attempts: 1 });
    const path = (running.history as { to: string; event: string }[]).map((record) => `${record.event}→${record.to}`);
    expect(path).to.deep.equal(["submit→queued", "offer→offered", "accept→running", "node-lost→queued", "offer→offered", "accept→running"]);
    await expectOnlyTheVaultFunded(funded, amount);
    expect(await escrowOf(funded)).to.include({ nodePaid: 0n, platformPaid: 0n, refunded: 0n });
  });

  it("refuses a submission whose escrow holds less than the quote with 422 and the verifier's reason, storing nothing", async () => {
    const client = await suite.wallet(CLIENT_BUDGET);
    const { quoteId, amount } = await quoteFor(api, client);
    const funded = await suite.createEscrow(client, amount - 1n);
    const before = await snapshot(api.coordinator.service.store.redis, api.config.redis.keyPrefix);

    const refused = await submitJob(api, client, quoteId, funded, `e2e-under-${jobIdToHex(funded.jobId).slice(0, 8)}`);
    expect(refused.status, refused.text).to.equal(422);
    const error = errorOf(refused);
    expect(error.code).to.equal("ESCROW_UNDERFUNDED");
    expect(error.field).to.equal("escrow");
    expect(error.message).to.equal(
      `escrow ${funded.escrow.toBase58()} holds ${amount - 1n} base units but the quote is ${amount}: ` +
        `create an escrow of at least ${amount} (ask for a new quote if this one expired).`,
    );
    expect(await snapshot(api.coordinator.service.store.redis, api.config.redis.keyPrefix), "nothing stored").to.deep.equal(before);
    expect(await escrowOf(funded)).to.include({ status: "Created", attempt: 0, payee: null });
    await expectOnlyTheVaultFunded(funded, amount - 1n);
  });
});
