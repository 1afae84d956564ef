/**
 * The whole coordinator on a real chain: the HTTP service (service.ts) with its chain
 * ports implemented by the chain side (chain/), and the start-up and shutdown order
 * that keeps money exactly-once across restarts. main.ts runs exactly this; the
 * end-to-end tests build it the same way.
 *
 *   start   listen (nodes can beat, so a long recovery does not make them look lost)
 *           → runner.recover(): finish every money intent a previous process left
 *           → reconcile the jobs nodes hold against their escrows on chain
 *           → start the loops: lease watchdog, dispatcher, verification, checkpoints
 *   close   stop the chain side's loops first (their intents stay pending for the next
 *           recover(), so shutdown never waits for a blockhash to expire), then the
 *           HTTP server and the loops, which finish their tick in flight
 */
import type { AddressInfo } from "node:net";

import type Redis from "ioredis";

import { EscrowActionRunner, type SettlementOutcome, type SettlementTiming } from "../chain";
import type { CoordinatorConfig } from "../config";
import type { Logger } from "../logger";
import type { Clock } from "../ports";
import { builtinEvaluators } from "../proofs/builtin-evaluator";
import { createService, type Service, type ServiceDeps } from "../service";
import { createStore } from "../store";
import type { ChainContext } from "./chain-context";
import { ChainEscrowActions } from "./chain-escrow-actions";
import { ChainEscrowVerifier } from "./chain-escrow-verifier";
import { jobSettledHook } from "./job-settled";
import { reconcileHeldJobs, type ReconcileReport } from "./reconcile";

export interface CoordinatorDeps {
  readonly config: CoordinatorConfig;
  readonly redis: Redis;
  readonly log: Logger;
  readonly chain: ChainContext;
  readonly clock?: Clock;
  /** The chain side's polling and re-send pace; its defaults suit a real cluster. */
  readonly settlementTiming?: Partial<SettlementTiming>;
  readonly probes?: ServiceDeps["probes"];
  /**
   * Metric evaluators by job kind (the proof check re-evaluates those kinds' metrics).
   * Default: the built-in kinds' (proofs/builtin-evaluator.ts), so every real
   * coordinator re-evaluates the kind its nodes train; a registry given here replaces it.
   */
  readonly evaluators?: ServiceDeps["evaluators"];
  /** Replaces the proof check built from config.ipfs (tests only). */
  readonly verifier?: ServiceDeps["verifier"];
}

export interface StartReport {
  readonly address: AddressInfo;
  /** Money intents a previous process left, finished by recover(). */
  readonly recovered: readonly SettlementOutcome[];
  readonly reconciled: ReconcileReport;
}

export interface Coordinator {
  readonly service: Service;
  /** The chain side's runner (exactly-once money actions, recover, reconcileEscrow). */
  readonly runner: EscrowActionRunner;
  /** The EscrowActions port the service uses, on `runner`. */
  readonly payments: ChainEscrowActions;
  start(): Promise<StartReport>;
  close(): Promise<void>;
}

export function createCoordinator(deps: CoordinatorDeps): Coordinator {
  const { config, redis, log, chain } = deps;
  const clock = deps.clock ?? Date.now;
  // A second view of the same Redis and prefix: the hook and the reconciliation need
  // the store before the service (which needs the escrow actions) exists.
  const store = createStore(redis, config.redis.keyPrefix);
  const runner = new EscrowActionRunner({
    redis,
    connection: chain.connection,
    program: chain.program,
    coordinator: chain.coordinator,
    keyPrefix: config.redis.keyPrefix,
    log: log.child({ part: "settlement" }),
    timing: deps.settlementTiming,
    onSettled: jobSettledHook({ store, log, clock }),
  });
  const payments = new ChainEscrowActions({ runner, log });
  const service = createService({
    config,
    redis,
    log,
    clock,
    probes: deps.probes,
    evaluators: deps.evaluators ?? builtinEvaluators(),
    verifier: deps.verifier,
    escrowVerifier: new ChainEscrowVerifier({ connection: chain.connection, program: chain.program, mint: chain.market.mint }),
    settlement: payments,
  });

  return {
    service,
    runner,
    payments,
    async start() {
      const address = await service.start({ loops: false });
      const recovered = await runner.recover();
      if (recovered.length > 0) log.info("money intents recovered", { count: recovered.length });
      const reconciled = await reconcileHeldJobs({ store, runner, log, clock });
      log.info("held jobs reconciled with the chain", {
        checked: reconciled.checked,
        consistent: reconciled.consistent,
        takenBack: reconciled.takenBack.length,
        needsAttention: reconciled.needsAttention.length,
        inFlight: reconciled.inFlight.length,
      });
      service.watchdog.start();
      service.dispatcher.start();
      service.verification.start();
      service.checkpoints.start();
      return { address, recovered, reconciled };
    },
    async close() {
      runner.close();
      await service.close();
    },
  };
}
