/**
 * Anchor's migration entry point: `anchor migrate` calls the exported function
 * with a provider; `npm run migrate [-- --json]` runs it directly against
 * $CYXWIZ_RPC_URL (default the localnet).
 */
import type { AnchorProvider } from "@coral-xyz/anchor";

import { createConnection } from "@cyxwiz/sdk";
import { migrate } from "./migrate";

async function deploy(provider: AnchorProvider): Promise<void> {
  await migrate({ connection: provider.connection, log: (line) => console.log(line) });
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  // With --json, stdout carries only the manifest.
  const log = json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const manifest = await migrate({ connection: createConnection(), log });
  if (json) console.log(JSON.stringify(manifest, null, 2));
  else log("done: JobEscrow is ready on the localnet");
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? `error: ${error.message}` : error);
      process.exit(1);
    },
  );
}

export = deploy;
