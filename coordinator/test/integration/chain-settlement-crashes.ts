/**
 * Exactly-once money actions (security tests 27–30, 36) against the real localnet and the
 * real redis-server, through crashes and restarts. A "process" is an EscrowActionRunner on
 * its own Redis connection; a crash is a send that never returns (the process froze there
 * and does nothing more) followed by a fresh EscrowActionRunner that only has Redis, or a
 * real child process SIGKILLed (../harness/chain-crash-child.ts). Set-up in
 * ../harness/settlement-suite.ts.
 */
import { expect } from "chai";

import type { SettlementError } from "../../src/chain";
import { proofHashOf } from "@cyxwiz/sdk";
import {
  escrowTransactions,
  frozen,
  fundedJob,
  recordingSend,
  restartTestRedis,
  runKilledCoordinator,
  waitFor,
} from "../harness/chain-harness";
import { AMOUNT, describeSettlement } from "../harness/settlement-suite";

describeSettlement("chain: exactly-once settlement (26–30, 35, 36)", (s) => {
  const { suite, coordinator, store, lockedJob, expectReleasePaid, pendingIntent } = s;

  describe("crashes and restarts", () => {
    it("27: killed after sending a release, before recording it: recover() confirms from the chain and never pays twice", async () => {
      const live = await coordinator();
      const job = await lockedJob(live);
      const { send } = recordingSend(suite.chain.connection);
      const dying = await coordinator({ send: async (wire) => send(wire).then(frozen) });
      void dying.release(job.target, proofHashOf("w"));
      const intent = await pendingIntent(job.target.jobId);
      await waitFor("the release to land", async () =>
        (await suite.chain.client.fetchEscrow(job.escrow))?.status === "Released" ? true : null,
      );
      expectReleasePaid(job);

      const restarted = await coordinator();
      const [outcome] = await restarted.recover();
      expect(outcome).to.include({ state: "confirmed", via: "transaction", signature: intent.signature, attempts: 1 });
      expect(await restarted.release(job.target, proofHashOf("w"))).to.deep.equal(outcome);
      expect(await restarted.recover()).to.deep.equal([]);
      expect(await escrowTransactions(suite.chain.connection, job.escrow)).to.have.length(3);
    });

    it("28: killed after recording the intent, before sending: recover() releases exactly once", async () => {
      const live = await coordinator();
      const job = await lockedJob(live);
      const dying = await coordinator({ send: frozen });
      void dying.release(job.target, proofHashOf("w"));
      const intent = await pendingIntent(job.target.jobId);
      expect((await suite.chain.client.fetchEscrow(job.escrow))?.status).to.equal("Locked");

      const restarted = await coordinator();
      const [outcome] = await restarted.recover();
      expectReleasePaid(job);
      expect(outcome).to.include({ state: "confirmed", action: "release" });
      // The persisted bytes themselves, unless their blockhash expired first (then one re-sign).
      expect(outcome.signatures[0]).to.equal(intent.signature);
      const onChain = await escrowTransactions(suite.chain.connection, job.escrow);
      expect(onChain.filter((entry) => entry.err === null)).to.have.length(3);
      expect(onChain[2].signature).to.equal(outcome.signature);
    });

    it("27: a coordinator SIGKILLed right after sending a release is reconciled by the next one, which never pays twice", async function () {
      this.timeout(120_000);
      const live = await coordinator();
      const job = await lockedJob(live);
      const death = await runKilledCoordinator("after-send", s.ns.prefix, job.target, "w");
      expect(death, death.stderr).to.include({ signal: "SIGKILL" });
      expectReleasePaid(job);
      const intent = await (await store()).read(job.target.jobId);
      expect(intent).to.include({ state: "pending", attempts: 1 });

      const restarted = await coordinator();
      const [outcome] = await restarted.recover();
      expect(outcome).to.include({ state: "confirmed", via: "transaction", signature: intent?.signature, attempts: 1 });
      expect(await escrowTransactions(suite.chain.connection, job.escrow)).to.have.length(3);
    });

    it("28: a coordinator SIGKILLed after recording the intent, before sending, is finished by the next one exactly once", async function () {
      this.timeout(120_000);
      const live = await coordinator();
      const job = await lockedJob(live);
      const death = await runKilledCoordinator("before-send", s.ns.prefix, job.target, "w");
      expect(death, death.stderr).to.include({ signal: "SIGKILL" });
      const intent = await (await store()).read(job.target.jobId);
      expect(intent).to.include({ state: "pending", attempts: 1 });
      expect((await suite.chain.client.fetchEscrow(job.escrow))?.status).to.equal("Locked");

      const [outcome] = await (await coordinator()).recover();
      expectReleasePaid(job);
      expect(outcome).to.include({ state: "confirmed", via: "transaction" });
      expect(outcome.signatures[0]).to.equal(intent?.signature);
      const onChain = await escrowTransactions(suite.chain.connection, job.escrow);
      expect(onChain.map((entry) => entry.err)).to.deep.equal([null, null, null]);
    });

    it("a transaction landing after someone else already released is recorded done, with the decoded error", async () => {
      const live = await coordinator();
      const job = await lockedJob(live);
      const dying = await coordinator({ send: frozen });
      void dying.release(job.target, proofHashOf("w"));
      const intent = await pendingIntent(job.target.jobId);
      // A previous coordinator process, whose record was lost, releases with the same proof.
      await suite.chain.client.releaseEscrow({
        coordinator: suite.chain.keys.coordinator,
        escrow: job.escrow,
        node: job.node.publicKey,
        proofHash: proofHashOf("w"),
      });
      expectReleasePaid(job);

      const [outcome] = await (await coordinator()).recover();
      // The persisted bytes landed and failed with InvalidStatus: the chain shows the release done.
      expect(outcome).to.include({ state: "confirmed", via: "chain-state", signature: intent.signature, error: "InvalidStatus" });
    });

    it("error: a landed failure the chain does not explain is recorded failed with the program error", async () => {
      const live = await coordinator();
      const job = await lockedJob(live);
      const dying = await coordinator({ send: frozen });
      void dying.release(job.target, proofHashOf("w"));
      const intent = await pendingIntent(job.target.jobId);
      // Meanwhile the job was refunded: the release must not count as done.
      await suite.chain.client.refundEscrow({
        authority: suite.chain.keys.coordinator,
        escrow: job.escrow,
        payer: job.payer.publicKey,
      });
      suite.ledger.move(job.vault, job.payer.token, AMOUNT);

      const [outcome] = await (await coordinator()).recover();
      expect(outcome).to.include({ state: "failed", via: "transaction", signature: intent.signature, error: "InvalidStatus" });
      expect((await suite.chain.client.fetchEscrow(job.escrow))?.status).to.equal("Refunded");
    });

    it("36: close() with a release in flight leaves a pending intent that the next process finishes once", async () => {
      const live = await coordinator();
      const job = await lockedJob(live);
      const stopping = await coordinator({ send: async () => undefined }); // nothing gets out
      const releasing = stopping.release(job.target, proofHashOf("w"));
      const intent = await pendingIntent(job.target.jobId);
      stopping.close();
      let error: unknown;
      try {
        await releasing;
      } catch (e) {
        error = e;
      }
      expect((error as SettlementError).code).to.equal("SETTLEMENT_STOPPED");
      expect(await (await store()).read(job.target.jobId)).to.include({ state: "pending", signature: intent.signature });
      expect((await suite.chain.client.fetchEscrow(job.escrow))?.status).to.equal("Locked");

      const [outcome] = await (await coordinator()).recover();
      expectReleasePaid(job);
      expect(outcome).to.include({ state: "confirmed", action: "release" });
      expect(outcome.signatures[0]).to.equal(intent.signature);
    });

    it("29: a dropped transaction is re-sent as the same signed bytes; never re-signed before its blockhash expired", async () => {
      const live = await coordinator();
      const job = await lockedJob(live);
      const { send, sends } = recordingSend(suite.chain.connection, (index) => index >= 2);
      const settlement = await coordinator({ send });
      const outcome = await settlement.release(job.target, proofHashOf("w"));
      expectReleasePaid(job);

      expect(sends.length).to.be.at.least(3);
      expect(sends.slice(0, 2).every((record) => !record.delivered)).to.equal(true);
      expect(new Set(sends.map((record) => record.wire)).size).to.equal(1);
      expect(outcome).to.include({ state: "confirmed", via: "transaction", attempts: 1, signature: sends[0].signature });
    });

    it("30: Redis restarted while a lock is pending: the intent survives, and two processes re-sign it once, after it expired", async function () {
      // The network drops everything until the first transaction's blockhash is dead, so
      // the intent has to survive the restart AND go through expiry and re-signing
      // (150 blocks, ~60 s on the localnet), with a second process following it.
      this.timeout(180_000);
      let deliver = false;
      const { send, sends } = recordingSend(suite.chain.connection, () => deliver);
      const a = await coordinator({ send });
      const job = await fundedJob(suite, AMOUNT);
      const lockingA = a.lock(job.target, job.node.publicKey);
      const first = await pendingIntent(job.target.jobId);

      await restartTestRedis();
      const survivor = await waitFor("redis back with the intent", async () => {
        try {
          return await (await store()).read(job.target.jobId);
        } catch {
          return null;
        }
      });
      expect(survivor).to.include({ state: "pending", signature: first.signature, tx: first.tx, attempts: 1 });
      const b = await coordinator({ send });
      const lockingB = b.lock(job.target, job.node.publicKey);
      // A blockhash lives 150 blocks (~60 s at 400 ms slots), as on a cluster.
      await waitFor(
        "the first blockhash to die",
        async () => ((await suite.chain.connection.isBlockhashValid(first.blockhash)).value ? null : true),
        120_000,
      );
      deliver = true;

      const [outcome, followed] = await Promise.all([lockingA, lockingB]);
      expect(followed).to.deep.equal(outcome);
      expect(outcome).to.include({ state: "confirmed", via: "transaction", attempts: 2 });
      expect(outcome.signatures).to.have.length(2);
      expect(outcome.signatures[0]).to.equal(first.signature);
      expect(new Set(sends.map((record) => record.signature))).to.deep.equal(new Set(outcome.signatures));
      const resigned = sends.filter((record) => record.signature !== first.signature);
      expect(resigned[0].height).to.be.above(first.lastValidBlockHeight);
      const escrow = await suite.chain.client.fetchEscrow(job.escrow);
      expect(escrow).to.include({ status: "Locked", attempt: 0 });
      const onChain = await escrowTransactions(suite.chain.connection, job.escrow);
      expect(onChain.map((entry) => entry.err)).to.deep.equal([null, null]); // create, one lock
      expect(onChain[1].signature).to.equal(outcome.signature);
      const report = await a.reconcileEscrow(job.target.jobId, job.escrow);
      expect(report).to.include({ status: "Locked", pendingIntent: null });
    });
  });
});
