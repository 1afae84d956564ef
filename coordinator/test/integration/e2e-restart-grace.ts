/**
 * A coordinator restart on the real localnet and redis-server: every node's last beat
 * is older than a lease when the new process starts, yet the watchdog judges no lease
 * for heartbeat.startupGraceMs. A node that beats within the grace keeps its job (its
 * escrow stays Locked to it); a node that does not is lost as usual once the grace is
 * over (escrow unlocked on chain, job requeued, attempt 1).
 */
import { expect } from "chai";

import { useEscrowSuite } from "../../../tests/setup";
import { waitFor } from "../harness/chain-harness";
import {
  BeatingNode,
  CLIENT_BUDGET,
  escrowWhen,
  jobView,
  jobWhen,
  type RunningCoordinator,
  runningJob,
  startCoordinator,
} from "../harness/e2e-harness";

const GRACE_MS = 4_000;

describe("e2e: coordinator restart grace", function () {
  this.timeout(120_000);
  const suite = useEscrowSuite();
  const coordinators: RunningCoordinator[] = [];
  const nodes: BeatingNode[] = [];

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
    for (const api of coordinators.splice(0).reverse()) await api.close();
  });

  it("after a restart a node that beats within the grace keeps its job and escrow; a silent one is lost only after the grace", async () => {
    const before = await startCoordinator(suite.chain);
    coordinators.push(before);
    const client = await suite.wallet(CLIENT_BUDGET);
    const keeper = await suite.wallet();
    const silent = await suite.wallet();
    const kept = await runningJob(before, suite, client, keeper, nodes);
    const lost = await runningJob(before, suite, client, silent, nodes);
    expect((await jobView(before, client, lost.jobId)).nodeId).to.equal(silent.publicKey.toBase58());

    // Coordinator A stops; the nodes cannot reach it and stop beating for longer than a lease.
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
    await before.close({ keepNamespace: true });
    coordinators.splice(coordinators.indexOf(before), 1);
    const leaseMs = before.config.heartbeat.intervalMs * before.config.heartbeat.missesBeforeOffline;
    await new Promise((resolve) => setTimeout(resolve, leaseMs + 800));

    // Coordinator B on the same Redis namespace and chain.
    const startedAt = Date.now();
    const after = await startCoordinator(suite.chain, {
      prefix: before.config.redis.keyPrefix,
      config: (c) => ({ ...c, heartbeat: { ...c.heartbeat, startupGraceMs: GRACE_MS } }),
    });
    coordinators.push(after);
    expect(after.started.reconciled).to.deep.include({ checked: 2, consistent: 2 });
    // The keeper's next (backed-off) beat arrives within the grace, naming its job.
    const back = new BeatingNode(after, keeper.keypair);
    back.jobId = kept.jobId;
    nodes.push(back);
    back.start();

    // The silent node is lost once the grace is over: unlocked on chain, requeued.
    const unlocked = await escrowWhen(
      suite.chain,
      lost.funded.escrow,
      "the silent node's escrow unlocked",
      (escrow) => escrow.status === "Created",
    );
    expect(unlocked.attempt).to.equal(1);
    const requeued = await waitFor("the silent node's job requeued", async () => {
      const view = await jobView(after, client, lost.jobId);
      return view.status === "queued" && view.attempts === 1 ? view : null;
    });
    const record = (requeued.history as Record<string, unknown>[]).find((entry) => entry.event === "node-lost");
    expect(record).to.include({
      from: "running",
      to: "queued",
      reason: "node-lost",
      nodeId: silent.publicKey.toBase58(),
      instruction: "unlock_escrow",
    });
    expect(record?.at as number, "no lease is judged before the grace is over").to.be.at.least(startedAt + GRACE_MS);

    // The keeper kept its job: still running on it, its escrow still Locked to it, never unlocked.
    const keptView = await jobWhen(after, client, kept.jobId, "running");
    expect(keptView).to.include({ nodeId: keeper.publicKey.toBase58(), attempts: 0 });
    expect((keptView.history as Record<string, unknown>[]).map((entry) => entry.event)).to.not.include("node-lost");
    const keptEscrow = await suite.chain.client.fetchEscrow(kept.funded.escrow);
    expect(keptEscrow).to.include({ status: "Locked", attempt: 0 });
    expect(keptEscrow?.payee?.toBase58()).to.equal(keeper.publicKey.toBase58());
    const keeperNode = await after.coordinator.service.store.nodes.get(keeper.publicKey.toBase58());
    expect(keeperNode).to.include({ online: true, jobId: kept.jobId });
    expect(back.replies.every((reply) => reply.status === 200)).to.equal(true);
    await suite.ledger.verify();
  });
});
