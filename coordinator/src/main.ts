/**
 * The coordinator's entry point:
 *
 *   ts-node coordinator/src/main.ts [--config file.json]
 *
 * Configuration: defaults, then the file, then CYXWIZ_* environment variables
 * (config.ts). Prints one ready line on stdout once it listens; logs are JSON lines on
 * stderr. SIGTERM/SIGINT stop it gracefully: no new connections, in-flight requests
 * and loop ticks finish, then Redis is closed and the process exits 0.
 */
import { loadConfig } from "./config";
import { unwiredChain } from "./http/unwired-chain";
import { createLogger } from "./logger";
import { createService } from "./service";
import { connectRedis } from "./store/redis";

const USAGE = "usage: ts-node coordinator/src/main.ts [--config file.json]";
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

  const redis = await connectRedis(config.redis, log);
  const service = createService({ config, redis, log, ...unwiredChain() });
  const address = await service.start();

  let stopping = false;
  const stop = async (reason: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { reason });
    setTimeout(() => {
      log.error("stop took too long; exiting", { timeoutMs: SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    await service.close();
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
  // Start-up errors (config, Redis unreachable or unsafe) name their fix: no stack needed.
  const { code, message } = error as { code?: unknown; message?: unknown };
  createLogger({ context: { service: "coordinator" } }).error("cannot start", {
    code: typeof code === "string" ? code : "START_FAILED",
    error: String(message ?? error),
  });
  process.exit(1);
});
