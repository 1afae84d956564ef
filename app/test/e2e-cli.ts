/**
 * The `cyxwiz` CLI end to end, as a user drives it: every command a real process, a real
 * coordinator process on a free port (its own Redis key prefix), node agents as
 * `cyxwiz node start` processes, the localnet, Redis and kubo of the test environment:
 *
 *   CYXWIZ_RPC_URL, CYXWIZ_LOCALNET_DIR (migrated), CYXWIZ_TEST_REDIS_URL, CYXWIZ_TEST_IPFS_API
 *
 * 1. dev fund → submit (followed until released) → balances moved by exactly the
 *    amount and its 90/10 split → download, sha256 = the proof = the hash on chain.
 * 2. Two nodes; the one training is SIGKILLed mid-way; the job is reassigned and
 *    released to the other.
 * 3. Bad input: missing / invalid key file, unknown job, unreachable coordinator and
 *    RPC, insufficient tokens, usage errors: exit code and message, and --json parses.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import Redis from "ioredis";

import { createConnection, EscrowClient, readManifest, releaseSplit, tokenBalances } from "@cyxwiz/sdk";
import {
  type Child,
  type CliResult,
  freePort,
  jsonLines,
  runCli,
  type RunningCoordinator,
  spawnCli,
  startCoordinator,
} from "@cyxwiz/demo/processes";

const RPC_URL = process.env.CYXWIZ_RPC_URL ?? "http://127.0.0.1:18899";
const REDIS_URL = process.env.CYXWIZ_TEST_REDIS_URL ?? "redis://127.0.0.1:16379";
const IPFS_API = process.env.CYXWIZ_TEST_IPFS_API ?? "http://127.0.0.1:15001";

// biome-ignore lint/suspicious/noExplicitAny: the CLI's --json output, read field by field by the assertions.
type Json = any;

function parseJson(result: CliResult): Json {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

describe("cyxwiz CLI end to end (real processes)", () => {
  const dir = mkdtempSync(join(tmpdir(), "cyxwiz-cli-e2e-"));
  const prefix = `cyx-cli-e2e:${randomUUID()}:`;
  const children: Child[] = [];
  let coordinator: RunningCoordinator;
  let env: NodeJS.ProcessEnv;
  let escrow: EscrowClient;
  let specPath: string;
  let longSpecPath: string;

  const cli = (...args: string[]): Promise<CliResult> => runCli(args, env);
  /** A CLI call that must succeed with --json; its document. */
  const cliJson = async (...args: string[]): Promise<Json> => {
    const result = await cli(...args, "--json");
    expect(result.code, `cyxwiz ${args.join(" ")}\n${result.stdout}\n${result.stderr}`).to.equal(0);
    return parseJson(result);
  };
  const newWallet = async (name: string): Promise<{ path: string; key: PublicKey }> => {
    const path = join(dir, `${name}.json`);
    const made = await cliJson("dev", "keygen", "--keypair", path);
    return { path, key: new PublicKey(made.publicKey) };
  };
  const balances = (owners: PublicKey[]): Promise<bigint[]> =>
    tokenBalances(escrow.connection, [...owners.map((owner) => escrow.tokenAccount(owner)), escrow.config.treasury]);

  interface NodeProcess {
    readonly child: Child;
    readonly key: PublicKey;
    readonly epochs: Array<{ jobId: string; epoch: number }>;
    readonly registered: Promise<void>;
  }
  const startNode = async (name: string, gpu: string[]): Promise<NodeProcess> => {
    const wallet = await newWallet(name);
    const epochs: Array<{ jobId: string; epoch: number }> = [];
    let registered: () => void = () => undefined;
    const registeredPromise = new Promise<void>((resolve) => (registered = resolve));
    const child = spawnCli(["node", "start", "--json", "--keypair", wallet.path, "--work-dir", join(dir, `${name}-work`), ...gpu], {
      env,
      log: join(dir, `${name}.log`),
      onLine: jsonLines((event) => {
        if (event.type === "registered") registered();
        if (event.type === "epoch") epochs.push({ jobId: String(event.jobId), epoch: Number(event.epoch) });
      }),
    });
    children.push(child);
    const exitedEarly = child.exited.then((code) => {
      throw new Error(`${name} exited (${code}) before registering; log ${join(dir, `${name}.log`)}`);
    });
    await Promise.race([registeredPromise, exitedEarly]);
    exitedEarly.catch(() => undefined);
    return { child, key: wallet.key, epochs, registered: registeredPromise };
  };

  before(async () => {
    const manifest = readManifest();
    if (manifest === null) throw new Error("CYXWIZ_LOCALNET_DIR has no localnet.json: run npm run migrate against CYXWIZ_RPC_URL first");
    escrow = await EscrowClient.connect(createConnection({ rpcUrl: RPC_URL, commitment: "confirmed" }));
    coordinator = await startCoordinator({
      port: await freePort(),
      redisUrl: REDIS_URL,
      redisPrefix: prefix,
      rpcUrl: RPC_URL,
      ipfsApi: IPFS_API,
      keypairPath: manifest.keyFiles.coordinator,
      log: join(dir, "coordinator.log"),
      heartbeatMs: 500,
      heartbeatMisses: 3,
    });
    children.push(coordinator.child);
    env = {
      HOME: dir,
      CYXWIZ_COORDINATOR_URL: coordinator.url,
      CYXWIZ_RPC_URL: RPC_URL,
      CYXWIZ_IPFS_API: IPFS_API,
      CYXWIZ_LOCALNET_DIR: process.env.CYXWIZ_LOCALNET_DIR ?? "",
    };
    specPath = join(dir, "job.json");
    const dataset = await cliJson("dev", "dataset", "--spec-out", specPath, "--epochs", "20");
    expect(dataset.spec.dataset.cid).to.equal(dataset.cid);
    longSpecPath = join(dir, "job-long.json");
    await cliJson("dev", "dataset", "--spec-out", longSpecPath, "--epochs", "300");
  });

  after(async () => {
    await Promise.all(children.map((child) => child.stop(10_000)));
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it("funds a wallet, submits a job that is trained, verified and released 90/10, and downloads the checked weights", async () => {
    const client = await newWallet("client");
    const funded = await cliJson("dev", "fund", "--keypair", client.path, "--tokens", "5");
    expect(funded.tokens).to.equal("5000000");
    const node = await startNode("node-happy", ["--gpu", "RTX_3060", "--vram", "12"]);

    const before = await balances([client.key, node.key]);
    const submitted = await cliJson("submit", "--keypair", client.path, "--spec", specPath);
    expect(submitted.status).to.equal("released");
    expect(submitted.job.nodeId).to.equal(node.key.toBase58());
    const amount = BigInt(submitted.quote.amount);
    const split = releaseSplit(amount, submitted.quote.feeBps);
    const after = await balances([client.key, node.key]);
    expect(after[0] - before[0], "client").to.equal(-amount);
    expect(after[1] - before[1], "node: 90%").to.equal(split.node);
    expect(after[2] - before[2], "treasury: 10%").to.equal(split.platform);
    expect(split.node + split.platform).to.equal(amount);

    const output = join(dir, "model.weights");
    const downloaded = await cliJson("download", submitted.jobId, "--keypair", client.path, "-o", output);
    const sha256 = createHash("sha256").update(readFileSync(output)).digest("hex");
    expect(sha256).to.equal(submitted.job.proof.weightsSha256);
    expect(downloaded.sha256).to.equal(sha256);
    expect(downloaded.onChainProofHash).to.equal(sha256);

    const history = await cliJson("escrow", submitted.jobId, "--keypair", client.path);
    const names = history.history.flatMap((entry: Json) => entry.events.map((event: Json) => event.name));
    expect(names).to.deep.equal(["escrowCreatedEvent", "escrowLockedEvent", "escrowReleasedEvent"]);
    expect(history.account.status).to.equal("Released");

    const earnings = await cliJson("node", "earnings", node.key.toBase58());
    expect(earnings.total).to.equal(split.node.toString());
    const status = await cliJson("status", submitted.jobId, "--keypair", client.path);
    expect(status.history.map((t: Json) => t.to)).to.deep.equal(["queued", "offered", "running", "verifying", "releasing", "released"]);
    expect(await node.child.stop()).to.equal(0);
  });

  it("moves a job to the other node when the training node is SIGKILLed; the other node resumes from its verified checkpoint and is released the whole payment", async () => {
    const client = await newWallet("client-loss");
    await cliJson("dev", "fund", "--keypair", client.path, "--tokens", "5");
    const nodes = [
      await startNode("node-a", ["--gpu", "RTX_3060", "--vram", "12"]),
      await startNode("node-b", ["--gpu", "RTX_3060", "--vram", "12"]),
    ];
    const before = await balances([client.key, ...nodes.map((n) => n.key)]);
    const submitted = await cliJson("submit", "--keypair", client.path, "--spec", longSpecPath, "--detach");
    expect(submitted.status).to.equal("queued");

    // Kill whichever node trains it, once it is well into training.
    const victim = await new Promise<number>((resolve) => {
      const check = setInterval(() => {
        const index = nodes.findIndex((n) => n.epochs.some((e) => e.jobId === submitted.jobId && e.epoch >= 30));
        if (index >= 0) {
          clearInterval(check);
          resolve(index);
        }
      }, 100);
    });
    // ...and once the coordinator has verified one of its checkpoints (every 5 epochs), so
    // the other node has something to resume from.
    const victimKey = nodes[victim].key.toBase58();
    const verifiedBy = (view: Json, nodeId: string): number[] =>
      (view.checkpoints ?? []).filter((c: Json) => c.nodeId === nodeId && c.status === "verified").map((c: Json) => Number(c.epoch));
    for (const deadline = Date.now() + 120_000; ; ) {
      const view = await cliJson("status", submitted.jobId, "--keypair", client.path);
      if (verifiedBy(view, victimKey).length > 0) break;
      expect(view.status, "still running on the victim").to.equal("running");
      expect(Date.now(), "a checkpoint of the training node verified within 2 min").to.be.below(deadline);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    nodes[victim].child.process.kill("SIGKILL");
    expect(await nodes[victim].child.exited).to.equal("SIGKILL");
    const survivor = 1 - victim;

    const final = await cli("status", submitted.jobId, "--keypair", client.path, "--follow", "--json");
    expect(final.code, final.stderr).to.equal(0);
    const job = parseJson(final);
    expect(job.status).to.equal("released");
    expect(job.nodeId).to.equal(nodes[survivor].key.toBase58());
    const lost = job.history.find((t: Json) => t.reason === "node-lost");
    expect(lost, "a node-lost transition").to.not.equal(undefined);
    expect(lost.nodeId).to.equal(nodes[victim].key.toBase58());
    expect(job.excludedNodes).to.include(nodes[victim].key.toBase58());
    // The survivor resumed from a checkpoint of the killed node that the coordinator had
    // verified: it trained only the epochs after it, and handed in checkpoints only past it.
    const resumed = Number(job.resumeEpoch);
    expect(verifiedBy(job, victimKey), "resumed from one of the killed node's verified checkpoints").to.include(resumed);
    expect(resumed).to.be.within(5, 299);
    const trained = nodes[survivor].epochs.filter((e) => e.jobId === submitted.jobId).map((e) => e.epoch);
    expect(trained[0], "the survivor's first epoch").to.equal(resumed + 1);
    expect(trained.at(-1)).to.equal(300);
    expect(trained, "each remaining epoch once").to.have.length(300 - resumed);
    const survivorCheckpoints = job.checkpoints
      .filter((c: Json) => c.nodeId === nodes[survivor].key.toBase58())
      .map((c: Json) => Number(c.epoch));
    expect(
      survivorCheckpoints.every((epoch: number) => epoch > resumed),
      `survivor's checkpoints ${survivorCheckpoints}`,
    ).to.equal(true);

    const amount = BigInt(submitted.quote.amount);
    const split = releaseSplit(amount, submitted.quote.feeBps);
    const after = await balances([client.key, ...nodes.map((n) => n.key)]);
    expect(after[0] - before[0], "client").to.equal(-amount);
    expect(after[1 + survivor] - before[1 + survivor], "the node that finished").to.equal(split.node);
    expect(after[1 + victim] - before[1 + victim], "the killed node").to.equal(0n);
    expect(after[3] - before[3], "treasury").to.equal(split.platform);
    const escrowView = await cliJson("escrow", submitted.jobId, "--keypair", client.path);
    const events = escrowView.history.flatMap((entry: Json) => entry.events.map((event: Json) => event.name));
    expect(events).to.deep.equal([
      "escrowCreatedEvent",
      "escrowLockedEvent",
      "escrowUnlockedEvent",
      "escrowLockedEvent",
      "escrowReleasedEvent",
    ]);
    expect(await nodes[survivor].child.stop()).to.equal(0);
  });

  describe("bad input: exit code, message, and --json", () => {
    const unknownJob = randomBytes(32).toString("hex");
    let client: { path: string; key: PublicKey };
    let poor: { path: string; key: PublicKey };
    let deadUrl: string;

    before(async () => {
      client = await newWallet("client-bad");
      poor = await newWallet("client-poor");
      await cliJson("dev", "fund", "--keypair", poor.path, "--tokens", "0");
      deadUrl = `http://127.0.0.1:${await freePort()}`;
      writeFileSync(join(dir, "garbage.json"), "not a key");
    });

    /** `quotes`: the command prints the quote before it finds the wallet short. */
    const cases: Array<{ name: string; args: () => string[]; exit: number; code: string; message: () => RegExp[]; quotes?: boolean }> = [
      {
        name: "missing key file",
        args: () => ["status", unknownJob, "--keypair", join(dir, "nope.json")],
        exit: 1,
        code: "KEYPAIR_MISSING",
        message: () => [
          new RegExp(`no keypair file at ${join(dir, "nope.json")}`),
          /solana-keygen new -o .*nope\.json/,
          /cyxwiz dev keygen/,
        ],
      },
      {
        name: "invalid key file",
        args: () => ["status", unknownJob, "--keypair", join(dir, "garbage.json")],
        exit: 1,
        code: "KEYPAIR_INVALID",
        message: () => [/garbage\.json is not a Solana key/, /solana-keygen new -o/],
      },
      {
        name: "unknown job",
        args: () => ["status", unknownJob, "--keypair", client.path],
        exit: 1,
        code: "JOB_NOT_FOUND",
        message: () => [new RegExp(`no job ${unknownJob} of wallet ${client.key.toBase58()}`)],
      },
      {
        name: "unreachable coordinator",
        args: () => ["status", unknownJob, "--keypair", client.path, "--coordinator", deadUrl],
        exit: 3,
        code: "COORDINATOR_UNREACHABLE",
        message: () => [new RegExp(`cannot reach the coordinator at ${deadUrl}`), /--coordinator \/ CYXWIZ_COORDINATOR_URL/],
      },
      {
        name: "unreachable RPC",
        args: () => ["escrow", unknownJob, "--keypair", client.path, "--url", deadUrl],
        exit: 3,
        code: "RPC_UNREACHABLE",
        message: () => [new RegExp(`cannot reach the Solana RPC at ${deadUrl}`), /--url \/ CYXWIZ_RPC_URL/],
      },
      {
        name: "insufficient tokens",
        args: () => ["submit", "--keypair", poor.path, "--spec", specPath],
        exit: 1,
        code: "INSUFFICIENT_TOKENS",
        quotes: true,
        message: () => [new RegExp(`wallet ${poor.key.toBase58()} holds 0 CYXWIZ, the job needs 0\\.\\d+ CYXWIZ`), /cyxwiz dev fund/],
      },
      {
        name: "unknown flag",
        args: () => ["status", unknownJob, "--frobnicate"],
        exit: 2,
        code: "USAGE",
        message: () => [/unknown flag --frobnicate/, /cyxwiz status --help/],
      },
      {
        name: "malformed job id",
        args: () => ["download", "abc", "--keypair", client.path],
        exit: 2,
        code: "USAGE",
        message: () => [/a job id is 64 lowercase hex characters, got "abc"/],
      },
    ];

    for (const c of cases) {
      it(`${c.name}: exit ${c.exit}, the message names the fix; --json gives {error: {code: ${c.code}}}`, async () => {
        const [plain, json] = await Promise.all([cli(...c.args()), cli(...c.args(), "--json")]);
        expect(plain.code, plain.stderr).to.equal(c.exit);
        if (c.quotes === true) expect(plain.stdout).to.match(/^Job: .*\nQuote /);
        else expect(plain.stdout).to.equal("");
        expect(plain.stderr).to.match(/^error: /);
        expect(plain.stderr).to.not.match(/\n\s+at /, "no stack trace");
        for (const pattern of c.message()) expect(plain.stderr).to.match(pattern);
        expect(json.code).to.equal(c.exit);
        const document = parseJson(json);
        expect(document.error.code).to.equal(c.code);
        expect(document.error.exitCode).to.equal(c.exit);
      });
    }

    it("cancel of a queued job (no node online): refunded in full, status exits 4", async () => {
      const payer = await newWallet("client-cancel");
      await cliJson("dev", "fund", "--keypair", payer.path, "--tokens", "1");
      const [before] = await balances([payer.key]);
      const submitted = await cliJson("submit", "--keypair", payer.path, "--spec", specPath, "--detach");
      const cancelled = await cli("cancel", submitted.jobId, "--keypair", payer.path, "--follow", "--json");
      expect(cancelled.code, cancelled.stderr).to.equal(4);
      const job = parseJson(cancelled);
      expect(job.status).to.equal("refunded");
      const status = await cli("status", submitted.jobId, "--keypair", payer.path);
      expect(status.code).to.equal(4);
      expect(status.stdout).to.match(/refunded/);
      const [after] = await balances([payer.key]);
      expect(after).to.equal(before);
    });

    it("--help documents the exit codes and exits 0", async () => {
      const help = await cli("--help");
      expect(help.code).to.equal(0);
      expect(help.stdout).to.match(/4 {2}the job failed/);
      expect(help.stdout).to.match(/3 {2}a service is unreachable/);
    });
  });
});
