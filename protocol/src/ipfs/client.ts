/**
 * The one door to IPFS of the coordinator, the node agent and the CLI: reading a file's bytes by CID (and adding
 * bytes, for nodes and tests), over the kubo RPC API with `kubo-rpc-client`.
 *
 * Why kubo-rpc-client rather than hand-written fetch calls: it is the maintained
 * client of that API (multipart uploads, streaming reads, kubo's error bodies), its
 * types resolve under this project's CommonJS config, and Node ≥ 20.19 `require()`s
 * the ES module. Two of its behaviours are worked around here, not trusted:
 *   - its `timeout` option does not bound a request whose server never answers (seen
 *     with a silent server: the read hung for undici's 300 s header timeout), so the
 *     caller's AbortSignal is the only deadline (read.ts sets it);
 *   - its errors are untyped (HTTPError by name, fetch's TypeError), so `classify`
 *     turns every failure into an IpfsError whose code decides the verdict.
 *
 * Everything the verifier needs is the IpfsReader interface, so unit tests substitute
 * an in-memory reader and the classification stays here, next to the client.
 */
import { create, type KuboRPCClient } from "kubo-rpc-client";

import { IpfsError } from "./errors";

export interface CatOptions {
  /** Read at most this many bytes (the daemon stops there too). */
  readonly length: number;
  /** Aborts the read; the reader then fails promptly. */
  readonly signal: AbortSignal;
}

export interface IpfsReader {
  /**
   * The bytes of the file under `cid`, as they arrive. Every failure is an IpfsError
   * (the caller's abort included, as IPFS_TIMEOUT).
   */
  cat(cid: string, options: CatOptions): AsyncIterable<Uint8Array>;
}

export interface AddOptions {
  /** Compute the CID only; nothing is stored (a valid CID of bytes the daemon does not have). */
  readonly onlyHash?: boolean;
  readonly signal?: AbortSignal;
}

/** kubo's messages for content it does not have (offline, it never waits for peers). */
const NOT_FOUND = /not found|could not find|no link named/i;
/** kubo's messages for a CID that names no readable file. */
const NOT_A_FILE = /is a directory|not a file|unexpected node type|invalid path|invalid cid|failed to parse|unsupported/i;

interface HttpErrorLike {
  readonly name: "HTTPError";
  readonly message: string;
  readonly response?: { readonly status?: number };
}

function isHttpError(error: unknown): error is HttpErrorLike {
  return error instanceof Error && error.name === "HTTPError";
}

function causeCode(error: unknown): string | null {
  const cause = error instanceof Error ? (error as Error & { cause?: { code?: unknown } }).cause : undefined;
  return typeof cause?.code === "string" ? cause.code : null;
}

/** What a failure of the kubo client means for the content under `cid`. */
export function classify(cid: string, error: unknown, signal: AbortSignal | undefined, apiUrl: string): IpfsError {
  if (error instanceof IpfsError) return error;
  if (signal?.aborted) return new IpfsError("IPFS_TIMEOUT", cid, `reading ${cid} from ${apiUrl} was cut off at its deadline`);
  if (isHttpError(error)) {
    const status = error.response?.status ?? "?";
    if (NOT_FOUND.test(error.message)) return new IpfsError("IPFS_NOT_FOUND", cid, `${cid} is not available: ${error.message}`);
    if (NOT_A_FILE.test(error.message)) return new IpfsError("IPFS_NOT_A_FILE", cid, `${cid} is not a readable file: ${error.message}`);
    // Anything else kubo says (a 500 with an internal error) is about the daemon, not the content.
    return new IpfsError("IPFS_UNAVAILABLE", cid, `the IPFS API at ${apiUrl} answered HTTP ${status}: ${error.message}`);
  }
  const code = causeCode(error);
  const why = error instanceof Error ? error.message : String(error);
  return new IpfsError("IPFS_UNAVAILABLE", cid, `the IPFS API at ${apiUrl} is unreachable (${code ?? why})`);
}

export class KuboIpfs implements IpfsReader {
  private readonly client: KuboRPCClient;

  constructor(readonly apiUrl: string) {
    this.client = create({ url: apiUrl });
  }

  async *cat(cid: string, options: CatOptions): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of this.client.cat(cid, { length: options.length, signal: options.signal })) yield chunk;
    } catch (error) {
      throw classify(cid, error, options.signal, this.apiUrl);
    }
  }

  /**
   * Adds `bytes` as one file (CIDv1, raw leaves) and returns its CID; with onlyHash,
   * the CID those bytes would get, storing nothing.
   */
  async add(bytes: Uint8Array, options: AddOptions = {}): Promise<string> {
    const onlyHash = options.onlyHash ?? false;
    try {
      const added = await this.client.add(bytes, { cidVersion: 1, rawLeaves: true, onlyHash, pin: !onlyHash, signal: options.signal });
      return added.cid.toString();
    } catch (error) {
      throw classify("(new content)", error, options.signal, this.apiUrl);
    }
  }
}
