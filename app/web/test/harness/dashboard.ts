/**
 * The browser suites' set-up (app/web/test/browser-*.ts): the dashboard in a real browser
 * (Debian's chromium through playwright-core), against everything real: the built
 * dashboard served by a coordinator child process (its own Redis prefix, on a free port),
 * the localnet, redis-server and kubo, and a node agent (app/agent runAgent) that trains
 * jobs and uploads the weights.
 *
 * Env (as scripts/test.sh sets it for the coordinator's integration tests): CYXWIZ_RPC_URL,
 * CYXWIZ_LOCALNET_DIR (migrated), CYXWIZ_TEST_REDIS_URL, CYXWIZ_TEST_IPFS_API;
 * CYXWIZ_CHROMIUM (default /usr/bin/chromium). Screenshots go to app/web/test-results/.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { type Connection, Keypair, type PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import { type Browser, chromium, type Page } from "playwright-core";

import { type AgentHandle, runAgent } from "@cyxwiz/agent";
import { createConnection, sol, topUp, fundNewWallet, loadManifestKeys, readManifest } from "@cyxwiz/sdk";

const ROOT = resolve(__dirname, "../../../..");
const DIST = join(ROOT, "app/web/dist");
export const RESULTS = join(ROOT, "app/web/test-results");
const CHROMIUM = process.env.CYXWIZ_CHROMIUM ?? "/usr/bin/chromium";
const REDIS_URL = process.env.CYXWIZ_TEST_REDIS_URL ?? "redis://127.0.0.1:16379";
export const IPFS_API = process.env.CYXWIZ_TEST_IPFS_API ?? "http://127.0.0.1:15001";
export const CLIENT_TOKENS = 100_000_000n;
/** Long enough for a cold start on 2 shared cores; a wait, not a timed assertion. */
export const WAIT_MS = 240_000;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => done(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** Thrown by a check: stop waiting at once. */
class GiveUp extends Error {}

export async function until<T>(what: string, check: () => Promise<T | null>, ms = WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== null) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gave up waiting for ${what}${last === null ? "" : ` (last error: ${String(last)})`}`);
}

/** The coordinator as main.ts runs it, serving the built dashboard; resolves on its ready line. */
async function startCoordinator(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const port = await freePort();
  let output = "";
  const child = spawn(
    process.execPath,
    ["--conditions=source", "-r", "ts-node/register/transpile-only", join(ROOT, "coordinator/src/main.ts")],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, CYXWIZ_COORDINATOR_PORT: String(port), TS_NODE_PROJECT: join(ROOT, "tsconfig.json") },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  await until(
    "the coordinator's ready line",
    async () => {
      if (child.exitCode !== null) throw new GiveUp(`the coordinator exited ${child.exitCode}:\n${output}`);
      return /coordinator ready on/.test(output) ? true : null;
    },
    120_000,
  ).catch((error) => {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`);
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => output };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The localnet's RPC sends no CORS headers, so the page reaches the chain at its own
 * origin's /rpc. Where the coordinator does not forward /rpc, the browser's requests to it
 * are forwarded to the RPC here (what `vite dev`'s proxy does in development).
 */
async function routeRpc(page: Page, origin: string, rpcUrl: string): Promise<string> {
  const probe = await fetch(`${origin}/rpc`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getSlot" }),
  }).catch(() => null);
  const forwards = probe?.ok && typeof ((await probe.json().catch(() => ({}))) as { result?: unknown }).result === "number";
  if (forwards) return "the coordinator forwards /rpc";
  await page.route(`${origin}/rpc`, async (route) => {
    const response = await route.fetch({ url: rpcUrl });
    await route.fulfill({ response });
  });
  return "the test forwards /rpc to the RPC";
}

export async function baseUnits(page: Page, testId: string): Promise<bigint> {
  const value = await page.getByTestId(testId).first().getAttribute("data-base-units");
  if (value === null || value === "") throw new Error(`${testId} shows no amount`);
  return BigInt(value);
}

/**
 * A Wallet Standard wallet injected before the page loads, as a browser extension would
 * register itself: it connects `keypair`'s account and signs messages with WebCrypto's
 * Ed25519 (the browser's own implementation, not the dashboard's). With `approve` false it
 * rejects every transaction as a user clicking "Reject" would; with `approve` true it signs
 * them as a user clicking "Approve" would: it finds its key among the wire transaction's
 * signers (legacy or v0 message), signs the message bytes and returns the transaction with
 * its signature in place. It never sends anything itself.
 */
function testWalletScript(keypair: Keypair, { approve }: { approve: boolean }): string {
  const pkcs8 = [...Buffer.from("302e020100300506032b657004220420", "hex"), ...keypair.secretKey.subarray(0, 32)];
  return `(() => {
    const pkcs8 = new Uint8Array(${JSON.stringify(pkcs8)});
    const chains = ["solana:localnet", "solana:devnet", "solana:testnet", "solana:mainnet"];
    const account = { address: ${JSON.stringify(keypair.publicKey.toBase58())}, publicKey: new Uint8Array(${JSON.stringify(Array.from(keypair.publicKey.toBytes()))}),
      chains, features: ["solana:signTransaction", "solana:signMessage"] };
    const listeners = [];
    window.__signedMessages = 0;
    window.__rejectedTransactions = 0;
    window.__signedTransactions = 0;
    const approve = ${JSON.stringify(approve)};
    // A compact-u16 at bytes[at]: [value, bytes it took].
    const shortVec = (bytes, at) => { let value = 0; for (let i = 0; i < 3; i++) { const b = bytes[at + i]; value |= (b & 0x7f) << (7 * i); if ((b & 0x80) === 0) return [value, i + 1]; } throw new Error("bad compact-u16"); };
    const signWire = async (wire) => {
      const bytes = new Uint8Array(wire);
      const [signatures, sigLen] = shortVec(bytes, 0);
      const messageAt = sigLen + 64 * signatures;
      const message = bytes.subarray(messageAt);
      const headerAt = (message[0] & 0x80) !== 0 ? 1 : 0;
      const required = message[headerAt];
      const [keys, keysLen] = shortVec(message, headerAt + 3);
      const keysAt = headerAt + 3 + keysLen;
      let index = -1;
      for (let k = 0; k < Math.min(keys, required); k++) {
        if (message.subarray(keysAt + 32 * k, keysAt + 32 * k + 32).every((b, i) => b === account.publicKey[i])) index = k;
      }
      if (index < 0 || index >= signatures) throw new Error("this transaction does not ask the Test Wallet's account to sign");
      const key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
      const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, message));
      const signed = new Uint8Array(bytes);
      signed.set(signature, sigLen + 64 * index);
      window.__signedTransactions += 1;
      return signed;
    };
    const wallet = {
      version: "1.0.0", name: "Test Wallet", icon: "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=", chains, accounts: [],
      features: {
        "standard:connect": { version: "1.0.0", connect: async () => { wallet.accounts = [account]; listeners.forEach((l) => l({ accounts: wallet.accounts })); return { accounts: wallet.accounts }; } },
        "standard:disconnect": { version: "1.0.0", disconnect: async () => { wallet.accounts = []; listeners.forEach((l) => l({ accounts: [] })); } },
        "standard:events": { version: "1.0.0", on: (event, listener) => { listeners.push(listener); return () => listeners.splice(listeners.indexOf(listener), 1); } },
        "solana:signTransaction": { version: "1.0.0", supportedTransactionVersions: ["legacy", 0], signTransaction: async (...inputs) => {
          if (!approve) { window.__rejectedTransactions += 1; throw new Error("User rejected the request."); }
          return Promise.all(inputs.map(async ({ transaction }) => ({ signedTransaction: await signWire(transaction) })));
        } },
        "solana:signMessage": { version: "1.0.0", signMessage: async (...inputs) => Promise.all(inputs.map(async ({ message }) => {
          const key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
          window.__signedMessages += 1;
          return { signedMessage: message, signature: new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, message)) };
        })) },
      },
    };
    const register = ({ register }) => register(wallet);
    window.addEventListener("wallet-standard:app-ready", ({ detail }) => register(detail));
    const event = new Event("wallet-standard:register-wallet");
    Object.defineProperty(event, "detail", { value: register });
    window.dispatchEvent(event);
  })();`;
}

type FundedClient = { keypair: Keypair; file: string; token: PublicKey };

export interface Dashboard {
  readonly connection: Connection;
  readonly manifest: NonNullable<ReturnType<typeof readManifest>>;
  /** The coordinator child process serving the dashboard. */
  readonly coordinator: { child: ChildProcess; url: string; output: () => string };
  /** A new wallet with SOL for fees and `tokens`, its keypair file written for the page. */
  readonly fundedClient: (tokens: bigint) => Promise<FundedClient>;
  /** A new page at `hash`, its RPC routed to the localnet. */
  readonly openPage: (hash: string, init?: { script: string }) => Promise<Page>;
  /** Describes the small 5-epoch job on `datasetCid` and asks for a quote; the quoted amount. */
  readonly quoteSmallJob: (page: Page, datasetCid: string) => Promise<bigint>;
  /** A funded client whose Test Wallet (approving or rejecting transactions) is connected on the client page. */
  readonly walletPage: (approve: boolean) => Promise<{ client: FundedClient; page: Page }>;
  /** Starts the node agent that trains this suite's jobs (stopped after the suite). */
  readonly startAgent: (keypair?: Keypair) => AgentHandle;
  readonly stopAgent: (why: string) => Promise<void>;
}

/** describe(title) with the dashboard built and served, chromium launched, and `body`'s tests. */
export function describeDashboard(title: string, body: (s: Dashboard) => void): void {
  describe(title, function () {
    this.timeout(600_000);

    const manifest = readManifest();
    let connection: Connection;
    let coordinator: { child: ChildProcess; url: string; output: () => string } | null = null;
    let browser: Browser | null = null;
    let agent: AgentHandle | null = null;
    let work: string;
    let redisPrefix: string;

    before(async () => {
      if (manifest === null)
        throw new Error("no localnet manifest: run `npm run migrate` with CYXWIZ_LOCALNET_DIR set (scripts/test.sh does)");
      if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium, or set CYXWIZ_CHROMIUM`);
      connection = createConnection({ rpcUrl: process.env.CYXWIZ_RPC_URL ?? manifest.rpcUrl });
      mkdirSync(RESULTS, { recursive: true });
      work = mkdtempSync(join(tmpdir(), "cyxwiz-web-"));
      // The dashboard as it ships.
      execFileSync(
        process.execPath,
        [join(ROOT, "node_modules/vite/bin/vite.js"), "build", "--config", join(ROOT, "app/web/vite.config.mts"), "--logLevel", "warn"],
        {
          cwd: ROOT,
          stdio: "inherit",
        },
      );
      redisPrefix = `cyx-web:${randomUUID()}:`;
      coordinator = await startCoordinator({
        CYXWIZ_REDIS_URL: REDIS_URL,
        CYXWIZ_REDIS_PREFIX: redisPrefix,
        CYXWIZ_RPC_URL: connection.rpcEndpoint,
        CYXWIZ_IPFS_API: IPFS_API,
        CYXWIZ_COORDINATOR_KEYPAIR: manifest.keyFiles.coordinator,
        CYXWIZ_DASHBOARD_DIR: DIST,
        CYXWIZ_HEARTBEAT_INTERVAL_MS: "1000",
        CYXWIZ_LOG_LEVEL: "warn",
      });
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
    });

    after(async () => {
      await agent?.stop("test over").catch(() => undefined);
      await browser?.close();
      if (coordinator !== null) await stopChild(coordinator.child);
      // This run's keys only.
      if (redisPrefix !== undefined) {
        const { Redis } = await import("ioredis");
        const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
        redis.on("error", () => undefined);
        await redis.connect().catch(() => undefined);
        if (redis.status === "ready") {
          const keys = await redis.keys(`${redisPrefix}*`);
          if (keys.length > 0) await redis.del(...keys);
        }
        redis.disconnect();
      }
      if (work !== undefined) rmSync(work, { recursive: true, force: true });
    });

    async function fundedClient(tokens: bigint): Promise<{ keypair: Keypair; file: string; token: PublicKey }> {
      const keys = loadManifestKeys(manifest!);
      // The faucet pays the SOL; the localnet's own faucet keeps it topped up.
      await topUp(connection, keys.mintAuthority.publicKey, sol(1), sol(10));
      const wallet = await fundNewWallet(connection, keys.mintAuthority, keys.mint.publicKey, { lamports: sol(0.1), tokens });
      const file = join(work, `client-${wallet.publicKey.toBase58()}.json`);
      writeFileSync(file, JSON.stringify(Array.from(wallet.keypair.secretKey)));
      return { keypair: wallet.keypair, file, token: wallet.token };
    }

    async function openPage(hash: string, init?: { script: string }): Promise<Page> {
      const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
      if (init !== undefined) await page.addInitScript({ content: init.script });
      const how = await routeRpc(page, coordinator!.url, connection.rpcEndpoint);
      console.log(`      (${how})`);
      await page.goto(`${coordinator!.url}/${hash}`);
      return page;
    }

    /** Describes the small 5-epoch job on `datasetCid` and asks for a quote; the quoted amount. */
    async function quoteSmallJob(page: Page, datasetCid: string): Promise<bigint> {
      await page.getByTestId("dataset-cid").fill(datasetCid);
      await page.getByTestId("epochs").fill("5");
      await page.getByTestId("model-size").selectOption("small");
      await page.getByTestId("get-quote").click();
      await page.getByTestId("quote").waitFor();
      return baseUnits(page, "quote-amount");
    }

    /** A funded client whose Test Wallet (approving or rejecting transactions) is connected on the client page. */
    async function walletPage(approve: boolean): Promise<{ client: Awaited<ReturnType<typeof fundedClient>>; page: Page }> {
      const client = await fundedClient(CLIENT_TOKENS);
      const page = await openPage("#/client", { script: testWalletScript(client.keypair, { approve }) });
      await page.getByRole("button", { name: "Test Wallet" }).click();
      await page.getByTestId("wallet-address").waitFor();
      expect(await page.getByTestId("wallet-address").textContent()).to.equal(client.keypair.publicKey.toBase58());
      expect(await page.getByTestId("dev-warning").count(), "no dev-keypair warning for a browser wallet").to.equal(0);
      await page.getByTestId("token-balance").first().waitFor();
      return { client, page };
    }

    function startAgent(keypair = Keypair.generate()): AgentHandle {
      agent = runAgent({
        keypair,
        coordinatorUrl: coordinator!.url,
        ipfsApiUrl: IPFS_API,
        workDir: join(work, "agent"),
        gpu: { model: "RTX_3060", vramGb: 12 },
        priceFloor: "1",
        checkpointEveryEpochs: 0,
      });
      return agent;
    }

    async function stopAgent(why: string): Promise<void> {
      await agent?.stop(why);
      agent = null;
    }

    body({
      get connection() {
        return connection;
      },
      get manifest() {
        return manifest!;
      },
      get coordinator() {
        return coordinator!;
      },
      fundedClient,
      openPage,
      quoteSmallJob,
      walletPage,
      startAgent,
      stopAgent,
    });
  });
}
