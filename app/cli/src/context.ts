/**
 * What a command works with, made on first use: the wallet, the coordinator client,
 * the Solana connection and escrow client, IPFS. Each failure to reach a service is
 * exit 3 naming the URL and the flag / environment variable that sets it.
 */
import type { Connection, Keypair } from "@solana/web3.js";

import { createConnection, EscrowClient, ConfigNotInitializedError } from "@cyxwiz/sdk";
import { IpfsError, KuboIpfs, readBytes } from "@cyxwiz/protocol/ipfs";
import { CoordinatorClient } from "@cyxwiz/lib";
import type { FlagValues } from "./args";
import { unreachableError, userError, viaRpc } from "./errors";
import type { Output } from "./output";
import { loadKeypair, type Settings } from "./settings";

export class Context {
  private wallet?: Keypair;
  private connectionValue?: Connection;
  private escrowValue?: Promise<EscrowClient>;

  constructor(
    readonly settings: Settings,
    readonly flags: FlagValues,
    readonly positionals: readonly string[],
    readonly out: Output,
  ) {}

  keypair(): Keypair {
    this.wallet ??= loadKeypair(this.settings.keypairPath);
    return this.wallet;
  }

  /** The coordinator, acting for the wallet (or unsigned for public reads). */
  coordinator(signed = true): CoordinatorClient {
    return new CoordinatorClient({ url: this.settings.coordinatorUrl, signer: signed ? this.keypair() : undefined });
  }

  connection(): Connection {
    this.connectionValue ??= createConnection({ rpcUrl: this.settings.rpcUrl, commitment: "confirmed" });
    return this.connectionValue;
  }

  rpc<T>(call: () => Promise<T>): Promise<T> {
    return viaRpc(this.settings.rpcUrl, call);
  }

  /** The marketplace on the chain at --url (its config: mint, treasury, fee). */
  escrowClient(): Promise<EscrowClient> {
    this.escrowValue ??= this.rpc(() => EscrowClient.connect(this.connection())).catch((error: unknown) => {
      if (error instanceof ConfigNotInitializedError) {
        throw userError(
          "MARKET_NOT_INITIALIZED",
          `no CyxWiz marketplace on the chain at ${this.settings.rpcUrl}; on a localnet run: npm run migrate`,
        );
      }
      throw error;
    });
    return this.escrowValue;
  }

  ipfs(): IpfsClient {
    return new IpfsClient(this.settings.ipfsApi);
  }

  flag<T extends string | number | boolean | string[]>(name: string): T | undefined {
    return this.flags[name] as T | undefined;
  }
}

/** IPFS for the CLI: adding files and reading them whole, failures as CliErrors. */
export class IpfsClient {
  private readonly kubo: KuboIpfs;

  constructor(readonly apiUrl: string) {
    this.kubo = new KuboIpfs(apiUrl);
  }

  async add(bytes: Uint8Array): Promise<string> {
    return this.guard(() => this.kubo.add(bytes));
  }

  /** The first `length` bytes of `cid`. */
  async head(cid: string, length: number, timeoutMs = 30_000): Promise<Uint8Array> {
    return this.guard(async () => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of this.kubo.cat(cid, { length, signal: AbortSignal.timeout(timeoutMs) })) chunks.push(chunk);
      return new Uint8Array(Buffer.concat(chunks));
    });
  }

  async read(cid: string, maxBytes: number = 1 << 30, timeoutMs = 60_000): Promise<Uint8Array> {
    return this.guard(() => readBytes(this.kubo, cid, { maxBytes, timeoutMs }));
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof IpfsError && error.code === "IPFS_UNAVAILABLE") {
        throw unreachableError(
          "IPFS_UNREACHABLE",
          `${error.message}; start kubo (scripts/run.sh starts one) or point --ipfs / CYXWIZ_IPFS_API at a running API`,
        );
      }
      if (error instanceof IpfsError) throw userError(error.code, error.message);
      throw error;
    }
  }
}
