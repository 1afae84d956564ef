/** The coordinator's Redis store: one object holding every part, over one connection. */
import type Redis from "ioredis";

import { JobStore } from "./jobs";
import { Keys } from "./keys";
import { LeaseStore } from "./leases";
import { NodeStore } from "./nodes";
import { NonceStore } from "./nonces";
import { OfferedJobs } from "./offered-jobs";
import { OfferStore } from "./offers";
import { QuoteStore } from "./quotes";
import { RunStore } from "./runs";
import { Scripts } from "./scripts";
import { TakeBackStore } from "./take-back";
import { VerificationStore } from "./verification";

export interface Store {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly scripts: Scripts;
  readonly nonces: NonceStore;
  readonly quotes: QuoteStore;
  readonly jobs: JobStore;
  readonly nodes: NodeStore;
  readonly offers: OfferStore;
  readonly leases: LeaseStore;
  readonly takeBack: TakeBackStore;
  readonly verification: VerificationStore;
  /** Checkpoints, run deadlines, cancels (runs.ts). */
  readonly runs: RunStore;
}

export function createStore(redis: Redis, prefix: string): Store {
  const keys = new Keys(prefix);
  const scripts = new Scripts(redis);
  const jobs = new JobStore(redis, keys, scripts);
  const offered = new OfferedJobs();
  const nodes = new NodeStore(redis, keys, scripts, jobs, offered);
  return {
    redis,
    keys,
    scripts,
    nonces: new NonceStore(redis, keys),
    quotes: new QuoteStore(redis, keys),
    jobs,
    nodes,
    offers: new OfferStore(keys, scripts, offered),
    leases: new LeaseStore(keys, scripts, jobs, nodes),
    takeBack: new TakeBackStore(keys, scripts, jobs),
    verification: new VerificationStore(redis, keys, scripts),
    runs: new RunStore(redis, keys, scripts, jobs),
  };
}
