/**
 * The agent with nothing faked: the coordinator built as main.ts builds it (in process,
 * coordinator/test/harness/e2e-harness.ts), the real localnet, redis-server and
 * kubo. A client quotes, funds the escrow with the SDK and submits a real
 * cyxwiz/mlp-classifier@1 job whose dataset was generated deterministically and added
 * to kubo; the agent is offered the job, accepts it, trains, uploads the weights and
 * reports; the coordinator re-evaluates the metrics from IPFS and releases: the node's
 * token balance grows by exactly the 90% share.
 *
 * Env as the coordinator's integration tests: CYXWIZ_RPC_URL, CYXWIZ_LOCALNET_DIR,
 * CYXWIZ_TEST_REDIS_URL, CYXWIZ_TEST_IPFS_API.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { jobIdToHex, releaseSplit, tokenBalance } from "@cyxwiz/sdk";
import { generateDatasetBytes, parseSpec, train } from "@cyxwiz/trainer";
import { useEscrowSuite } from "../../../tests/setup";
import { call } from "../../../coordinator/test/harness/api-harness";
import {
  CLIENT_BUDGET,
  escrowWhen,
  jobView,
  jobWhen,
  type RunningCoordinator,
  startCoordinator,
  submitJob,
} from "../../../coordinator/test/harness/e2e-harness";
import { IPFS_API, sha256Hex, testIpfs } from "../../../coordinator/test/harness/ipfs-harness";
import { type AgentHandle, runAgent } from "../src";
import { EventLog, mlpConfig, SMALL_DATASET } from "./harness/fakes";

describe("node agent on the real stack: a client's mlp job trained, reported, verified and paid 90%", function () {
  this.timeout(180_000);
  const suite = useEscrowSuite();
  let api: RunningCoordinator | null = null;
  let agent: AgentHandle | null = null;
  let workDir: string;

  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), "cyxwiz-agent-e2e-"));
  });

  afterEach(async () => {
    await agent?.stop("test over");
    agent = null;
    await api?.close();
    api = null;
    rmSync(workDir, { recursive: true, force: true });
  });

  it("quote → escrow → submit → the agent accepts, trains, uploads, reports → verified → Released; the node got exactly its share", async () => {
    api = await startCoordinator(suite.chain);
    const client = await suite.wallet(CLIENT_BUDGET);
    const nodeWallet = await suite.wallet();

    // The client's dataset: generated deterministically, added to kubo.
    const dataset = generateDatasetBytes(SMALL_DATASET);
    const datasetCid = await testIpfs().add(dataset);
    const epochs = 8;
    const config = mlpConfig(datasetCid, epochs);

    const log = new EventLog();
    const lines: string[] = [];
    agent = runAgent(
      {
        keypair: nodeWallet.keypair,
        coordinatorUrl: api.url,
        ipfsApiUrl: IPFS_API,
        workDir,
        gpu: { model: "RTX_3060", vramGb: 12 },
        priceFloor: "1",
        checkpointEveryEpochs: 4,
      },
      { onEvent: log.push, onLog: (level, message) => lines.push(`${level} ${message}`) },
    );
    await log.next("registered");

    const quote = await call(api, "POST", "/v1/quotes", {
      signer: client.keypair,
      body: { model: { parameters: 100 }, dataset: { samples: SMALL_DATASET.samples }, epochs, priority: "normal" },
    });
    expect(quote.status, quote.text).to.equal(201);
    const amount = BigInt(quote.body.amount as string);
    const funded = await suite.createEscrow(client, amount);
    const jobId = jobIdToHex(funded.jobId);
    const submitted = await submitJob(
      api,
      client,
      quote.body.quoteId as string,
      funded,
      `agent-e2e-${jobId.slice(0, 16)}`,
      config,
      datasetCid,
    );
    expect(submitted.status, submitted.text).to.equal(201);

    const reported = await log.next("reported");
    expect(reported.jobId).to.equal(jobId);
    expect(log.milestones()).to.deep.equal(["offer", "accepted", "dataset-fetched", "weights-uploaded", "reported"]);
    const fetched = log.of("dataset-fetched")[0];
    expect(fetched).to.deep.include({ cid: datasetCid, bytes: dataset.length, sha256: sha256Hex(dataset) });
    expect(log.of("epoch").map((event) => event.epoch)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);

    // Honest training is deterministic: the reported weights are what training this spec on these bytes gives.
    const expected = await train(parseSpec(config), dataset);
    expect(reported.weightsSha256).to.equal(expected.weightsSha256);
    expect(reported.metrics).to.deep.equal({ ...expected.metrics });

    const released = await escrowWhen(suite.chain, funded.escrow, "the escrow released", (escrow) => escrow.status === "Released");
    expect(Buffer.from(released.proofHash).toString("hex"), "proof hash on chain = the reported weights' sha256").to.equal(
      reported.weightsSha256,
    );
    const { node: nodeShare, platform } = releaseSplit(amount, 1_000);
    expect(released).to.include({ nodePaid: nodeShare, platformPaid: platform, refunded: 0n });
    suite.ledger.move(funded.vault, nodeWallet.token, nodeShare);
    suite.ledger.move(funded.vault, suite.chain.treasury, platform);
    await suite.ledger.verify();
    expect(await tokenBalance(suite.chain.connection, nodeWallet.token), "the node's balance grew by exactly its 90% share").to.equal(
      nodeShare,
    );

    const view = await jobWhen(api, client, jobId, "released");
    const verified = (view.history as Record<string, unknown>[]).find((record) => record.event === "proof-verified");
    expect(verified?.verdict, "the coordinator re-evaluated the metrics and they reproduced").to.deep.include({
      outcome: "verified",
      sha256: reported.weightsSha256,
      metrics: { reevaluated: true, evaluator: "cyxwiz/mlp-classifier@1", metrics: reported.metrics },
    });
    expect((await jobView(api, client, jobId)).proof).to.deep.equal({
      weightsCid: reported.weightsCid,
      weightsSha256: reported.weightsSha256,
    });
    // The node's own view (GET /v1/nodes/:id through the handle): free again, and paid.
    const status = await agent.status();
    expect(status).to.deep.include({ nodeId: nodeWallet.publicKey.toBase58(), jobId: null });
    expect(status.earnings).to.deep.include({ jobs: 1, total: nodeShare.toString() });
    expect(log.of("error"), lines.join("\n")).to.deep.equal([]);
  });
});
