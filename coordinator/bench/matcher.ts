/**
 * `npm run bench:matcher`: the pure matching round with 1,000 nodes and 10,000 queued
 * jobs, target ≥ 5,000 matches/s. Printed, not asserted.
 *
 * Steady state: every round is one `matchRound` over all free nodes (checked once, as
 * registration does) and the whole queue (each job's checks, the sort and the free-node
 * index included, as the dispatcher runs it each tick);
 * then every assigned job finishes and as many new jobs arrive, so the queue stays at
 * 10,000 and all 1,000 nodes are free again for the next round. The mix is skewed the way a marketplace is:
 * a fifth of the jobs ask for one GPU model, a tenth for a node class, a few cannot be
 * afforded by any node and sit in the queue for the whole run.
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";

import { ed25519 } from "@noble/curves/ed25519";
import bs58 from "bs58";

import { createGpuCatalogue, type GpuModel, type NodeClass } from "../src/domain/gpu";
import { matchRound, type QueuedJob } from "../src/domain/matcher";
import { type NodeRecord, nodeRecord } from "../src/domain/node-pool";
import type { Priority } from "../src/domain/priority";

const NODES = 1_000;
const QUEUED = 10_000;
const TARGET_MATCHES_PER_SECOND = 5_000;
const MIN_MATCHES = 100_000;

/** mulberry32, seeded: every run benchmarks the same workload. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];

const FLEET: [GpuModel, number, number][] = [
  // model, VRAM, share of the fleet (%)
  ["GTX_1650", 4, 5],
  ["RTX_2060", 6, 8],
  ["RTX_3060", 12, 25],
  ["RTX_3080", 10, 15],
  ["RTX_3090", 24, 12],
  ["RTX_4090", 24, 15],
  ["A10", 24, 8],
  ["A100", 80, 8],
  ["H100", 80, 4],
];
const FLEET_BY_SHARE = FLEET.flatMap(([model, vramGb, share]) => Array<[GpuModel, number]>(share).fill([model, vramGb]));

function nodeId(index: number): string {
  const seed = createHash("sha256").update(`bench-node-${index}`).digest();
  return bs58.encode(ed25519.getPublicKey(new Uint8Array(seed)));
}

let jobCount = 0;
function newJob(now: number): QueuedJob {
  const roll = next();
  const priority: Priority = roll < 0.7 ? "normal" : roll < 0.9 ? "high" : "critical";
  const shape = next();
  const minVramGb = pick([0, 4, 8, 8, 12, 16, 24, 40]);
  const requirements =
    shape < 0.2
      ? { minVramGb: Math.min(minVramGb, 10), gpuModels: [pick(FLEET)[0]] }
      : shape < 0.3
        ? { minVramGb, nodeClasses: [pick<NodeClass>(["tier3", "tier4"])] }
        : { minVramGb };
  const gpuMicroHours = BigInt(100_000 + Math.floor(next() * 20_000_000));
  // Budget per GPU-hour 100..1,100; 2% can afford nobody.
  const perHour = next() < 0.02 ? 1n : BigInt(100 + Math.floor(next() * 1_000));
  return {
    jobId: `bench-job-${jobCount++}`,
    priority,
    submittedAt: now - Math.floor(next() * 600_000),
    requirements,
    maxPrice: (perHour * gpuMicroHours) / 1_000_000n,
    gpuMicroHours,
  };
}

function main(): void {
  const catalogue = createGpuCatalogue();
  const nodes: NodeRecord[] = [];
  for (let index = 0; index < NODES; index += 1) {
    const [gpuModel, vramGb] = pick(FLEET_BY_SHARE);
    const registration = {
      nodeId: nodeId(index),
      gpuModel,
      vramGb,
      gpuCount: 1 + Math.floor(next() * 4),
      priceFloor: BigInt(50 + Math.floor(next() * 450)),
      reliability: 0.3 + next() * 0.7,
    };
    nodes.push(nodeRecord(registration, catalogue));
  }
  let now = 1_700_000_000_000;
  const enqueueStart = performance.now();
  const queue = new Map<string, QueuedJob>();
  for (let i = 0; i < QUEUED; i += 1) {
    const job = newJob(now);
    queue.set(job.jobId, job);
  }
  const enqueueMs = performance.now() - enqueueStart;

  let matches = 0;
  let rounds = 0;
  let matchingMs = 0;
  const roundMs: number[] = [];
  const wallStart = performance.now();
  while (matches < MIN_MATCHES) {
    now += 1_000;
    const queuedJobs = [...queue.values()];
    const roundStart = performance.now();
    const { assignments } = matchRound({ freeNodes: nodes, queuedJobs, now });
    const elapsed = performance.now() - roundStart;
    matchingMs += elapsed;
    roundMs.push(elapsed);
    if (assignments.length === 0) throw new Error(`round ${rounds} matched nothing: the workload is wrong`);
    matches += assignments.length;
    rounds += 1;
    for (const assignment of assignments) {
      queue.delete(assignment.jobId);
      const job = newJob(now);
      queue.set(job.jobId, job);
    }
  }
  const wallMs = performance.now() - wallStart;
  roundMs.sort((a, b) => a - b);
  const perSecond = (matches / matchingMs) * 1_000;
  const withUpkeep = (matches / wallMs) * 1_000;

  const format = (n: number): string => Math.round(n).toLocaleString("en-US");
  console.log(`matcher bench: ${NODES} nodes, ${format(QUEUED)} queued jobs (queue kept full), ${rounds} rounds`);
  console.log(`  queue built:           ${format(QUEUED)} jobs in ${enqueueMs.toFixed(1)} ms`);
  const p50 = roundMs[Math.floor(rounds / 2)].toFixed(2);
  const p99 = roundMs[Math.floor(rounds * 0.99)].toFixed(2);
  console.log(`  matches per round:     ${format(matches / rounds)} (round time p50 ${p50} ms, p99 ${p99} ms)`);
  console.log(`  matching:              ${format(perSecond)} matches/s   (target ≥ ${format(TARGET_MATCHES_PER_SECOND)}/s)`);
  console.log(`  with finish + enqueue: ${format(withUpkeep)} matches/s   (${format(matches)} matches in ${wallMs.toFixed(0)} ms)`);
  console.log(`  still queued:          ${format(queue.size)}`);
}

main();
