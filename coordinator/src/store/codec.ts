/**
 * Reading Redis hashes back into typed records. Hashes are written only by this
 * store's scripts, so a missing or malformed field is a bug (or tampering) and fails
 * loudly, naming the key and the field, instead of being guessed.
 */
export type Hash = Readonly<Record<string, string>>;

export class StoreFormatError extends Error {
  readonly code = "STORE_CORRUPT";
  constructor(key: string, field: string, value: string | undefined) {
    super(`${key}: field ${field} is ${value === undefined ? "missing" : JSON.stringify(value)}`);
    this.name = "StoreFormatError";
  }
}

export class HashReader {
  constructor(
    private readonly key: string,
    private readonly hash: Hash,
  ) {}

  string(field: string): string {
    const value = this.hash[field];
    if (value === undefined) throw new StoreFormatError(this.key, field, value);
    return value;
  }

  /** "" reads as null. */
  optionalString(field: string): string | null {
    const value = this.hash[field];
    return value === undefined || value === "" ? null : value;
  }

  integer(field: string): number {
    const value = this.hash[field];
    const number = Number(value);
    if (value === undefined || value === "" || !Number.isSafeInteger(number)) {
      throw new StoreFormatError(this.key, field, value);
    }
    return number;
  }

  /** Absent reads as 0: counters start existing when first incremented. */
  counter(field: string): number {
    return this.hash[field] === undefined ? 0 : this.integer(field);
  }

  optionalInteger(field: string): number | null {
    return this.optionalString(field) === null ? null : this.integer(field);
  }

  number(field: string): number {
    const value = this.hash[field];
    const number = Number(value);
    if (value === undefined || value === "" || !Number.isFinite(number)) {
      throw new StoreFormatError(this.key, field, value);
    }
    return number;
  }

  optionalNumber(field: string): number | null {
    return this.optionalString(field) === null ? null : this.number(field);
  }

  bigint(field: string): bigint {
    const value = this.string(field);
    if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new StoreFormatError(this.key, field, value);
    return BigInt(value);
  }

  json(field: string): unknown {
    const value = this.string(field);
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new StoreFormatError(this.key, field, value);
    }
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const value = this.string(field);
    if (!(allowed as readonly string[]).includes(value)) throw new StoreFormatError(this.key, field, value);
    return value as T;
  }
}

/** HGETALL's reply for a key that does not exist is an empty object. */
export function isEmptyHash(hash: Hash): boolean {
  return Object.keys(hash).length === 0;
}

/** Flattens `{name: value}` into the `name value ...` arguments HSET takes. */
export function hashArgs(fields: Readonly<Record<string, string | number>>): string[] {
  return Object.entries(fields).flatMap(([name, value]) => [name, String(value)]);
}
