/**
 * Quotes a client may submit a job against: kept until they expire (Redis' own TTL,
 * set at the quote's expiry), bound to the client that asked for them.
 */
import type Redis from "ioredis";

import { isPriority, type Priority } from "../domain/priority";
import { storeCall } from "./failures";
import type { Keys } from "./keys";

/** What a submission needs of its quote. */
export interface StoredQuote {
  readonly quoteId: string;
  readonly client: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly priority: Priority;
  /** What the escrow must hold at least, base units. */
  readonly amount: bigint;
  readonly feeBps: number;
  readonly gpuMicroHours: bigint;
  readonly minVramGb: number;
  /** GPU models the job may run on; empty means any. */
  readonly gpuModels: readonly string[];
}

interface QuoteJson {
  quoteId: string;
  client: string;
  createdAt: number;
  expiresAt: number;
  priority: string;
  amount: string;
  feeBps: number;
  gpuMicroHours: string;
  minVramGb: number;
  gpuModels: string[];
}

function encode(quote: StoredQuote): string {
  const json: QuoteJson = {
    ...quote,
    amount: quote.amount.toString(),
    gpuMicroHours: quote.gpuMicroHours.toString(),
    gpuModels: [...quote.gpuModels],
  };
  return JSON.stringify(json);
}

function decode(key: string, text: string): StoredQuote {
  const json = JSON.parse(text) as QuoteJson;
  if (!isPriority(json.priority) || typeof json.amount !== "string" || typeof json.gpuMicroHours !== "string") {
    throw new Error(`${key} does not hold a quote`);
  }
  return { ...json, priority: json.priority, amount: BigInt(json.amount), gpuMicroHours: BigInt(json.gpuMicroHours) };
}

export class QuoteStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async save(quote: StoredQuote): Promise<void> {
    await storeCall("quote save", () => this.redis.set(this.keys.quote(quote.quoteId), encode(quote), "PXAT", quote.expiresAt));
  }

  /** The quote, or null when it does not exist or has expired. */
  async get(quoteId: string): Promise<StoredQuote | null> {
    const key = this.keys.quote(quoteId);
    const text = await storeCall("quote read", () => this.redis.get(key));
    return text === null ? null : decode(key, text);
  }
}
