import { expect } from "chai";

import { type GpuModel, nodeClassOf } from "../../src/domain/gpu";
import type { QueuedJob } from "../../src/domain/matcher";
import type { NodeRegistration } from "../../src/domain/node-pool";
import { affordablePriceFloor } from "../../src/domain/node-score";
import { walletId } from "../harness/fixtures";
import { MatchWorld } from "../harness/match-world";

/** mulberry32: a small seeded generator, so a failure replays. */
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

const MODELS: [GpuModel, number][] = [
  ["GTX_1650", 4],
  ["RTX_2060", 6],
  ["RTX_3060", 12],
  ["RTX_3080", 10],
  ["RTX_4090", 24],
  ["A100", 80],
];

describe("matcher: invariants under random workloads", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: no node ever holds two jobs and every assignment fits its job`, () => {
      const next = random(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
      const world = new MatchWorld();
      const nodes = new Map<string, NodeRegistration>();
      for (let i = 0; i < 40; i += 1) {
        const [gpuModel, vramGb] = pick(MODELS);
        const registration = {
          nodeId: walletId(`invariant-${seed}-${i}`),
          gpuModel,
          vramGb,
          gpuCount: 1,
          priceFloor: BigInt(Math.floor(next() * 1_000)),
          reliability: next(),
        };
        nodes.set(registration.nodeId, world.register(registration));
      }
      const jobs = new Map<string, QueuedJob>();
      const holder = new Map<string, string>(); // node → job
      const jobNode = new Map<string, string>(); // job → node
      const offline = new Set<string>();
      let jobCount = 0;

      for (let round = 0; round < 200; round += 1) {
        const now = round * 10_000;
        for (let i = Math.floor(next() * 8); i > 0; i -= 1) {
          const job: QueuedJob = {
            jobId: `job-${jobCount++}`,
            priority: pick(["normal", "high", "critical"] as const),
            submittedAt: now,
            requirements: {
              minVramGb: pick([0, 4, 8, 12, 20, 40]),
              ...(next() < 0.3 ? { gpuModels: [pick(MODELS)[0]] } : {}),
              ...(next() < 0.2 ? { nodeClasses: [pick(["tier2", "tier3", "tier4"] as const)] } : {}),
            },
            maxPrice: BigInt(Math.floor(next() * 2_000)),
            gpuMicroHours: BigInt(1 + Math.floor(next() * 3_000_000)),
          };
          jobs.set(job.jobId, job);
          world.enqueue(job);
        }

        const queuedBefore = world.queueDepth;
        for (const assignment of world.round(now)) {
          const job = jobs.get(assignment.jobId);
          const node = nodes.get(assignment.nodeId);
          if (job === undefined || node === undefined) throw new Error("assignment of an unknown job or node");
          expect(holder.has(node.nodeId), `node ${node.nodeId} given a second job`).to.equal(false);
          expect(offline.has(node.nodeId), "offline node assigned").to.equal(false);
          expect(node.vramGb).to.be.at.least(job.requirements.minVramGb);
          if (job.requirements.gpuModels !== undefined) expect(job.requirements.gpuModels).to.include(node.gpuModel);
          if (job.requirements.nodeClasses !== undefined) {
            expect(job.requirements.nodeClasses).to.include(nodeClassOf(node.vramGb));
          }
          expect(node.priceFloor <= affordablePriceFloor(job.maxPrice, job.gpuMicroHours)).to.equal(true);
          expect(assignment.nodeCost <= job.maxPrice).to.equal(true);
          expect(world.job(job.jobId)?.excludedNodes ?? []).to.not.include(node.nodeId);
          holder.set(node.nodeId, job.jobId);
          jobNode.set(job.jobId, node.nodeId);
        }
        // Every queued job is accounted for once: matched, or unmatched with a reason.
        const accounted = [...world.last.assignments.map((a) => a.jobId), ...world.last.unmatched.map((u) => u.jobId)];
        expect(new Set(accounted).size).to.equal(queuedBefore);
        expect(accounted).to.have.length(queuedBefore);
        expect(world.last.unmatched.filter((u) => u.reason === "invalid")).to.deep.equal([]);

        // Some jobs finish, some nodes vanish (their jobs come back), some return.
        for (const [jobId, nodeId] of [...jobNode]) {
          const roll = next();
          if (roll < 0.3) {
            world.finish(jobId);
          } else if (roll < 0.35) {
            expect(world.offline(nodeId)).to.equal(jobId);
            offline.add(nodeId);
            world.requeue(jobId, "node-lost");
          } else if (roll < 0.4) {
            world.requeue(jobId, "offer-expired");
          } else {
            continue;
          }
          holder.delete(nodeId);
          jobNode.delete(jobId);
        }
        for (const nodeId of [...offline]) {
          if (next() < 0.2) {
            world.online(nodeId);
            offline.delete(nodeId);
          }
        }
        expect(world.freeNodes).to.equal(nodes.size - holder.size - [...offline].filter((id) => !holder.has(id)).length);
      }
    });
  }
});
