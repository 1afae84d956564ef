/**
 * The wired coordinator's other money paths on the real localnet and redis-server:
 * a refund handed to the chain side by the lease watchdog and finished by the
 * `onSettled` hook in the same Redis script as its intent; and start-up
 * reconciliation, which takes a job back from its node when the chain shows its
 * escrow no longer locked to that node. Balances are checked by the shadow ledger.
 */
import { expect } from "chai";

import { IntentStore } from "../../src/chain";
import { useEscrowSuite } from "../../../tests/setup";
import { heartbeat } from "../harness/api-harness";
import { waitFor } from "../harness/chain-harness";
import {
  type BeatingNode,
  CLIENT_BUDGET,
  escrowWhen,
  jobView,
  jobWhen,
  onlineNode,
  type RunningCoordinator,
  runningJob,
  startCoordinator,
} from "../harness/e2e-harness";

describe("e2e: refund on the last node loss, and start-up reconciliation", function () {
  this.timeout(120_000);
  const suite = useEscrowSuite();
  const coordinators: RunningCoordinator[] = [];
  const nodes: BeatingNode[] = [];

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
    for (const api of coordinators.splice(0).reverse()) await api.close();
  });

  async function coordinator(options: Parameters<typeof startCoordinator>[1] = {}): Promise<RunningCoordinator> {
    const api = await startCoordinator(suite.chain, options);
    coordinators.push(api);
    return api;
  }

  it("the last allowed node loss refunds the escrow on chain, and the confirmation moves the job to refunded with its intent", async () => {
    const api = await coordinator({ config: (c) => ({ ...c, matching: { ...c.matching, maxAttempts: 1 } }) });
    const client = await suite.wallet(CLIENT_BUDGET);
    const { funded, jobId, amount, node } = await runningJob(api, suite, client, await suite.wallet(), nodes);

    await node.stop();
    const refunded = await escrowWhen(suite.chain, funded.escrow, "the escrow refunded", (escrow) => escrow.status === "Refunded");
    expect(refunded).to.include({ refunded: amount, nodePaid: 0n, platformPaid: 0n });
    suite.ledger.move(funded.vault, client.token, amount);
    await suite.ledger.verify();

    const view = await jobWhen(api, client, jobId, "refunded");
    const history = (view.history as Record<string, unknown>[]).slice(-2);
    expect(history[0]).to.include({ from: "running", to: "refunding", reason: "max-attempts-reached", instruction: "refund_escrow" });
    expect(history[1]).to.include({ from: "refunding", to: "refunded", event: "refund-confirmed", reason: "refund-confirmed" });

    // The job and its intent changed together: the confirmed intent names the job's signature.
    const { store } = api.coordinator.service;
    const intent = await new IntentStore(store.redis, api.config.redis.keyPrefix).read(jobId);
    expect(intent).to.include({ action: "refund", state: "confirmed", via: "transaction" });
    expect(view.settlementSignature).to.be.a("string").and.to.equal(intent?.landedSignature);
    expect(await store.jobs.counts()).to.include({ refunded: 1, refunding: 0, running: 0 });
    expect(await store.jobs.awaitingRefund()).to.deep.equal([]);
    expect(await store.redis.smembers(`${api.config.redis.keyPrefix}intents-open`)).to.deep.equal([]);
  });

  it("start-up reconciliation takes a running job back from its node when its escrow was unlocked behind the store's back", async () => {
    const before = await coordinator();
    const client = await suite.wallet(CLIENT_BUDGET);
    const first = await suite.wallet();
    const { funded, jobId } = await runningJob(before, suite, client, first, nodes);

    // The coordinator stops; meanwhile its key unlocks the escrow without it knowing.
    await before.close({ keepNamespace: true });
    coordinators.splice(coordinators.indexOf(before), 1);
    await nodes[0].stop();
    await suite.chain.client.unlockEscrow({ coordinator: suite.chain.keys.coordinator, escrow: funded.escrow });
    expect(await suite.chain.client.fetchEscrow(funded.escrow)).to.include({ status: "Created", attempt: 1 });

    const after = await coordinator({ prefix: before.config.redis.keyPrefix });
    const reason = `reconciled at start-up: escrow ${funded.escrow.toBase58()} is Created on chain, not Locked to ${first.publicKey.toBase58()}`;
    expect(after.started.reconciled).to.deep.include({ checked: 1, consistent: 0, needsAttention: [], inFlight: [] });
    expect(after.started.reconciled.takenBack).to.deep.equal([
      { jobId, nodeId: first.publicKey.toBase58(), from: "running", to: "queued", reason },
    ]);
    // The node is told to drop the job at its next beat.
    const told = await heartbeat(after, first.keypair);
    expect(told.body.cancel).to.deep.include({ jobId });

    const taken = await jobView(after, client, jobId);
    expect(taken).to.include({ status: "queued", nodeId: null, attempts: 1 });
    expect((taken.history as Record<string, unknown>[]).at(-1)).to.include({
      from: "running",
      to: "queued",
      event: "node-lost",
      detail: reason,
    });
    // Its escrow is already Created: the unlock path requeues it without another unlock.
    const { store } = after.coordinator.service;
    await waitFor("the job matchable again", async () => (await store.redis.zscore(store.keys.jobsQueued, jobId)) ?? null);
    expect(after.log.lines.some((line) => line.msg === "escrow already Created; nothing to unlock" && line.jobId === jobId)).to.equal(true);
    expect(await suite.chain.client.fetchEscrow(funded.escrow)).to.include({ status: "Created", attempt: 1 });

    const second = await suite.wallet();
    await onlineNode(after, second, nodes);
    const relocked = await escrowWhen(
      suite.chain,
      funded.escrow,
      "the escrow locked to the second node",
      (escrow) => escrow.status === "Locked",
    );
    expect(relocked.payee?.toBase58()).to.equal(second.publicKey.toBase58());
    expect(relocked.attempt).to.equal(1);
    expect(await jobWhen(after, client, jobId, "running")).to.include({ nodeId: second.publicKey.toBase58() });
    await suite.ledger.verify();
  });
});
