/**
 * A coordinator process for the SIGKILL variants of security tests 27 and 28 (see
 * chain-settlement.ts): it releases one job and kills itself with SIGKILL right
 * before or right after sending the transaction. Does something only when run as a
 * script; loaded by mocha it defines no tests.
 *
 *   chain-crash-child.ts before-send|after-send KEY_PREFIX JOB_ID ESCROW PROOF_TEXT
 */
import { PublicKey } from "@solana/web3.js";

import { rpcSend, type SendTransaction, EscrowActionRunner } from "../../src/chain";
import { createLogger } from "../../src/logger";
import { createConnection, jobEscrowProgram, loadManifestKeys, proofHashOf, readManifest } from "@cyxwiz/sdk";
import { connectTestRedis, TEST_TIMING } from "./chain-harness";

function die(): never {
  process.kill(process.pid, "SIGKILL");
  throw new Error("SIGKILL did not stop the process");
}

async function main(): Promise<void> {
  const [crashAt, keyPrefix, jobId, escrow, proofText] = process.argv.slice(2);
  if (crashAt !== "before-send" && crashAt !== "after-send") throw new Error(`unknown crash point ${crashAt}`);
  const manifest = readManifest();
  if (manifest === null) throw new Error("no localnet manifest: run npm run migrate");
  const connection = createConnection();
  const rpc = rpcSend(connection);
  const send: SendTransaction =
    crashAt === "before-send"
      ? async () => die()
      : async (wire) => {
          await rpc(wire);
          die();
        };
  const settlement = new EscrowActionRunner({
    redis: await connectTestRedis(),
    connection,
    program: jobEscrowProgram(connection),
    coordinator: loadManifestKeys(manifest).coordinator,
    keyPrefix,
    log: createLogger({ level: "error" }),
    timing: TEST_TIMING,
    send,
  });
  await settlement.release({ jobId, escrow: new PublicKey(escrow) }, proofHashOf(proofText));
  throw new Error("the release finished: the process should have been killed");
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  });
}
