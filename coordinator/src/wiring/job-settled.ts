/**
 * The chain Settlement's `onSettled` hook: the store's writes for a finished money
 * intent (store/payouts.ts: the payout's job transition, the read side's records, the
 * settlement counts), which complete-intent applies in the same script that marks the
 * intent done. The chain side only tells the store the share a partial settlement was
 * signed with (its intent).
 */
import type { Logger } from "../logger";
import { IntentStore, type RedisWrite, type SettlementOutcome } from "../chain";
import type { Store } from "../store";
import { PayoutStore } from "../store/payouts";

export interface JobSettledDeps {
  readonly store: Pick<Store, "jobs" | "keys" | "redis">;
  readonly log: Logger;
  /** Unix ms, for the history record. */
  readonly clock: () => number;
}

export type OnSettled = (outcome: SettlementOutcome) => Promise<readonly RedisWrite[]>;

export function jobSettledHook(deps: JobSettledDeps): OnSettled {
  const { store, log, clock } = deps;
  const intents = new IntentStore(store.redis, store.keys.prefix);
  const payouts = new PayoutStore({
    jobs: store.jobs,
    keys: store.keys,
    log,
    clock,
    signedShareBps: async (jobId) => {
      const intent = await intents.read(jobId);
      return intent?.request.action === "settle-partial" ? intent.request.nodeShareBps : undefined;
    },
  });
  return (outcome) => payouts.finishedWrites(outcome);
}
