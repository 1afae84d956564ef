/**
 * The local marketplace, narrated: started by scripts/run.sh once the localnet, Redis
 * and IPFS run and the migration is done. Starts the coordinator and two node agents
 * (`cyxwiz node start`) of different GPU classes and price floors, then acts as a
 * fresh client: funds a wallet, puts the demo dataset on IPFS, quotes and explains
 * the choice of node, funds the escrow, submits and follows the job through training,
 * verification and the 90/10 release, with token balances before → after.
 * --kill-node SIGKILLs the chosen node mid-training to show the heartbeat loss, the
 * unlock and the reassignment. Ctrl-C (SIGINT/SIGTERM) stops every process it started.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { Keypair, LAMPORTS_PER_SOL, PublicKey } from "@solana/web3.js";

import { readManifest, releaseSplit, tokenBalances, writeKeypairFile } from "@cyxwiz/sdk";
import { type FlagSpec, parseArgs } from "@cyxwiz/cli/args";
import { addDemoDataset, fundWallet, jobSpec } from "@cyxwiz/cli/commands/dev";
import { eventLine } from "@cyxwiz/cli/commands/node";
import { Context } from "@cyxwiz/cli/context";
import { CliError, toCliError } from "@cyxwiz/cli/errors";
import { followJob } from "@cyxwiz/cli/follow";
import { checkFunds, createJobEscrow, submitIdempotent } from "@cyxwiz/cli/jobs";
import { planJob } from "@cyxwiz/cli/job-spec";
import { formatMemoryGb, formatTokens, Output } from "@cyxwiz/cli/output";
import { quoteLines, reevaluatedMetrics, verdictLines } from "@cyxwiz/cli/render";
import type { NodeReply } from "@cyxwiz/protocol/api/responses";
import type { OfferInfo } from "@cyxwiz/agent/events";
import { type Child, jsonLines, type RunningCoordinator, spawnCli, startCoordinator } from "./processes";

const FLAGS: readonly FlagSpec[] = [
  { name: "run-dir", type: "string", value: "DIR", help: "logs, keys and files of this run" },
  { name: "rpc-url", type: "string", value: "URL", help: "the localnet's JSON-RPC" },
  { name: "localnet-dir", type: "string", value: "DIR", help: "the migration's manifest and keys" },
  { name: "redis-url", type: "string", value: "URL", help: "Redis" },
  { name: "ipfs-api", type: "string", value: "URL", help: "kubo's API" },
  { name: "coordinator-port", type: "number", value: "PORT", help: "the coordinator's port" },
  { name: "epochs", type: "number", value: "N", help: "training epochs (default 150: about 10-30 s on a CPU)" },
  { name: "kill-node", type: "boolean", help: "SIGKILL the chosen node mid-training" },
  { name: "json", type: "boolean", help: "print a JSON summary only" },
  { name: "dashboard", type: "string", value: "DIR", help: "a built dashboard (app/web/dist) for the coordinator to serve at /" },
  { name: "stay", type: "boolean", help: "keep the marketplace running after the job, until Ctrl-C" },
];

interface DemoNode {
  readonly label: string;
  readonly args: readonly string[];
  child?: Child;
  nodeId?: string;
  info?: NodeReply;
}

function registeredId(node: DemoNode): string {
  if (node.nodeId === undefined) throw new Error(`${node.label} has not registered with the coordinator`);
  return node.nodeId;
}

function planConfig<T>(config: T | null | undefined): T {
  if (config === null || config === undefined) throw new Error("the demo's job plan has no training config");
  return config;
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new CliError(2, "USAGE", `--${name} is required`);
  return value;
}

async function main(): Promise<number> {
  const started = Number(process.env.CYXWIZ_DEMO_STARTED_AT ?? Date.now());
  const parsed = parseArgs(process.argv.slice(2), [], FLAGS);
  const flags = parsed.flags;
  const runDir = required(flags["run-dir"] as string | undefined, "run-dir");
  const rpcUrl = required(flags["rpc-url"] as string | undefined, "rpc-url");
  const ipfsApi = required(flags["ipfs-api"] as string | undefined, "ipfs-api");
  const localnetDir = required(flags["localnet-dir"] as string | undefined, "localnet-dir");
  const epochs = (flags.epochs as number | undefined) ?? 150;
  const killNode = flags["kill-node"] === true;
  const out = new Output(flags.json === true);
  const manifest = readManifest(localnetDir);
  if (manifest === null) throw new CliError(1, "NOT_MIGRATED", `no localnet manifest in ${localnetDir}; run npm run migrate first`);

  const children: Child[] = [];
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    stopping = true;
    await Promise.all(children.map((child) => child.stop(10_000)));
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      out.stopStatus();
      out.line(`\n${signal}: stopping the coordinator and the nodes…`);
      void stopAll().then(() => process.exit(130));
    });
  }

  try {
    // ---- the coordinator
    out.line("\n== 1. The coordinator");
    const coordinator: RunningCoordinator = await startCoordinator({
      port: required(flags["coordinator-port"] as number | undefined, "coordinator-port"),
      redisUrl: required(flags["redis-url"] as string | undefined, "redis-url"),
      redisPrefix: `demo:${Date.now()}:`,
      rpcUrl,
      ipfsApi,
      keypairPath: manifest.keyFiles.coordinator,
      log: join(runDir, "coordinator.log"),
      heartbeatMs: 1_000,
      heartbeatMisses: 3,
      dashboardDir: flags.dashboard as string | undefined,
    });
    children.push(coordinator.child);
    out.line(`   ready on ${coordinator.url} (pid ${coordinator.child.pid}; heartbeats every 1 s, a node is lost after 3 missed)`);
    if (flags.dashboard !== undefined)
      out.line(`   dashboard: ${coordinator.url}/ (client, operator and platform pages; dev keypair: ${join(runDir, "client.json")})`);
    const env = {
      CYXWIZ_COORDINATOR_URL: coordinator.url,
      CYXWIZ_RPC_URL: rpcUrl,
      CYXWIZ_IPFS_API: ipfsApi,
      CYXWIZ_LOCALNET_DIR: localnetDir,
    };
    const ctx = new Context(
      { coordinatorUrl: coordinator.url, rpcUrl, ipfsApi, keypairPath: join(runDir, "client.json"), json: false },
      {},
      [],
      out,
    );

    // ---- two nodes
    out.line("\n== 2. Two GPU owners start their node agents (cyxwiz node start)");
    const nodes: DemoNode[] = [
      { label: "node A (RTX 3060, 12 GB)", args: ["--gpu", "RTX_3060", "--vram", "12", "--price-floor", "0.2"] },
      { label: "node B (GTX 1650, 4 GB)", args: ["--gpu", "GTX_1650", "--vram", "4", "--price-floor", "0.6"] },
    ];
    const losses: number[] = [];
    let currentNode: string | null = null;
    let killed: { label: string; epoch: number; epochs: number } | null = null;
    // A node's job events stream live, the job's timeline is polled: a line from a node the
    // timeline has not yet shown the job offered to waits for that transition, so the story
    // reads in causal order (lost → offered to the other node → it resumes).
    const held = new Map<string, string[]>();
    const nodeLine = (node: DemoNode, text: string | null) => {
      if (text === null) return;
      const line = `      ${node.label}: ${text}`;
      if (node.nodeId === currentNode) return out.line(line);
      const key = node.nodeId ?? "";
      if (!held.has(key)) held.set(key, []);
      held.get(key)?.push(line);
    };
    const releaseHeld = (nodeId?: string) => {
      for (const [id, lines] of held) {
        if (nodeId !== undefined && id !== nodeId) continue;
        out.lines(lines);
        held.delete(id);
      }
    };
    const registered = nodes.map(
      (node, index) =>
        new Promise<void>((resolveRegistered, reject) => {
          const keyPath = join(runDir, `node-${index === 0 ? "a" : "b"}.json`);
          writeKeypairFile(keyPath, Keypair.generate());
          const child = spawnCli(
            ["node", "start", "--json", "--keypair", keyPath, "--work-dir", join(runDir, `node-${index === 0 ? "a" : "b"}`), ...node.args],
            {
              env,
              log: join(runDir, `node-${index === 0 ? "a" : "b"}.log`),
              onLine: jsonLines((event) => {
                if (event.type === "registered") {
                  node.nodeId = String(event.nodeId);
                  node.info = event.node as NodeReply;
                  resolveRegistered();
                }
                if (event.type === "epoch") {
                  const epoch = Number(event.epoch);
                  const total = Number(event.epochs);
                  losses.push(Number(event.loss));
                  if (epoch === 1 || epoch === total || epoch % Math.max(1, Math.round(total / 10)) === 0)
                    nodeLine(node, eventLine(event as never));
                  if (killNode && killed === null && node.nodeId === currentNode && epoch >= Math.ceil(total * 0.3)) {
                    killed = { label: node.label, epoch, epochs: total };
                    node.child?.process.kill("SIGKILL");
                    out.line(
                      `   ✖ --kill-node: ${node.label} (pid ${node.child?.pid}) killed with SIGKILL at epoch ${epoch}/${total}; its heartbeats stop`,
                    );
                  }
                } else if (event.type === "offer" && (event.offer as OfferInfo | undefined)?.resumeFrom !== undefined) {
                  const from = (event.offer as OfferInfo).resumeFrom as NonNullable<OfferInfo["resumeFrom"]>;
                  nodeLine(
                    node,
                    `offered with a verified checkpoint of the earlier run: resumes at epoch ${from.epoch}/${from.epochs} (${from.cid}), paid only for the epochs it trains`,
                  );
                } else if (["dataset-fetched", "weights-uploaded", "reported", "job-lost", "accepted"].includes(String(event.type))) {
                  nodeLine(node, eventLine(event as never));
                }
              }),
            },
          );
          node.child = child;
          children.push(child);
          void child.exited.then((code) => {
            if (node.nodeId === undefined)
              reject(
                new CliError(
                  1,
                  "NODE_FAILED",
                  `${node.label} exited (${code}) before registering; its log: ${join(runDir, `node-${index === 0 ? "a" : "b"}.log`)}`,
                ),
              );
            else if (!stopping && killed?.label !== node.label) out.line(`   ${node.label} exited (${code})`);
          });
        }),
    );
    await Promise.all(registered);
    for (const node of nodes) {
      out.line(
        `   ${node.label}: ${node.nodeId}, class ${node.info?.nodeClass}, price floor ${formatTokens(node.info?.priceFloor ?? 0)} per GPU-hour (pid ${node.child?.pid})`,
      );
    }

    // ---- the client
    out.line("\n== 3. A client: a fresh wallet, funded from the localnet faucet, and a dataset on IPFS");
    const client = Keypair.generate();
    writeKeypairFile(ctx.settings.keypairPath, client);
    const funded = await fundWallet(ctx, client.publicKey, 2 * LAMPORTS_PER_SOL, 10_000_000n, localnetDir);
    out.line(
      `   wallet ${client.publicKey.toBase58()}: ${funded.lamports / LAMPORTS_PER_SOL} SOL, ${formatTokens(funded.tokens)} (tx ${funded.signature})`,
    );
    const dataset = await addDemoDataset(ctx);
    const specPath = join(runDir, "job.json");
    writeFileSync(specPath, `${JSON.stringify(jobSpec(dataset.cid, epochs), null, 2)}\n`);
    out.line(`   dataset ${dataset.cid} (${dataset.bytes.length} bytes, sha256 ${dataset.sha256.slice(0, 16)}…); job spec ${specPath}`);

    // ---- quote
    out.line("\n== 4. The quote, and why this node");
    const specCtx = new Context(ctx.settings, { spec: specPath }, [], out);
    const plan = await planJob(specCtx);
    const api = ctx.coordinator();
    const quote = await api.quote(plan.request);
    out.line(`   ${plan.derivation}`);
    out.lines(quoteLines(quote).map((line) => `   ${line}`));
    const parts = (quote.availability?.candidates ?? []).map((candidate) => {
      const { reliability, price, size: vram } = candidate.scoreParts;
      return { candidate, label: nodes.find((n) => n.nodeId === candidate.nodeId)?.label ?? candidate.nodeId, reliability, vram, price };
    });
    parts.forEach((p, i) => {
      out.line(
        `   ${i === 0 ? "→" : " "} ${p.label}: score ${Number(p.candidate.score).toFixed(3)} = reliability ${p.reliability.toFixed(3)} + price ${p.price.toFixed(3)} + VRAM fit ${p.vram.toFixed(3)}`,
      );
    });
    if (parts.length >= 2) {
      const [winner, runnerUp] = parts;
      const diffs = (["reliability", "price", "vram"] as const).map((k) => ({ k, d: winner[k] - runnerUp[k] })).sort((a, b) => b.d - a.d);
      const why = {
        reliability: "a better reliability record",
        price: "a cheaper price floor",
        vram: `VRAM closer to the ${formatMemoryGb(quote.estimate?.minVramGb)} the job needs (a bigger card stays free for bigger jobs)`,
      }[diffs[0].k];
      out.line(`   Why ${winner.label}: both fit and can afford the job; it wins on ${why} (+${diffs[0].d.toFixed(3)}).`);
      if (Math.abs(winner.price - runnerUp.price) < 0.01)
        out.line(
          `   The budget allows floors up to ${formatTokens(quote.availability.affordablePriceFloor)} per GPU-hour, so the floors (${formatTokens(nodes[0].info?.priceFloor ?? 0)} vs ${formatTokens(nodes[1].info?.priceFloor ?? 0)}) barely move the price part.`,
        );
    }

    // ---- escrow
    out.line("\n== 5. The escrow: the quoted amount moves from the client into a JobEscrow vault");
    const escrowClient = await ctx.escrowClient();
    const amount = BigInt(quote.amount);
    const accounts = [
      escrowClient.tokenAccount(client.publicKey),
      ...nodes.map((n) => escrowClient.tokenAccount(new PublicKey(registeredId(n)))),
      escrowClient.config.treasury,
    ];
    const before = await ctx.rpc(() => tokenBalances(ctx.connection(), accounts));
    await checkFunds(ctx, escrowClient, client.publicKey, amount);
    const job = await createJobEscrow(ctx, escrowClient, client, amount, 24 * 3600);
    out.line(`   escrow ${job.escrow.toBase58()} holds ${formatTokens(amount)} (tx ${job.signature})`);
    const submitted = await submitIdempotent(api, {
      quoteId: quote.quoteId,
      jobId: job.jobId,
      escrow: job.escrow.toBase58(),
      datasetCid: dataset.cid,
      config: planConfig(plan.config),
    });
    out.line(`   job ${job.jobId} submitted: ${submitted.status}`);

    // ---- follow
    out.line(`\n== 6. The job: locked to a node on chain, trained, reported${killNode ? ", the node killed mid-way" : ""}`);
    const final = await followJob(api, job.jobId, out, {
      onTransition(t) {
        const node = nodes.find((n) => n.nodeId === t.nodeId);
        if (t.to === "offered") {
          currentNode = String(t.nodeId);
          out.line(`   → escrow Locked on chain to ${node?.label ?? t.nodeId}; the offer waits for its next heartbeat`);
          releaseHeld(currentNode);
        }
        if (t.reason === "node-lost")
          out.line(
            `   → ${node?.label ?? t.nodeId} missed 3 heartbeats: lost; the escrow is unlocked and the job queued again, that node excluded`,
          );
      },
    });

    releaseHeld();

    // ---- outcome
    out.line("\n== 7. Proof and payment");
    out.lines(verdictLines(final.verification?.verdict).map((line) => `   ${line}`));
    const after = await ctx.rpc(() => tokenBalances(ctx.connection(), accounts));
    const names = ["client", ...nodes.map((n) => n.label), "treasury"];
    names.forEach((name, i) => {
      out.line(
        `   ${name.padEnd(28)} ${formatTokens(before[i]).padStart(20)} → ${formatTokens(after[i]).padStart(20)}  (${after[i] - before[i] >= 0n ? "+" : ""}${formatTokens(after[i] - before[i])})`,
      );
    });
    const split = releaseSplit(amount, Number(quote.feeBps));
    const payee = nodes.findIndex((n) => n.nodeId === final.nodeId);
    const exact =
      final.status === "released" &&
      after[0] - before[0] === -amount &&
      after[payee + 1] - before[payee + 1] === split.node &&
      after[3] - before[3] === split.platform;
    out.line(
      `   ${exact ? "✓" : "✗"} ${final.status}: ${nodes[payee]?.label ?? final.nodeId} got ${formatTokens(split.node)} (90%), the treasury ${formatTokens(split.platform)} (10%), of the client's ${formatTokens(amount)}`,
    );
    if (final.proof)
      out.line(
        `   model ${final.proof.weightsCid}: cyxwiz download ${job.jobId} --keypair ${ctx.settings.keypairPath} --coordinator ${coordinator.url}`,
      );
    if (losses.length > 0)
      out.line(`   training loss ${losses[0].toFixed(4)} (first epoch) → ${losses[losses.length - 1].toFixed(4)} (last)`);
    const wallSecs = Math.round((Date.now() - started) / 100) / 10;
    out.line(`\nDone in ${wallSecs} s. Logs and keys: ${runDir}`);
    out.result({
      ok: exact,
      wallSecs,
      runDir,
      jobId: job.jobId,
      escrow: job.escrow.toBase58(),
      status: final.status,
      node: final.nodeId,
      killed,
      amount: amount.toString(),
      split: { node: split.node.toString(), treasury: split.platform.toString() },
      balances: Object.fromEntries(names.map((name, i) => [name, { before: before[i].toString(), after: after[i].toString() }])),
      loss: { first: losses[0] ?? null, last: losses[losses.length - 1] ?? null },
      metrics: reevaluatedMetrics(final.verification?.verdict) ?? null,
      modelCid: final.proof?.weightsCid ?? null,
    });
    if (flags.stay === true && !stopping) {
      out.line(
        `\nThe marketplace keeps running (--stay): coordinator ${coordinator.url}${flags.dashboard !== undefined ? `, dashboard ${coordinator.url}/` : ""}. Ctrl-C stops everything.`,
      );
      await new Promise<never>(() => undefined);
    }
    return exact ? 0 : 4;
  } finally {
    await stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const cli = toCliError(error);
    process.stderr.write(`error: ${cli.message}\n`);
    process.exit(cli.exitCode);
  },
);
