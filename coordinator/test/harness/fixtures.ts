/** Shared builders for the unit tests: deterministic wallets, nodes and jobs. */
import { createHash } from "node:crypto";

import { ed25519 } from "@noble/curves/ed25519";
import bs58 from "bs58";

import { createGpuCatalogue, type GpuCatalogue } from "../../src/domain/gpu";
import type { QueuedJob } from "../../src/domain/matcher";
import type { NodeRegistration } from "../../src/domain/node-pool";

/** The same wallet for the same label in every run, so tie-breaks are reproducible. */
export function walletSeed(label: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(`cyxwiz-test:${label}`).digest());
}

export function walletId(label: string): string {
  return bs58.encode(ed25519.getPublicKey(walletSeed(label)));
}

export const catalogue: GpuCatalogue = createGpuCatalogue();

export function nodeRegistration(label: string, overrides: Partial<NodeRegistration> = {}): NodeRegistration {
  return {
    nodeId: walletId(label),
    gpuModel: "RTX_3060",
    vramGb: 12,
    gpuCount: 1,
    priceFloor: 100n,
    reliability: 0.9,
    ...overrides,
  };
}

/** One reference GPU-hour of work, a generous budget, any GPU with 8 GB. */
export function jobSubmission(jobId: string, overrides: Partial<QueuedJob> = {}): QueuedJob {
  return {
    jobId,
    priority: "normal",
    submittedAt: 0,
    requirements: { minVramGb: 8 },
    maxPrice: 1_000n,
    gpuMicroHours: 1_000_000n,
    ...overrides,
  };
}
