/**
 * Exactly-once money actions (security test 35) against the real localnet and the real
 * redis-server: each action (lock, unlock, release, refund, settle-partial) and its errors,
 * and a coordinator clock 10 minutes off. Set-up in ../harness/settlement-suite.ts.
 */
import { expect } from "chai";

import { SettlementError, SettlementFailedError } from "../../src/chain";
import { chainUnixTime, proofHashOf, split } from "@cyxwiz/sdk";
import { escrowTransactions, fundedJob } from "../harness/chain-harness";
import { AMOUNT, describeSettlement } from "../harness/settlement-suite";

describeSettlement("chain: exactly-once settlement (26–30, 35, 36)", (s) => {
  const { suite, coordinator, store, lockedJob, expectReleasePaid } = s;

  describe("each action", () => {
    it("release pays 90% to the node and 10% to the treasury, and keeps the intent for audit", async () => {
      const settlement = await coordinator();
      const job = await lockedJob(settlement);
      const outcome = await settlement.release(job.target, proofHashOf("weights"));
      expectReleasePaid(job);

      expect(outcome).to.include({ action: "release", state: "confirmed", via: "transaction", attempts: 1 });
      expect(outcome.signatures).to.deep.equal([outcome.signature]);
      const escrow = await suite.chain.client.fetchEscrow(job.escrow);
      expect(escrow?.status).to.equal("Released");
      const audit = await (await store()).readDone(job.target.jobId, outcome.seq);
      expect(audit).to.include({ state: "confirmed", action: "release", landedSignature: outcome.signature });
      expect(audit?.tx).to.not.equal("");
      expect(await (await s.ns.redis()).smembers(`${s.ns.prefix}intents-open`)).to.deep.equal([]);
    });

    it("lock assigns the escrow to the node; unlock takes it back with attempt + 1; a new lock follows", async () => {
      const settlement = await coordinator();
      const job = await fundedJob(suite, AMOUNT);
      const second = await suite.wallet();
      const locked = await settlement.lock(job.target, job.node.publicKey);
      expect(locked).to.include({ action: "lock", state: "confirmed", seq: 1 });
      expect((await suite.chain.client.fetchEscrow(job.escrow))?.payee?.toBase58()).to.equal(job.node.publicKey.toBase58());

      const unlocked = await settlement.unlock(job.target);
      expect(unlocked).to.include({ action: "unlock", state: "confirmed", seq: 2 });
      const escrow = await suite.chain.client.fetchEscrow(job.escrow);
      expect(escrow).to.include({ status: "Created", attempt: 1, payee: null });

      const relocked = await settlement.lock(job.target, second.publicKey);
      expect(relocked).to.include({ state: "confirmed", seq: 3 });
      expect((await suite.chain.client.fetchEscrow(job.escrow))?.payee?.toBase58()).to.equal(second.publicKey.toBase58());
    });

    it("refund returns everything to the payer", async () => {
      const settlement = await coordinator();
      const job = await lockedJob(settlement);
      const outcome = await settlement.refund(job.target);
      suite.ledger.move(job.vault, job.payer.token, AMOUNT);
      expect(outcome).to.include({ action: "refund", state: "confirmed", via: "transaction" });
      expect((await suite.chain.client.fetchEscrow(job.escrow))?.status).to.equal("Refunded");
    });

    it("settle-partial pays the node its verified share less the fee and returns the rest", async () => {
      const settlement = await coordinator();
      const job = await lockedJob(settlement);
      const outcome = await settlement.settlePartial(job.target, 2_500, proofHashOf("half-trained"));
      const expected = split(AMOUNT, 2_500, 1_000);
      suite.ledger.move(job.vault, job.node.token, expected.node);
      suite.ledger.move(job.vault, suite.chain.treasury, expected.platform);
      suite.ledger.move(job.vault, job.payer.token, expected.payer);
      expect(outcome).to.include({ action: "settle-partial", state: "confirmed" });
    });

    it("asking again for a finished action returns its recorded outcome and sends nothing", async () => {
      const settlement = await coordinator();
      const job = await lockedJob(settlement);
      const first = await settlement.release(job.target, proofHashOf("w"));
      expectReleasePaid(job);
      const other = await coordinator();
      const again = await other.release(job.target, proofHashOf("w"));
      expect(again).to.deep.equal(first);
      expect(await escrowTransactions(suite.chain.connection, job.escrow)).to.have.length(3); // create, lock, release
    });

    it("error: an action the escrow's status does not allow fails without sending (SETTLEMENT_FAILED)", async () => {
      const settlement = await coordinator();
      const job = await fundedJob(suite, AMOUNT); // Created: nothing to release
      let error: unknown;
      try {
        await settlement.release(job.target, proofHashOf("w"));
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(SettlementFailedError);
      expect(error).to.include({ code: "SETTLEMENT_FAILED", programError: "InvalidStatus", signature: null });
      expect(await escrowTransactions(suite.chain.connection, job.escrow)).to.have.length(1); // create only
      expect((await suite.chain.client.fetchEscrow(job.escrow))?.status).to.equal("Created");
    });

    it("error: a malformed request is refused before anything is signed (INVALID_REQUEST)", async () => {
      const settlement = await coordinator();
      const job = await lockedJob(settlement);
      const attempts: Array<() => Promise<unknown>> = [
        () => settlement.settlePartial(job.target, 10_001, proofHashOf("w")),
        () => settlement.settlePartial(job.target, 2.5, proofHashOf("w")),
        () => settlement.release(job.target, new Uint8Array(32)),
        () => settlement.release({ ...job.target, jobId: "" }, proofHashOf("w")),
      ];
      for (const attempt of attempts) {
        let error: unknown;
        try {
          await attempt();
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(SettlementError);
        expect((error as SettlementError).code).to.equal("INVALID_REQUEST");
      }
      expect(await escrowTransactions(suite.chain.connection, job.escrow)).to.have.length(2); // create, lock
      expect((await (await store()).read(job.target.jobId))?.action).to.equal("lock");
    });

    it("reconcileEscrow reports the chain's status and time, and no pending intent once done", async () => {
      const settlement = await coordinator();
      const job = await lockedJob(settlement);
      const report = await settlement.reconcileEscrow(job.target.jobId, job.escrow);
      expect(report).to.include({ status: "Locked", expired: false, pendingIntent: null });
      expect(report.onChain?.payee?.toBase58()).to.equal(job.node.publicKey.toBase58());
    });
  });

  describe("35: a coordinator clock 10 minutes off changes nothing", () => {
    for (const skewMs of [+600_000, -600_000]) {
      it(`35: with the local clock ${skewMs > 0 ? "ahead" : "behind"} by 10 min, expiry is the chain's and the release goes through`, async () => {
        // 10 min off the CHAIN's clock (which other suites may have warped forward).
        const chainOffsetMs = (await chainUnixTime(suite.chain.connection)) * 1_000 - Date.now();
        const localNow = () => Date.now() + chainOffsetMs + skewMs;
        const settlement = await coordinator({ now: localNow });
        // Five minutes left on chain: a clock 10 min ahead would think it expired.
        const job = await fundedJob(suite, AMOUNT, 5 * 60);
        await settlement.lock(job.target, job.node.publicKey);
        const report = await settlement.reconcileEscrow(job.target.jobId, job.escrow);
        expect(report.expired).to.equal(false);
        expect(Math.abs(report.chainNow * 1_000 - localNow())).to.be.within(9 * 60_000, 11 * 60_000);
        const outcome = await settlement.release(job.target, proofHashOf("w"));
        expectReleasePaid(job);
        expect(outcome).to.include({ state: "confirmed", attempts: 1 });
      });
    }
  });
});
