/**
 * The lease watchdog, every heartbeat interval, in this order: nodes past their lease
 * go offline with their jobs, due offers expire (flows/expire.ts); jobs waiting for
 * an unlock are unlocked and requeued; refunds are handed over (flows/settle.ts);
 * running jobs past their deadline time out (flows/expire.ts); partial settlements
 * are handed over (flows/settle.ts).
 *
 * Start-up grace: nodes could not beat while the coordinator was down or its store
 * unreachable, so after either every node gets a full lease (at start-up:
 * heartbeat.startupGraceMs, by default one lease) before its lease is judged.
 */
import type { CoordinatorConfig } from "../config";
import { type ExpireDeps, expireNodes, expireOffers, timeOutRuns, unlockJobs } from "../flows/expire";
import { handOverPartialSettlements, handOverRefunds } from "../flows/settle";
import type { Clock, EscrowActions } from "../ports";
import type { Store } from "../store";
import { isStoreUnavailable } from "../store/failures";
import { Loop } from "./loop";

export interface WatchdogDeps extends ExpireDeps {
  readonly config: CoordinatorConfig;
  readonly store: Pick<Store, "jobs" | "nodes" | "leases" | "runs">;
  readonly escrowActions: Pick<EscrowActions, "unlock" | "refund" | "settlePartial">;
  readonly clock: Clock;
}

/** How long after start-up no node's lease is judged: the config's, or one lease period. */
export function startupGraceMs(config: CoordinatorConfig): number {
  const { intervalMs, missesBeforeOffline, startupGraceMs: grace } = config.heartbeat;
  return grace === undefined || grace === 0 ? intervalMs * missesBeforeOffline : grace;
}

export function watchdogLoop(deps: WatchdogDeps): Loop {
  const { config, clock } = deps;
  const leaseMs = config.heartbeat.intervalMs * config.heartbeat.missesBeforeOffline;
  // Counted from the loop's creation (the service's), and again after a store outage.
  let graceUntil = clock() + startupGraceMs(config);
  let storeWasDown = false;

  // The running jobs' steps log as the runs they are about.
  const runs = { ...deps, log: deps.log.child({ loop: "runs" }) };

  return new Loop("lease-watchdog", config.heartbeat.intervalMs, deps.log, async () => {
    const now = clock();
    try {
      if (storeWasDown) {
        await deps.store.nodes.onlineCount();
        storeWasDown = false;
        graceUntil = now + leaseMs;
      }
      if (now >= graceUntil) await expireNodes(deps, now - leaseMs, now);
      await expireOffers(deps, now);
      await unlockJobs(deps);
      await handOverRefunds(deps);
      await timeOutRuns(runs, now);
      await handOverPartialSettlements(runs);
    } catch (error) {
      if (isStoreUnavailable(error)) storeWasDown = true;
      throw error;
    }
  });
}
