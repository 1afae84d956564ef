/** The client's commands: quote, submit, status, cancel, download, escrow. */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";

import { PublicKey } from "@solana/web3.js";

import { escrowAddress, getEscrowHistory, jobIdFromHex, JOB_ESCROW_PROGRAM_ID } from "@cyxwiz/sdk";
import type { JobReply, SubmittedReply } from "@cyxwiz/protocol/api/responses";
import { CoordinatorHttpError } from "@cyxwiz/lib";
import type { Command } from "../command";
import { EXIT, usageError, userError } from "../errors";
import { FINAL_STATUSES, followJob } from "../follow";
import { checkFunds, createJobEscrow, fetchJob, submitIdempotent } from "../jobs";
import { parseJobId, planJob, QUOTE_FLAGS, readJsonFile } from "../job-spec";
import { formatTokens } from "../output";
import { quoteLines, transitionLine, verdictLines } from "../render";

const JOB_ARG = [{ name: "jobId", help: "the job's id (64 hex characters, printed by submit)" }];

export const quoteCommand: Command = {
  path: ["quote"],
  summary: "Price a training job and see which nodes could run it, and why the others cannot.",
  flags: QUOTE_FLAGS,
  positionals: [],
  async run(ctx) {
    const plan = await planJob(ctx);
    const quote = await ctx.coordinator().quote(plan.request);
    ctx.out.line(`Job: ${plan.derivation}`);
    ctx.out.lines(quoteLines(quote));
    ctx.out.result({ request: plan.request, quote });
  },
};

/** What a finished job shows: model, metrics, settlement. */
function outcomeLines(job: JobReply): string[] {
  const lines = verdictLines(job.verification?.verdict);
  const resumed = Number(job.resumeEpoch ?? 0);
  if (resumed > 0)
    lines.push(`Resumed: the last run started from epoch ${resumed}, a checkpoint of an earlier node that the coordinator had verified`);
  if (job.proof) lines.push(`Model: ${job.proof.weightsCid} (sha256 ${job.proof.weightsSha256}); cyxwiz download ${job.jobId}`);
  if (job.settlementSignature) lines.push(`Settled on chain by ${job.settlementSignature}; cyxwiz escrow ${job.jobId}`);
  return lines;
}

function exitFor(job: JobReply): typeof EXIT.ok | typeof EXIT.jobFailed {
  return job.status === "released" ? EXIT.ok : EXIT.jobFailed;
}

export const submitCommand: Command = {
  path: ["submit"],
  summary: "Quote a job, fund its escrow on chain, submit it, and follow it until the escrow is settled.",
  description:
    "The escrow holds the quoted amount until the coordinator verifies the node's proof (release: 90% node, 10% treasury) or refunds you.\n" +
    "Without --spec give --dataset CID and --job-config FILE together with the quote flags.",
  flags: [
    ...QUOTE_FLAGS,
    { name: "dataset", type: "string", value: "CID", help: "the dataset's CID (without --spec)" },
    { name: "job-config", type: "string", value: "FILE", help: "the training config JSON handed to the node (without --spec)" },
    { name: "max-duration", type: "number", value: "SECS", help: "settle by verified progress if it runs longer" },
    { name: "lifetime", type: "number", value: "HOURS", help: "escrow lifetime on chain before you can reclaim it (default 24)" },
    { name: "detach", type: "boolean", help: "return once submitted; follow later with cyxwiz status" },
  ],
  positionals: [],
  async run(ctx) {
    const payer = ctx.keypair();
    const plan = await planJob(ctx);
    const datasetCid = plan.datasetCid ?? ctx.flag<string>("dataset");
    const configPath = ctx.flag<string>("job-config");
    const config =
      plan.config ?? (configPath === undefined ? undefined : (readJsonFile(configPath, "job config") as Record<string, unknown>));
    if (datasetCid === undefined || config === undefined)
      throw usageError("without --spec, submit needs --dataset CID and --job-config FILE");
    const api = ctx.coordinator();
    const quote = await api.quote(plan.request);
    ctx.out.line(`Job: ${plan.derivation}`);
    ctx.out.lines(quoteLines(quote));
    const amount = BigInt(quote.amount);
    const escrow = await ctx.escrowClient();
    await checkFunds(ctx, escrow, payer.publicKey, amount);
    const funded = await createJobEscrow(ctx, escrow, payer, amount, (ctx.flag<number>("lifetime") ?? 24) * 3600);
    ctx.out.line(`Escrow ${funded.escrow.toBase58()} created and funded with ${formatTokens(amount)} (tx ${funded.signature})`);
    const maxDurationSecs = ctx.flag<number>("max-duration");
    let submitted: SubmittedReply;
    try {
      submitted = await submitIdempotent(api, {
        quoteId: quote.quoteId,
        jobId: funded.jobId,
        escrow: funded.escrow.toBase58(),
        datasetCid,
        config,
        ...(maxDurationSecs === undefined ? {} : { maxDurationSecs }),
      });
    } catch (error) {
      if (error instanceof CoordinatorHttpError && error.status < 500) {
        // Refused: nothing will ever use this escrow, so the money goes straight back.
        const signature = await ctx.rpc(() => escrow.refundEscrow({ authority: payer, escrow: funded.escrow, payer: payer.publicKey }));
        throw userError(error.code, `the coordinator refused the job: ${error.message}; the escrow was refunded to you (tx ${signature})`);
      }
      throw error;
    }
    ctx.out.line(`Submitted job ${funded.jobId} (${submitted.status})`);
    const base = { jobId: funded.jobId, escrow: funded.escrow.toBase58(), createSignature: funded.signature, quote };
    if (ctx.flag<boolean>("detach") === true) {
      ctx.out.line(`Follow it with: cyxwiz status ${funded.jobId}`);
      ctx.out.result({ ...base, status: submitted.status });
      return EXIT.ok;
    }
    const job = await followJob(api, funded.jobId, ctx.out);
    ctx.out.lines(outcomeLines(job));
    ctx.out.result({ ...base, status: job.status, job });
    return exitFor(job);
  },
};

export const statusCommand: Command = {
  path: ["status"],
  summary: "A job's state and every transition with its reason.",
  flags: [{ name: "follow", type: "boolean", help: "keep following it until it is settled" }],
  positionals: JOB_ARG,
  async run(ctx) {
    const jobId = parseJobId(ctx.positionals[0]);
    const api = ctx.coordinator();
    let job = await fetchJob(api, jobId, ctx.keypair().publicKey);
    ctx.out.line(
      `Job ${jobId}: ${job.status}${job.nodeId ? ` on node ${job.nodeId}` : ""}${job.progress != null ? ` (${Math.round(Number(job.progress) * 100)}%)` : ""}`,
    );
    ctx.out.line(
      `  escrow ${job.escrow?.address} holding ${formatTokens(job.escrow?.amount ?? 0)}, expected on chain: ${job.escrow?.expectedStatus}; attempts ${job.attempts}/${job.maxAttempts}`,
    );
    if (ctx.flag<boolean>("follow") === true && !FINAL_STATUSES.includes(job.status)) {
      job = await followJob(api, jobId, ctx.out);
    } else {
      ctx.out.lines((job.history ?? []).map(transitionLine));
    }
    ctx.out.lines(outcomeLines(job));
    ctx.out.result(job);
    return FINAL_STATUSES.includes(job.status) ? exitFor(job) : EXIT.ok;
  },
};

export const cancelCommand: Command = {
  path: ["cancel"],
  summary:
    "Cancel a job: before it runs the escrow is refunded to you; while it runs the node is paid for its verified progress and you get the rest.",
  flags: [{ name: "follow", type: "boolean", help: "wait until the escrow is settled (exit 4 once refunded)" }],
  positionals: JOB_ARG,
  async run(ctx) {
    const jobId = parseJobId(ctx.positionals[0]);
    const api = ctx.coordinator();
    await fetchJob(api, jobId, ctx.keypair().publicKey);
    const answer = await api.cancel(jobId);
    const what =
      answer.status === "settling-partial"
        ? "the node is paid for its verified progress, the rest of the escrow comes back to you"
        : "the escrow is refunded to you";
    ctx.out.line(`Job ${jobId}: cancelled (${answer.status}): ${what}; see cyxwiz escrow ${jobId}`);
    if (ctx.flag<boolean>("follow") !== true) {
      ctx.out.result(answer);
      return EXIT.ok;
    }
    const job = await followJob(api, jobId, ctx.out);
    ctx.out.result(job);
    return exitFor(job);
  },
};

export const downloadCommand: Command = {
  path: ["download"],
  summary: "Fetch a job's trained weights from IPFS; refuses unless their sha256 equals the job's proof.",
  flags: [{ name: "output", alias: "o", type: "string", value: "FILE", help: "where to write them (default <jobId>.weights)" }],
  positionals: JOB_ARG,
  async run(ctx) {
    const jobId = parseJobId(ctx.positionals[0]);
    const wallet = ctx.keypair().publicKey;
    const job = await fetchJob(ctx.coordinator(), jobId, wallet);
    if (!job.proof)
      throw userError(
        "NO_WEIGHTS",
        `job ${jobId} has no reported weights yet (status ${job.status}); wait for it: cyxwiz status --follow ${jobId}`,
      );
    const expected = String(job.proof.weightsSha256);
    // The chain's proof hash, once released, is the sha256 the coordinator computed itself.
    const onChain = await ctx.rpc(async () => (await ctx.escrowClient()).fetchEscrow(new PublicKey(job.escrow.address)));
    const chainHash = onChain?.proofHash.some((b) => b !== 0) ? Buffer.from(onChain.proofHash).toString("hex") : null;
    if (chainHash !== null && chainHash !== expected) {
      throw userError(
        "HASH_MISMATCH",
        `the job's proof (${expected}) differs from the proof hash on chain (${chainHash}); not downloading`,
      );
    }
    const bytes = await ctx.ipfs().read(String(job.proof.weightsCid));
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== expected) {
      throw userError(
        "HASH_MISMATCH",
        `the bytes under ${job.proof.weightsCid} hash to ${actual}, the job's proof is ${expected}; refusing to save them`,
      );
    }
    const path = ctx.flag<string>("output") ?? `${jobId}.weights`;
    writeFileSync(path, bytes);
    ctx.out.line(
      `Saved ${bytes.length} bytes to ${path}: sha256 ${actual} matches the proof${chainHash === null ? "" : " and the hash on chain"}`,
    );
    ctx.out.result({ jobId, path, bytes: bytes.length, sha256: actual, weightsCid: job.proof.weightsCid, onChainProofHash: chainHash });
  },
};

/** An event's fields as plain JSON: keys base58, numbers decimal, bytes hex, enums by name. */
function plain(value: unknown): unknown {
  if (value instanceof PublicKey) return value.toBase58();
  if (
    value !== null &&
    typeof value === "object" &&
    "toString" in value &&
    (value as { constructor?: { name?: string } }).constructor?.name === "BN"
  ) {
    return (value as { toString(): string }).toString();
  }
  if (Array.isArray(value) || value instanceof Uint8Array) return Buffer.from(value as number[]).toString("hex");
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && JSON.stringify((value as Record<string, unknown>)[keys[0]]) === "{}") return keys[0];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

const AMOUNT_FIELDS = ["amount", "nodeAmount", "platformAmount", "payerAmount", "sweptAmount"];

function eventLine(name: string, data: Record<string, unknown>): string {
  const parts = Object.entries(data)
    .filter(([key]) => !["escrow", "jobId", "proofHash"].includes(key))
    .map(([key, value]) => `${key} ${AMOUNT_FIELDS.includes(key) ? formatTokens(String(value)) : value}`);
  return `${name.replace(/Event$/, "")}: ${parts.join(", ")}`;
}

export const escrowCommand: Command = {
  path: ["escrow"],
  summary: "A job's escrow as the chain records it, and its history: Created → Locked → Released, with amounts and signatures.",
  flags: [{ name: "payer", type: "string", value: "KEY", help: "the paying wallet (default: the --keypair's)" }],
  positionals: JOB_ARG,
  async run(ctx) {
    const jobId = parseJobId(ctx.positionals[0]);
    const payerText = ctx.flag<string>("payer");
    const payer = payerText === undefined ? ctx.keypair().publicKey : new PublicKey(payerText);
    const address = escrowAddress(payer, jobIdFromHex(jobId), JOB_ESCROW_PROGRAM_ID);
    const client = await ctx.escrowClient();
    const [account, history] = await ctx.rpc(() => Promise.all([client.fetchEscrow(address), getEscrowHistory(ctx.connection(), address)]));
    if (account === null && history.length === 0) {
      throw userError(
        "ESCROW_NOT_FOUND",
        `no escrow of job ${jobId} paid by ${payer.toBase58()} (address ${address.toBase58()}) on ${ctx.settings.rpcUrl}; check the id, --payer or --url`,
      );
    }
    const entries = history.map((entry) => ({
      signature: entry.signature,
      slot: entry.slot,
      blockTime: entry.blockTime,
      failed: entry.err !== null,
      events: entry.events.map((event) => ({ name: event.name, data: plain(event.data) as Record<string, unknown> })),
    }));
    ctx.out.line(`Escrow ${address.toBase58()} of job ${jobId}`);
    if (account === null) ctx.out.line("  account: closed (history below)");
    else {
      ctx.out.line(
        `  status ${account.status}, amount ${formatTokens(account.amount)}, fee ${account.feeBps / 100}%, attempt ${account.attempt}`,
      );
      ctx.out.line(
        `  payer ${account.payer.toBase58()}, node ${account.payee?.toBase58() ?? "(none)"}, expires ${new Date(account.expiresAt * 1000).toISOString()}`,
      );
      if (account.status === "Released" || account.nodePaid > 0n) {
        ctx.out.line(
          `  paid: node ${formatTokens(account.nodePaid)}, treasury ${formatTokens(account.platformPaid)}, refunded ${formatTokens(account.refunded)}; proof ${Buffer.from(account.proofHash).toString("hex")}`,
        );
      }
    }
    for (const entry of entries) {
      const when = entry.blockTime === null ? `slot ${entry.slot}` : new Date(entry.blockTime * 1000).toISOString().slice(11, 19);
      for (const event of entry.events) ctx.out.line(`  ${when}  ${eventLine(event.name, event.data)}  (tx ${entry.signature})`);
      if (entry.failed) ctx.out.line(`  ${when}  failed transaction (tx ${entry.signature})`);
    }
    ctx.out.result({
      address: address.toBase58(),
      account: account === null ? null : plain(account),
      history: entries,
    });
  },
};
