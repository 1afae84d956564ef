/**
 * The EscrowActions port as the wired coordinator implements it (wiring/chain-escrow-actions.ts),
 * called directly on real escrows: payouts are handed over once their intent is
 * recorded and finish on chain; an unlock of an escrow that is already Created is
 * success without a transaction; a payout the escrow can never allow is recorded and
 * not asked again; a malformed proof hash is refused before anything is signed.
 */
import { expect } from "chai";

import { IntentStore, SettlementError } from "../../src/chain";
import type { EscrowRef } from "../../src/ports";
import { releaseSplit, split } from "@cyxwiz/sdk";
import { useEscrowSuite } from "../../../tests/setup";
import { type FundedJob, fundedJob, waitFor } from "../harness/chain-harness";
import { escrowWhen, type RunningCoordinator, startCoordinator } from "../harness/e2e-harness";

const AMOUNT = 1_000_000n;
const PROOF = "5a".repeat(32);

describe("e2e: the Settlement port on the chain side", function () {
  this.timeout(60_000);
  const suite = useEscrowSuite();
  let api: RunningCoordinator;
  beforeEach(async () => {
    api = await startCoordinator(suite.chain);
  });
  afterEach(() => api.close());

  const refOf = (job: FundedJob): EscrowRef => ({
    jobId: job.target.jobId,
    escrow: job.escrow.toBase58(),
    payer: job.payer.publicKey.toBase58(),
  });
  const intents = () => new IntentStore(api.coordinator.service.store.redis, api.config.redis.keyPrefix);
  const ports = () => api.coordinator.payments;

  /** Waits for the job's current intent to be recorded confirmed. */
  const confirmed = (job: FundedJob) =>
    waitFor("the intent confirmed", async () => ((await intents().read(job.target.jobId))?.state === "confirmed" ? true : null));

  async function lockedJob(): Promise<FundedJob> {
    const job = await fundedJob(suite, AMOUNT);
    await ports().lock(refOf(job), job.node.publicKey.toBase58());
    expect(await suite.chain.client.fetchEscrow(job.escrow)).to.include({ status: "Locked" });
    return job;
  }

  it("release is handed over once its intent is recorded, then pays 90/10 on chain", async () => {
    const job = await lockedJob();
    await ports().release(refOf(job), PROOF);
    const recorded = await intents().read(job.target.jobId);
    expect(recorded).to.include({ action: "release" });
    expect(recorded?.state).to.be.oneOf(["pending", "confirmed"]);

    const released = await escrowWhen(suite.chain, job.escrow, "the release", (escrow) => escrow.status === "Released");
    expect(Buffer.from(released.proofHash).toString("hex")).to.equal(PROOF);
    const { node, platform } = releaseSplit(AMOUNT, 1_000);
    suite.ledger.move(job.vault, job.node.token, node);
    suite.ledger.move(job.vault, suite.chain.treasury, platform);
    // No job in the store waits for this payout: the hook leaves the store alone and says so.
    await confirmed(job);
    const warned = api.log.lines.some(
      (line) => line.msg === "payout confirmed for a job not waiting for it; job left as it is" && line.jobId === job.target.jobId,
    );
    expect(warned).to.equal(true);
  });

  it("settlePartial pays the node its share less the fee and the payer the rest", async () => {
    const job = await lockedJob();
    await ports().settlePartial(refOf(job), 2_500, PROOF);
    await escrowWhen(suite.chain, job.escrow, "the settlement", (escrow) => escrow.nodePaid > 0n);
    const expected = split(AMOUNT, 2_500, 1_000);
    suite.ledger.move(job.vault, job.node.token, expected.node);
    suite.ledger.move(job.vault, suite.chain.treasury, expected.platform);
    suite.ledger.move(job.vault, job.payer.token, expected.payer);
  });

  it("unlock of an escrow that was never locked resolves without sending anything", async () => {
    const job = await fundedJob(suite, AMOUNT);
    await ports().unlock(refOf(job));
    expect(await suite.chain.client.fetchEscrow(job.escrow)).to.include({ status: "Created", attempt: 0 });
    const intent = await intents().read(job.target.jobId);
    expect(intent).to.include({ action: "unlock", state: "failed", via: "chain-state", error: "InvalidStatus" });
    expect(intent?.signatures, "nothing signed, nothing sent").to.deep.equal([]);
  });

  it("a refund the escrow can never allow (already Released) is recorded and not asked for again", async () => {
    const job = await lockedJob();
    await ports().release(refOf(job), PROOF);
    await escrowWhen(suite.chain, job.escrow, "the release", (escrow) => escrow.status === "Released");
    const { node, platform } = releaseSplit(AMOUNT, 1_000);
    suite.ledger.move(job.vault, job.node.token, node);
    suite.ledger.move(job.vault, suite.chain.treasury, platform);
    await confirmed(job);

    await ports().refund(refOf(job));
    expect(await intents().read(job.target.jobId)).to.include({ action: "refund", state: "failed", error: "InvalidStatus" });
    expect(
      api.log.lines.some((line) => line.msg === "payout impossible: the escrow no longer allows it; the job needs an operator"),
    ).to.equal(true);
  });

  it("a malformed proof hash is refused before anything is signed", async () => {
    const job = await lockedJob();
    const refused = await ports()
      .release(refOf(job), "not-a-hash")
      .then(
        () => expect.fail("expected a refusal"),
        (error: unknown) => error,
      );
    expect(refused).to.be.instanceOf(SettlementError);
    expect((refused as SettlementError).code).to.equal("INVALID_REQUEST");
    expect(await intents().read(job.target.jobId)).to.include({ action: "lock", state: "confirmed" });
  });
});
