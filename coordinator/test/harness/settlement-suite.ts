/**
 * The exactly-once settlement suites' set-up (chain-settlement-*.ts, security tests 26–30,
 * 35, 36): the real localnet and redis-server, a fresh Redis namespace per test, and
 * coordinator "processes": EscrowActionRunners on their own Redis connections. Balances are
 * checked by the suite's shadow ledger after every test.
 */
import { IntentStore, type EscrowActionRunner, type EscrowActionRunnerDeps } from "../../src/chain";
import { releaseSplit } from "@cyxwiz/sdk";
import { type EscrowSuite, useEscrowSuite } from "../../../tests/setup";
import { fundedJob, type FundedJob, TestNamespace, waitFor } from "./chain-harness";

export const AMOUNT = 1_000_000n;

export interface SettlementSuite {
  readonly suite: EscrowSuite;
  /** This test's Redis namespace (a fresh one per test). */
  readonly ns: TestNamespace;
  /** A coordinator "process": an EscrowActionRunner on its own Redis connection. */
  readonly coordinator: (extra?: Partial<EscrowActionRunnerDeps>) => Promise<EscrowActionRunner>;
  readonly store: () => Promise<IntentStore>;
  /** A job whose escrow is locked to its node through the EscrowActionRunner. */
  readonly lockedJob: (settlement: EscrowActionRunner, amount?: bigint) => Promise<FundedJob>;
  /** The ledger's view of a confirmed release. */
  readonly expectReleasePaid: (job: FundedJob) => void;
  readonly pendingIntent: (jobId: string) => Promise<NonNullable<Awaited<ReturnType<IntentStore["read"]>>>>;
}

/** describe(title) over the real localnet and redis-server, with `body`'s tests. */
export function describeSettlement(title: string, body: (s: SettlementSuite) => void): void {
  describe(title, function () {
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

    body({
      suite,
      get ns() {
        return ns;
      },
      coordinator,
      store,
      lockedJob,
      expectReleasePaid,
      pendingIntent,
    });
  });
}
