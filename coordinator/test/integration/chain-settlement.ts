/**
 * Exactly-once money actions (security tests 26–30, 35, 36) against the real localnet
 * and the real redis-server. A "process" is an EscrowActionRunner on its own Redis
 * connection; a crash is a send that never returns (the process froze there and
 * does nothing more) followed by a fresh EscrowActionRunner that only has Redis. Balances
 * are checked by the suite's shadow ledger after every test, and explicitly where
 * the point is that money moved exactly once.
 */
import { expect } from "chai";

import {
  IntentStore,
  type RedisWrite,
  type EscrowActionRunner,
  type EscrowActionRunnerDeps,
  SettlementError,
  SettlementFailedError,
  type SettlementOutcome,
} from "../../src/chain";
import { chainUnixTime, proofHashOf, releaseSplit, split, tokenBalances } from "../../../sdk/src";
import { useEscrowSuite } from "../../../tests/setup";
import {
  escrowTransactions,
  frozen,
  fundedJob,
  type FundedJob,
  recordingSend,
  restartTestRedis,
  runKilledCoordinator,
  TestNamespace,
  waitFor,
} from "../harness/chain-harness";

const AMOUNT = 1_000_000n;

describe("chain: exactly-once settlement (26–30, 35, 36)", function () {
  this.timeout(60_000);
  const suite = useEscrowSuite();
  let ns: TestNamespace;

  beforeEach(() => {
    ns = new TestNamespace();
  });
  afterEach(async () => {
    await ns.cleanUp();
  });

  const chainDeps = () => ({
    connection: suite.chain.connection,
    program: suite.chain.client.program,
    coordinator: suite.chain.keys.coordinator,
  });
  /** A coordinator "process": an EscrowActionRunner on its own Redis connection. */
  const coordinator = (extra: Partial<EscrowActionRunnerDeps> = {}) => ns.settlement({ ...chainDeps(), ...extra });
  const store = async () => new IntentStore(await ns.redis(), ns.prefix);

  /** A job whose escrow is locked to its node through the EscrowActionRunner. */
  async function lockedJob(settlement: EscrowActionRunner, amount = AMOUNT): Promise<FundedJob> {
    const job = await fundedJob(suite, amount);
    await settlement.lock(job.target, job.node.publicKey);
    return job;
  }

  /** The ledger's view of a confirmed release. */
  function expectReleasePaid(job: FundedJob) {
    const { node, platform } = releaseSplit(job.amount, 1_000);
    suite.ledger.move(job.vault, job.node.token, node);
    suite.ledger.move(job.vault, suite.chain.treasury, platform);
  }

  async function pendingIntent(jobId: string) {
    const intents = await store();
    return waitFor("a pending intent with a signed transaction", async () => {
      const intent = await intents.read(jobId);
      return intent?.state === "pending" && intent.tx !== "" ? intent : null;
    });
  }

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
      expect(await (await ns.redis()).smembers(`${ns.prefix}intents-open`)).to.deep.equal([]);
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
      const events = `${ns.prefix}job-events`;
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
      const recorded = await (await ns.redis()).lrange(events, 0, -1);
      expect(recorded.filter((entry) => entry.startsWith("release:"))).to.deep.equal([`release:${releaseSignature}`]);
    });
  });

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
      const death = await runKilledCoordinator("after-send", ns.prefix, job.target, "w");
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
      const death = await runKilledCoordinator("before-send", ns.prefix, job.target, "w");
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
