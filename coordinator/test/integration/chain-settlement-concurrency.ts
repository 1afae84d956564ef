/**
 * Exactly-once money actions (security test 26) against the real localnet and the real
 * redis-server: one action at a time per job, across processes; 20 parallel releases in
 * two processes send one transaction. Set-up in ../harness/settlement-suite.ts.
 */
import { expect } from "chai";

import { type RedisWrite, SettlementError, type SettlementOutcome } from "../../src/chain";
import { proofHashOf, tokenBalances } from "@cyxwiz/sdk";
import { escrowTransactions, fundedJob, recordingSend } from "../harness/chain-harness";
import { AMOUNT, describeSettlement } from "../harness/settlement-suite";

describeSettlement("chain: exactly-once settlement (26–30, 35, 36)", (s) => {
  const { suite, coordinator, lockedJob, expectReleasePaid, pendingIntent } = s;

  describe("one action at a time per job", () => {
    it("the same request joins the open intent; another action is refused with INTENT_CONFLICT, in any process", async () => {
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const { send, sends } = recordingSend(suite.chain.connection);
      const a = await coordinator({ send: async (wire) => gate.then(() => send(wire)) });
      const b = await coordinator({ send });
      const job = await fundedJob(suite, AMOUNT);
      const other = await suite.wallet();

      const first = a.lock(job.target, job.node.publicKey);
      await pendingIntent(job.target.jobId);
      const expectConflict = async (attempt: Promise<unknown>) => {
        let error: unknown;
        try {
          await attempt;
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(SettlementError);
        expect((error as SettlementError).code).to.equal("INTENT_CONFLICT");
      };
      await expectConflict(a.refund(job.target));
      await expectConflict(b.refund(job.target));
      await expectConflict(b.lock(job.target, other.publicKey));

      const joined = await b.lock(job.target, job.node.publicKey);
      open();
      expect(await first).to.deep.equal(joined);
      expect(await a.lock(job.target, job.node.publicKey)).to.deep.equal(joined);
      expect(new Set(sends.map((record) => record.signature))).to.deep.equal(new Set([joined.signature]));
      const escrow = await suite.chain.client.fetchEscrow(job.escrow);
      expect(escrow).to.include({ status: "Locked", attempt: 0 });
      expect(escrow?.payee?.toBase58()).to.equal(job.node.publicKey.toBase58());
    });

    it("26: 20 parallel releases in two processes send exactly one release transaction; 90/10 paid once", async () => {
      const { send, sends } = recordingSend(suite.chain.connection);
      const events = `${s.ns.prefix}job-events`;
      const onSettled = (outcome: SettlementOutcome): RedisWrite[] => [
        { op: "RPUSH", key: events, members: [`${outcome.action}:${outcome.signature}`] },
      ];
      const a = await coordinator({ send, onSettled });
      const b = await coordinator({ send, onSettled });
      const job = await lockedJob(a);
      const before = await tokenBalances(suite.chain.connection, [job.node.token, suite.chain.treasury]);

      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? a : b).release(job.target, proofHashOf("w"))),
      );
      expectReleasePaid(job);

      const signatures = new Set(outcomes.map((outcome) => outcome.signature));
      expect(signatures.size).to.equal(1);
      const releaseSignature = outcomes[0].signature;
      expect(new Set(sends.map((record) => record.signature)).size).to.equal(2); // the lock, and one release
      expect(outcomes.every((outcome) => outcome.state === "confirmed" && outcome.attempts === 1)).to.equal(true);
      const onChain = await escrowTransactions(suite.chain.connection, job.escrow);
      expect(onChain.map((entry) => entry.err)).to.deep.equal([null, null, null]); // create, lock, release
      expect(onChain[2].signature).to.equal(releaseSignature);
      const after = await tokenBalances(suite.chain.connection, [job.node.token, suite.chain.treasury]);
      expect([after[0] - before[0], after[1] - before[1]]).to.deep.equal([900_000n, 100_000n]);
      // The caller's state change was applied once, atomically with the intent's end.
      const recorded = await (await s.ns.redis()).lrange(events, 0, -1);
      expect(recorded.filter((entry) => entry.startsWith("release:"))).to.deep.equal([`release:${releaseSignature}`]);
    });
  });
});
