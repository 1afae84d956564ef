/**
 * Reading a CID's bytes under the two limits a reader must impose on content someone
 * else chose (the coordinator on a node's weights, a node on a client's dataset): a deadline for the whole read and a maximum size. The bytes are
 * hashed as they stream in, so weights of any allowed size are checked without being
 * held in memory; `readBytes` keeps them, for evaluators that need the content.
 *
 * The deadline races every chunk rather than trusting the reader to honour its abort
 * signal: a reader stuck in a read that ignores the signal still cannot hold the
 * verification loop past the deadline. The size limit asks the daemon for at most
 * limit + 1 bytes, so "too large" is known after limit + 1 bytes, never more.
 */
import { createHash } from "node:crypto";

import { IpfsError } from "./errors";
import type { IpfsReader } from "./client";

export interface ReadLimits {
  /** The whole read, first byte to last, ms. */
  readonly timeoutMs: number;
  /** More than this many bytes is IPFS_TOO_LARGE. */
  readonly maxBytes: number;
}

export interface ContentDigest {
  /** Lowercase hex. */
  readonly sha256: string;
  readonly bytes: number;
}

/**
 * Feeds every chunk of `cid` to `onChunk`, within `limits`; resolves with the byte
 * count. Fails with an IpfsError only.
 */
export async function streamContent(
  ipfs: IpfsReader,
  cid: string,
  limits: ReadLimits,
  onChunk: (chunk: Uint8Array) => void,
): Promise<number> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Reject before aborting: a reader that ends its stream on abort must not pass
      // for a complete read.
      reject(new IpfsError("IPFS_TIMEOUT", cid, `reading ${cid} took longer than ${limits.timeoutMs} ms`));
      controller.abort();
    }, limits.timeoutMs);
  });
  // Raced below while the read runs; this only keeps a late rejection from being unhandled.
  deadline.catch(() => undefined);
  const iterator = ipfs.cat(cid, { length: limits.maxBytes + 1, signal: controller.signal })[Symbol.asyncIterator]();
  let bytes = 0;
  let finished = false;
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), deadline]);
      if (next.done === true) {
        finished = true;
        return bytes;
      }
      bytes += next.value.byteLength;
      if (bytes > limits.maxBytes) {
        throw new IpfsError("IPFS_TOO_LARGE", cid, `${cid} holds more than the ${limits.maxBytes} bytes a proof may have`);
      }
      onChunk(next.value);
    }
  } catch (error) {
    if (error instanceof IpfsError) throw error;
    // A reader that broke its contract (threw something else) says nothing about the content.
    throw new IpfsError("IPFS_UNAVAILABLE", cid, `reading ${cid} failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
    if (!finished) {
      // Stop the transfer; a reader stuck in a read must not hold this call, so no await.
      controller.abort();
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
    }
  }
}

/** sha256 and size of the content under `cid`, streamed. */
export async function digestContent(ipfs: IpfsReader, cid: string, limits: ReadLimits): Promise<ContentDigest> {
  const hash = createHash("sha256");
  const bytes = await streamContent(ipfs, cid, limits, (chunk) => hash.update(chunk));
  return { sha256: hash.digest("hex"), bytes };
}

/** The content under `cid`, in memory (for evaluators; the size limit bounds it). */
export async function readBytes(ipfs: IpfsReader, cid: string, limits: ReadLimits): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const bytes = await streamContent(ipfs, cid, limits, (chunk) => chunks.push(chunk));
  const out = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
