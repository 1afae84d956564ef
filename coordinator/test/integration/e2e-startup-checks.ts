/**
 * The chain side refuses to start rather than fail one job at a time: a missing or
 * foreign coordinator keypair and an unreachable RPC each stop start-up with a typed
 * error naming what to fix, checked on connectChain and once on main.ts itself.
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { writeKeypairFile } from "@cyxwiz/sdk";
import type { CoordinatorConfig } from "../../src/config";
import { ChainStartupError, type ChainStartupErrorCode, connectChain } from "../../src/wiring";
import { type TestChain, testChain } from "../../../tests/setup";
import { e2eConfig } from "../harness/e2e-harness";

const ROOT = resolve(__dirname, "../../..");

describe("e2e: start-up checks of the chain side", function () {
  this.timeout(60_000);
  let chain: TestChain;
  let dir: string;
  before(async () => {
    chain = await testChain();
    dir = mkdtempSync(join(tmpdir(), "cyxwiz-keys-"));
  });

  const config = (changes: Partial<CoordinatorConfig>): CoordinatorConfig => ({ ...e2eConfig(chain, "cyx-unused:"), ...changes });

  async function refusal(changes: Partial<CoordinatorConfig>, code: ChainStartupErrorCode): Promise<string> {
    const error = await connectChain(config(changes)).then(
      () => expect.fail(`expected ${code}`),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ChainStartupError);
    expect((error as ChainStartupError).code).to.equal(code);
    return (error as ChainStartupError).message;
  }

  it("accepts the migration's coordinator key and reads the mint from the on-chain config", async () => {
    const context = await connectChain(config({}));
    expect(context.coordinator.publicKey.toBase58()).to.equal(chain.manifest.coordinator);
    expect(context.market.mint.toBase58()).to.equal(chain.manifest.mint);
  });

  it("a missing keypair file is refused, naming the path and the setting that fixes it", async () => {
    const path = join(dir, "nowhere.json");
    const message = await refusal({ coordinatorKeypairPath: path }, "COORDINATOR_KEY_MISSING");
    expect(message).to.contain(path).and.to.contain("coordinatorKeypairPath").and.to.contain("CYXWIZ_COORDINATOR_KEYPAIR");
  });

  it("a keypair that is not the config's coordinator is refused, naming both keys", async () => {
    const path = join(dir, "stranger.json");
    const stranger = Keypair.generate();
    writeKeypairFile(path, stranger);
    const message = await refusal({ coordinatorKeypairPath: path }, "COORDINATOR_KEY_MISMATCH");
    expect(message).to.contain(stranger.publicKey.toBase58()).and.to.contain(chain.manifest.coordinator).and.to.contain(path);
  });

  it("an RPC nobody answers is refused, naming the URL", async () => {
    const message = await refusal({ rpcUrl: "http://127.0.0.1:9" }, "RPC_UNREACHABLE");
    expect(message).to.contain("http://127.0.0.1:9");
  });

  it("main.ts exits 1 before listening, logging the code and the path", async () => {
    const path = join(dir, "absent.json");
    const env = { ...process.env, CYXWIZ_COORDINATOR_KEYPAIR: path };
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = execFile(
        process.execPath,
        ["--conditions=source", require.resolve("ts-node/dist/bin.js"), "coordinator/src/main.ts"],
        { cwd: ROOT, env },
        (_error, _stdout, err) => done({ code: child.exitCode, stderr: err }),
      );
    });
    expect(code).to.equal(1);
    expect(stderr).to.contain('"code":"COORDINATOR_KEY_MISSING"').and.to.contain(path);
  });
});
