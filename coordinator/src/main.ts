#!/usr/bin/env node
/**
 * The coordinator's entry point:
 *
 *   node coordinator/dist/main.js [--config file.json]      (after npm run build; the bin cyxwiz-coordinator)
 *
 * Configuration: defaults, then the file, then CYXWIZ_* environment variables
 * (config.ts). Start-up checks the chain before anything else: the RPC at rpcUrl, the
 * JobEscrow config there (its mint is what submissions are checked against) and the
 * coordinator keypair at coordinatorKeypairPath, which must be the config's
 * coordinator. Then Redis; then the coordinator (wiring/coordinator.ts) listens,
 * finishes the money intents a previous run left, reconciles the jobs nodes hold with
 * the chain and starts its loops. Prints one ready line on stdout after that; logs are
 * JSON lines on stderr. SIGTERM/SIGINT stop it gracefully: the chain side's loops stop
 * (their intents stay pending for the next start), no new connections, in-flight
 * requests and loop ticks finish, then Redis is closed and the process exits 0.
 */
import { loadConfig } from "./config";
import { createLogger } from "./logger";
import { connectRedis } from "./store/redis";
import { connectChain, createCoordinator } from "./wiring";

const USAGE = "usage: node coordinator/dist/main.js [--config file.json]";
/** A stop that takes longer than this is forced (exit 1). */
const SHUTDOWN_TIMEOUT_MS = 20_000;

function parseArgs(argv: readonly string[]): { configFile?: string } {
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg === "--config" && i + 1 < argv.length) {
      configFile = argv[++i];
    } else if (arg.startsWith("--config=")) {
      configFile = arg.slice("--config=".length);
    } else {
      throw new Error(`unknown argument ${JSON.stringify(arg)}; ${USAGE}`);
    }
  }
  return { configFile };
}

async function main(): Promise<void> {
  const { configFile } = parseArgs(process.argv.slice(2));
  const config = loadConfig({ file: configFile });
  const log = createLogger({ level: config.logLevel, context: { service: "coordinator" } });
  process.on("unhandledRejection", (reason) => log.error("unhandled rejection", { error: reason }));

  const chain = await connectChain(config);
  log.info("chain checked", {
    rpcUrl: config.rpcUrl,
    program: chain.program.programId.toBase58(),
    mint: chain.market.mint.toBase58(),
    coordinator: chain.coordinator.publicKey.toBase58(),
    paused: chain.market.paused,
  });
  const redis = await connectRedis(config.redis, log);
  const coordinator = createCoordinator({ config, redis, log, chain });
  const { address } = await coordinator.start();

  let stopping = false;
  const stop = async (reason: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { reason });
    setTimeout(() => {
      log.error("stop took too long; exiting", { timeoutMs: SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    await coordinator.close();
    await redis.quit().catch(() => redis.disconnect());
    log.info("stopped", { reason });
    process.exit(code);
  };
  process.on("SIGTERM", () => void stop("SIGTERM", 0));
  process.on("SIGINT", () => void stop("SIGINT", 0));
  process.on("uncaughtException", (error) => {
    log.error("uncaught exception", { error });
    void stop("uncaught exception", 1);
  });

  process.stdout.write(
    `coordinator ready on http://${address.address}:${address.port} (redis ${config.redis.url}, rpc ${config.rpcUrl}, ipfs ${config.ipfs.apiUrl})\n`,
  );
}

main().catch((error: unknown) => {
  // Start-up errors (config, chain, coordinator key, Redis unreachable or unsafe) name their fix: no stack needed.
  const { code, message } = error as { code?: unknown; message?: unknown };
  createLogger({ context: { service: "coordinator" } }).error("cannot start", {
    code: typeof code === "string" ? code : "START_FAILED",
    error: String(message ?? error),
  });
  process.exit(1);
});
