/**
 * The agent unit suites' set-up (agent-*.ts): a fake coordinator (node:http, signatures
 * checked), an in-memory IPFS, the agent's events and log lines, a work directory, and
 * the checks shared by the suites.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHash } from "node:crypto";

import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { MlpClassifierEvaluator } from "@cyxwiz/coordinator/proofs/builtin-evaluator";
import { parseSpec, train } from "@cyxwiz/trainer";
import { type AgentHandle, runAgent } from "../../src";
import type { OfferedCheckpoint, OfferInfo } from "../../src/events";
import { EventLog, FakeCoordinator, MemoryIpfs } from "./fakes";

export interface AgentWorld {
  /** A fresh fake coordinator, IPFS, event log and work directory per test. */
  readonly coordinator: FakeCoordinator;
  readonly ipfs: MemoryIpfs;
  readonly log: EventLog;
  readonly workDir: string;
  /** The agent's log lines, as "level message". */
  readonly lines: string[];
  /** Starts the agent against this test's fakes; it is stopped after the test. */
  readonly start: (options?: { allowCommands?: boolean; checkpointEveryEpochs?: number; bwrap?: string }) => AgentHandle;
  /** The coordinator's own evaluator reproduces the reported metrics from the weights on IPFS. */
  readonly expectReproduced: (offer: OfferInfo, body: Record<string, unknown>) => Promise<void>;
  /** Trains `config` here as another node would: its checkpoint after `epoch` (on IPFS) and its final weights' sha256. */
  readonly earlierRun: (
    config: Record<string, unknown>,
    dataset: Uint8Array,
    epoch: number,
  ) => Promise<{ checkpoint: OfferedCheckpoint; weightsSha256: string }>;
  readonly jobDirs: () => string[];
}

/** describe("node agent (fake coordinator)") with `body`'s tests. */
export function describeAgent(body: (w: AgentWorld) => void): void {
  describe("node agent (fake coordinator)", function () {
    this.timeout(60_000);
    let coordinator: FakeCoordinator;
    let ipfs: MemoryIpfs;
    let log: EventLog;
    let workDir: string;
    let agent: AgentHandle | null;
    const lines: string[] = [];

    beforeEach(async () => {
      coordinator = await new FakeCoordinator().start();
      ipfs = new MemoryIpfs();
      log = new EventLog();
      workDir = mkdtempSync(join(tmpdir(), "cyxwiz-agent-"));
      agent = null;
      lines.length = 0;
    });

    afterEach(async () => {
      await agent?.stop("test over");
      await coordinator.stop();
      rmSync(workDir, { recursive: true, force: true });
    });

    function start(options: { allowCommands?: boolean; checkpointEveryEpochs?: number; bwrap?: string } = {}): AgentHandle {
      agent = runAgent(
        {
          keypair: Keypair.generate(),
          coordinatorUrl: coordinator.url,
          ipfsApiUrl: "http://127.0.0.1:1",
          workDir,
          gpu: { model: "rtx 3060", vramGb: 12 },
          priceFloor: "1000",
          backoff: { initialMs: 20, maxMs: 200 },
          requestTimeoutMs: 2_000,
          ipfs,
          ...options,
        },
        { onEvent: log.push, onLog: (level, message) => lines.push(`${level} ${message}`) },
      );
      return agent;
    }

    /** The coordinator's own evaluator reproduces the reported metrics from the weights on IPFS. */
    async function expectReproduced(offer: OfferInfo, body: Record<string, unknown>): Promise<void> {
      const weights = ipfs.files.get(body.weightsCid as string);
      if (weights === undefined) expect.fail("the reported weights are not on IPFS");
      const evaluation = await new MlpClassifierEvaluator().evaluate({
        jobId: offer.jobId,
        kind: offer.config.kind as string,
        config: offer.config,
        datasetCid: offer.datasetCid,
        weights: { cid: body.weightsCid as string, sha256: body.weightsSha256 as string, bytes: weights.length },
        claimed: body.metrics as Record<string, number>,
        read: async (cid: string) => {
          const bytes = ipfs.files.get(cid);
          if (bytes === undefined) throw new Error(`${cid} missing`);
          return bytes;
        },
        signal: new AbortController().signal,
      });
      expect(evaluation.reproduced, JSON.stringify(evaluation)).to.equal(true);
    }

    /** Trains `config` here as another node would: its checkpoint after `epoch` (on IPFS) and its final weights' sha256. */
    async function earlierRun(
      config: Record<string, unknown>,
      dataset: Uint8Array,
      epoch: number,
    ): Promise<{ checkpoint: OfferedCheckpoint; weightsSha256: string }> {
      let bytes: Uint8Array | null = null;
      const result = await train(parseSpec(config), dataset, {
        onCheckpoint: (checkpoint, at) => {
          if (at === epoch) bytes = checkpoint;
        },
      });
      if (bytes === null) expect.fail(`no checkpoint after epoch ${epoch}`);
      const cid = await ipfs.add(bytes);
      const epochs = (config.hyperparameters as { epochs: number }).epochs;
      return {
        checkpoint: { cid, sha256: createHash("sha256").update(bytes).digest("hex"), epoch, epochs },
        weightsSha256: result.weightsSha256,
      };
    }

    const jobDirs = () => (existsSync(join(workDir, "jobs")) ? readdirSync(join(workDir, "jobs")) : []);

    body({
      get coordinator() {
        return coordinator;
      },
      get ipfs() {
        return ipfs;
      },
      get log() {
        return log;
      },
      get workDir() {
        return workDir;
      },
      lines,
      start,
      expectReproduced,
      earlierRun,
      jobDirs,
    });
  });
}

/** Resolves once a beat after index `from` passes `test` (polls the fake's record). */
export async function waitForBeat(
  coordinator: FakeCoordinator,
  from: number,
  test: (beat: FakeCoordinator["beats"][number]) => boolean,
): Promise<void> {
  while (!coordinator.beatsAfter(from).some(test)) await new Promise((resolve) => setTimeout(resolve, 10));
}

export async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
