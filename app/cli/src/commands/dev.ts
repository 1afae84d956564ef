/** Localnet helpers: a key, SOL and CYXWIZ from the migration's mint authority, the demo dataset on IPFS. */
import { existsSync, writeFileSync } from "node:fs";

import { Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram } from "@solana/web3.js";

import {
  createTokenAccountInstruction,
  loadManifestKeys,
  localnetDir,
  mintToInstruction,
  readManifest,
  sendInstructions,
  tokenBalance,
  writeKeypairFile,
} from "@cyxwiz/sdk";
import { DEMO_DATASET, demoSpec, generateDatasetBytes, type MlpClassifierSpec, sha256Hex } from "@cyxwiz/trainer";
import type { Command } from "../command";
import type { Context } from "../context";
import { usageError, userError } from "../errors";
import { formatTokens, parseTokens } from "../output";

const LOCALNET_FLAG = {
  name: "localnet-dir",
  type: "string",
  value: "DIR",
  help: "where npm run migrate wrote localnet.json (env CYXWIZ_LOCALNET_DIR, default .localnet)",
} as const;

export const keygenCommand: Command = {
  path: ["dev", "keygen"],
  summary: "Create a wallet key file at --keypair (solana-keygen format); refuses to overwrite one.",
  flags: [{ name: "force", type: "boolean", help: "overwrite an existing file" }],
  positionals: [],
  async run(ctx) {
    const path = ctx.settings.keypairPath;
    if (existsSync(path) && ctx.flag<boolean>("force") !== true) {
      throw userError(
        "KEYPAIR_EXISTS",
        `${path} already exists; keep it, choose another --keypair, or pass --force to replace it (its funds would be lost)`,
      );
    }
    const keypair = Keypair.generate();
    writeKeypairFile(path, keypair);
    ctx.out.line(`Wrote ${path}: wallet ${keypair.publicKey.toBase58()}`);
    ctx.out.result({ path, publicKey: keypair.publicKey.toBase58() });
  },
};

export const fundCommand: Command = {
  path: ["dev", "fund"],
  summary: "Localnet only: give the wallet SOL and CYXWIZ tokens from the migration's mint authority.",
  flags: [
    { name: "sol", type: "number", value: "SOL", help: "SOL to send (default 2)" },
    { name: "tokens", type: "string", value: "CYXWIZ", help: "CYXWIZ to mint, e.g. 100 or 0.5 (default 1000)" },
    { name: "to", type: "string", value: "KEY", help: "fund this wallet instead of the --keypair's" },
    LOCALNET_FLAG,
  ],
  positionals: [],
  async run(ctx) {
    const tokens = parseTokens(ctx.flag<string>("tokens") ?? "1000");
    if (tokens === null) throw usageError(`--tokens must be an amount like 100 or 0.5, got ${ctx.flag<string>("tokens")}`);
    const lamports = Math.round((ctx.flag<number>("sol") ?? 2) * LAMPORTS_PER_SOL);
    const toText = ctx.flag<string>("to");
    const owner = toText === undefined ? ctx.keypair().publicKey : new PublicKey(toText);
    const funded = await fundWallet(ctx, owner, lamports, tokens, ctx.flag<string>("localnet-dir"));
    ctx.out.line(`Funded ${owner.toBase58()}: +${lamports / LAMPORTS_PER_SOL} SOL, +${formatTokens(tokens)} (tx ${funded.signature})`);
    ctx.out.line(`  now ${funded.lamports / LAMPORTS_PER_SOL} SOL and ${formatTokens(funded.tokens)}`);
    ctx.out.result({ wallet: owner.toBase58(), signature: funded.signature, lamports: funded.lamports, tokens: funded.tokens.toString() });
  },
};

/**
 * Localnet only: SOL and CYXWIZ for `owner` from the mint authority in the migration's
 * manifest (its token account created if missing), in one transaction.
 */
export async function fundWallet(
  ctx: Context,
  owner: PublicKey,
  lamports: number,
  tokens: bigint,
  dirOverride?: string,
): Promise<{ signature: string; lamports: number; tokens: bigint }> {
  const dir = dirOverride ?? localnetDir();
  const manifest = readManifest(dir);
  if (manifest === null) {
    throw userError(
      "NOT_LOCALNET",
      `no localnet manifest in ${dir}: dev fund works only on a localnet set up by npm run migrate (set --localnet-dir / CYXWIZ_LOCALNET_DIR to its directory)`,
    );
  }
  const escrow = await ctx.escrowClient();
  const mint = escrow.config.mint;
  if (mint.toBase58() !== manifest.mint) {
    throw userError(
      "MANIFEST_MISMATCH",
      `the manifest in ${dir} is of another chain (mint ${manifest.mint}, the chain at ${ctx.settings.rpcUrl} uses ${mint.toBase58()}); point --localnet-dir at this localnet's`,
    );
  }
  const faucet = loadManifestKeys(manifest).mintAuthority;
  const instructions = [createTokenAccountInstruction(faucet.publicKey, owner, mint)];
  if (lamports > 0) instructions.unshift(SystemProgram.transfer({ fromPubkey: faucet.publicKey, toPubkey: owner, lamports }));
  if (tokens > 0n) instructions.push(mintToInstruction(mint, escrow.tokenAccount(owner), faucet.publicKey, tokens));
  const connection = ctx.connection();
  const signature = await ctx.rpc(() => sendInstructions(connection, instructions, [faucet]));
  const [balance, sol] = await ctx.rpc(() =>
    Promise.all([tokenBalance(connection, escrow.tokenAccount(owner)), connection.getBalance(owner)]),
  );
  return { signature, lamports: sol, tokens: balance };
}

export const datasetCommand: Command = {
  path: ["dev", "dataset"],
  summary: "Generate the deterministic demo dataset (cyxwiz-tabular@1), add it to IPFS and optionally write a job spec for it.",
  flags: [
    { name: "samples", type: "number", value: "N", help: `rows (default ${DEMO_DATASET.samples})` },
    { name: "spec-out", type: "string", value: "FILE", help: "also write a cyxwiz/mlp-classifier@1 spec for it here" },
    { name: "epochs", type: "number", value: "N", help: "epochs of that spec (default 20)" },
    { name: "hidden", type: "list", value: "WIDTHS", help: "hidden layer widths of that spec, e.g. 32,16 (default)" },
  ],
  positionals: [],
  async run(ctx) {
    const samples = ctx.flag<number>("samples") ?? DEMO_DATASET.samples;
    if (!Number.isInteger(samples) || samples < 10) throw usageError(`--samples must be an integer ≥ 10, got ${samples}`);
    const { bytes, cid, sha256 } = await addDemoDataset(ctx, samples);
    ctx.out.line(`Dataset: ${samples} × ${DEMO_DATASET.features} features, ${DEMO_DATASET.classes} classes, ${bytes.length} bytes`);
    ctx.out.line(`  CID ${cid}  sha256 ${sha256}`);
    const specOut = ctx.flag<string>("spec-out");
    let spec: MlpClassifierSpec | null = null;
    if (specOut !== undefined) {
      spec = jobSpec(cid, ctx.flag<number>("epochs"), ctx.flag<string[]>("hidden"));
      writeFileSync(specOut, `${JSON.stringify(spec, null, 2)}\n`);
      ctx.out.line(
        `  spec written to ${specOut} (${spec.hyperparameters.epochs} epochs, hidden ${spec.model.hidden.join(",")}): cyxwiz submit --spec ${specOut}`,
      );
    }
    ctx.out.result({ cid, sha256, bytes: bytes.length, samples, spec, specPath: specOut ?? null });
  },
};

/** The deterministic demo dataset with `samples` rows, added to IPFS. */
export async function addDemoDataset(
  ctx: Context,
  samples: number = DEMO_DATASET.samples,
): Promise<{ bytes: Uint8Array; cid: string; sha256: string }> {
  const bytes = generateDatasetBytes({ ...DEMO_DATASET, samples });
  return { bytes, cid: await ctx.ipfs().add(bytes), sha256: sha256Hex(bytes) };
}

/** The demo spec on `cid`, with other epochs or hidden layers. */
export function jobSpec(cid: string, epochs?: number, hidden?: readonly string[]): MlpClassifierSpec {
  const base = demoSpec(cid);
  return {
    ...base,
    model: { ...base.model, hidden: hidden === undefined || hidden.length === 0 ? base.model.hidden : hidden.map(Number) },
    hyperparameters: { ...base.hyperparameters, epochs: epochs ?? base.hyperparameters.epochs },
  };
}
