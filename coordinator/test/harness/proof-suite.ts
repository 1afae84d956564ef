/**
 * The e2e proof suites' set-up (e2e-proofs-*.ts, security test 38): coordinators as
 * main.ts builds them on the real localnet, redis-server and kubo daemon (offline), jobs
 * running on a beating node, the node's report, and the checks of a refund. Also a toy
 * job kind with a real evaluator. Balances are checked by the suite's shadow ledger.
 */
import { expect } from "chai";

import { type EscrowSuite, type TestWallet, useEscrowSuite } from "../../../tests/setup";
import { IntentStore } from "../../src/chain";
import type { CoordinatorConfig } from "../../src/config";
import type { Evaluation, EvaluationInput, MetricEvaluator, MetricEvaluatorRegistry } from "../../src/proofs";
import { call, type Reply } from "./api-harness";
import {
  type BeatingNode,
  CLIENT_BUDGET,
  escrowWhen,
  jobWhen,
  type RunningCoordinator,
  type RunningJob,
  runningJob,
  startCoordinator,
} from "./e2e-harness";
import type { TcpEndpoint } from "./ipfs-harness";

export type HistoryRecord = Record<string, unknown> & { verdict?: Record<string, unknown> };

/** A job kind whose weights are JSON {"w": [numbers]} and whose metric is loss = mean(w²). */
export const JSON_KIND = "test/json-weights";

/** Recomputes the loss from the weights it reads back from IPFS (a real evaluator for a toy kind). */
export class JsonWeightsEvaluator implements MetricEvaluator {
  readonly kind = JSON_KIND;

  async evaluate(input: EvaluationInput): Promise<Evaluation> {
    let w: number[];
    try {
      w = (JSON.parse(Buffer.from(await input.read(input.weights.cid)).toString("utf8")) as { w: number[] }).w;
    } catch (error) {
      return { reproduced: false, metrics: {}, detail: `weights are not {"w": [...]} JSON: ${(error as Error).message}` };
    }
    const loss = w.reduce((sum, x) => sum + x * x, 0) / w.length;
    const claimed = input.claimed.loss;
    if (claimed !== undefined && Math.abs(claimed - loss) <= 1e-9) return { reproduced: true, metrics: { loss } };
    return { reproduced: false, metrics: { loss }, detail: `loss on the weights is ${loss}, the node claimed ${String(claimed)}` };
  }
}

export interface Started extends RunningJob {
  readonly api: RunningCoordinator;
  readonly client: TestWallet;
  readonly nodeWallet: TestWallet;
}

export interface ProofSuite {
  readonly suite: EscrowSuite;
  /** Stopped after each test. */
  readonly nodes: BeatingNode[];
  /** Closed after each test. */
  readonly endpoints: TcpEndpoint[];
  /** A coordinator as main.ts builds it, closed after each test. */
  readonly coordinator: (
    change?: (config: CoordinatorConfig) => CoordinatorConfig,
    evaluators?: MetricEvaluatorRegistry,
  ) => Promise<RunningCoordinator>;
  readonly withIpfs: (ipfs: Partial<CoordinatorConfig["ipfs"]>) => (config: CoordinatorConfig) => CoordinatorConfig;
  /** A funded job running on a beating node. */
  readonly started: (api: RunningCoordinator, config?: Record<string, unknown>, datasetCid?: string) => Promise<Started>;
  /** The node reports; it is free again afterwards (it stops naming the job in its beats). */
  readonly report: (job: Started, weightsCid: string, weightsSha256: string, metrics?: Record<string, number>) => Promise<Reply>;
  readonly history: (view: Record<string, unknown>) => HistoryRecord[];
  readonly path: (view: Record<string, unknown>) => string[];
  readonly nodeRecord: (
    job: Started,
  ) => Promise<NonNullable<Awaited<ReturnType<RunningCoordinator["coordinator"]["service"]["store"]["nodes"]["get"]>>>>;
  /** Waits for the refund on chain and in the job; checks nothing was paid out. */
  readonly expectRefunded: (job: Started) => Promise<Record<string, unknown>>;
  /** The job's proof-rejected record, with its verdict. */
  readonly rejection: (view: Record<string, unknown>) => HistoryRecord;
}

/** describe(title) over the real localnet, redis-server and kubo, with `body`'s tests. */
export function describeProofs(title: string, body: (s: ProofSuite) => void): void {
  describe(title, function () {
    this.timeout(120_000);
    const suite = useEscrowSuite();
    const coordinators: RunningCoordinator[] = [];
    const nodes: BeatingNode[] = [];
    const endpoints: TcpEndpoint[] = [];

    afterEach(async () => {
      await Promise.all(nodes.splice(0).map((node) => node.stop()));
      for (const api of coordinators.splice(0)) await api.close();
      await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.close()));
    });

    async function coordinator(
      change: (config: CoordinatorConfig) => CoordinatorConfig = (c) => c,
      evaluators?: MetricEvaluatorRegistry,
    ): Promise<RunningCoordinator> {
      const api = await startCoordinator(suite.chain, { config: change, evaluators });
      coordinators.push(api);
      return api;
    }

    const withIpfs = (ipfs: Partial<CoordinatorConfig["ipfs"]>) => (config: CoordinatorConfig) => ({
      ...config,
      ipfs: { ...config.ipfs, ...ipfs },
    });

    async function started(api: RunningCoordinator, config?: Record<string, unknown>, datasetCid?: string): Promise<Started> {
      const client = await suite.wallet(CLIENT_BUDGET);
      const nodeWallet = await suite.wallet();
      const job = await runningJob(api, suite, client, nodeWallet, nodes, config, datasetCid);
      return { ...job, api, client, nodeWallet };
    }

    /** The node reports; it is free again afterwards (it stops naming the job in its beats). */
    async function report(job: Started, weightsCid: string, weightsSha256: string, metrics?: Record<string, number>): Promise<Reply> {
      const reply = await call(job.api, "POST", `/v1/jobs/${job.jobId}/report`, {
        signer: job.nodeWallet.keypair,
        body: { weightsCid, weightsSha256, jobToken: job.jobToken, ...(metrics === undefined ? {} : { metrics }) },
      });
      expect(reply.status, reply.text).to.equal(202);
      job.node.jobId = null;
      return reply;
    }

    const history = (view: Record<string, unknown>) => view.history as HistoryRecord[];
    const path = (view: Record<string, unknown>) => history(view).map((record) => `${String(record.event)}→${String(record.to)}`);

    async function nodeRecord(job: Started) {
      const node = await job.api.coordinator.service.store.nodes.get(job.nodeWallet.publicKey.toBase58());
      if (node === null) expect.fail("node not stored");
      return node;
    }

    /** Waits for the refund on chain and in the job; checks nothing was paid out. */
    async function expectRefunded(job: Started): Promise<Record<string, unknown>> {
      const escrow = await escrowWhen(suite.chain, job.funded.escrow, "the escrow refunded", (e) => e.status === "Refunded");
      expect(escrow).to.include({ refunded: job.amount, nodePaid: 0n, platformPaid: 0n });
      suite.ledger.move(job.funded.vault, job.client.token, job.amount);
      await suite.ledger.verify();
      const view = await jobWhen(job.api, job.client, job.jobId, "refunded");
      expect(
        history(view).some((record) => record.instruction === "release_escrow"),
        "no release was ever decided",
      ).to.equal(false);
      const intent = await new IntentStore(job.api.coordinator.service.store.redis, job.api.config.redis.keyPrefix).read(job.jobId);
      expect(intent).to.include({ action: "refund", state: "confirmed" });
      return view;
    }

    /** The job's proof-rejected record, with its verdict. */
    function rejection(view: Record<string, unknown>): HistoryRecord {
      const record = history(view).find((entry) => entry.event === "proof-rejected");
      if (record === undefined) expect.fail(`no proof-rejected record in ${JSON.stringify(view.history)}`);
      expect(record).to.include({ from: "verifying", to: "refunding", reason: "proof-rejected", instruction: "refund_escrow" });
      return record;
    }

    body({ suite, nodes, endpoints, coordinator, withIpfs, started, report, history, path, nodeRecord, expectRefunded, rejection });
  });
}
