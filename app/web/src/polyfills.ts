/** Node globals the SDK and @solana/web3.js expect; App loads this before any chunk with chain code. */
import { Buffer } from "buffer";

const g = globalThis as unknown as { Buffer?: typeof Buffer; global?: unknown; process?: { env: Record<string, string> } };
g.Buffer ??= Buffer;
g.global ??= globalThis;
g.process ??= { env: {} };
