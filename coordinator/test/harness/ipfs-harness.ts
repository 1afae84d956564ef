/**
 * Shared set-up of the tests that touch IPFS (no tests in here): the real kubo daemon
 * ($CYXWIZ_TEST_IPFS_API, started by scripts/test.sh with `start_ipfs`, offline, on
 * loopback), and real TCP endpoints that misbehave the ways a network does: a server
 * that accepts and never answers, a port nothing listens on, and a proxy to kubo
 * that can be switched on later (an outage that ends).
 */
import { createHash, randomBytes } from "node:crypto";
import { createConnection, createServer, type Server, type Socket } from "node:net";

import { KuboIpfs } from "../../src/proofs";

export const IPFS_API = process.env.CYXWIZ_TEST_IPFS_API ?? "http://127.0.0.1:15001";

export function testIpfs(): KuboIpfs {
  return new KuboIpfs(IPFS_API);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Fresh random weights: never seen by the daemon before this test. */
export function randomWeights(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}

/** Weights added to the real daemon: their CID and sha256. */
export async function addedWeights(size: number): Promise<{ bytes: Uint8Array; cid: string; sha256: string }> {
  const bytes = randomWeights(size);
  return { bytes, cid: await testIpfs().add(bytes), sha256: sha256Hex(bytes) };
}

/** A valid CID of bytes the daemon never stored (kubo's only-hash), and their sha256. */
export async function missingWeights(size: number): Promise<{ cid: string; sha256: string }> {
  const bytes = randomWeights(size);
  return { cid: await testIpfs().add(bytes, { onlyHash: true }), sha256: sha256Hex(bytes) };
}

export interface TcpEndpoint {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

/** Accepts connections and never sends a byte. */
export async function silentServer(): Promise<TcpEndpoint> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, close: closer(server, sockets) };
}

/** A loopback port with nothing listening on it (just released by the OS). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP proxy on `port` to the test daemon's API: starting it ends the "outage". */
export async function proxyToIpfs(port: number): Promise<TcpEndpoint> {
  const target = new URL(IPFS_API);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await listen(server, port);
  return { url: `http://127.0.0.1:${port}`, port, close: closer(server, sockets) };
}
