/**
 * Hand-written request validation: small combinators that check a parsed JSON value
 * exactly (unknown fields refused, no coercion) and name the failing field by its
 * path, e.g. `dataset.bytes` or `gpu.models[1]`.
 */
export class ValidationError extends Error {
  constructor(
    /** "" for the body itself. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "ValidationError";
  }
}

export type Validator<T> = (value: unknown, field: string) => T;

const OPTIONAL: unique symbol = Symbol("optional");

export interface OptionalField<T> {
  readonly [OPTIONAL]: true;
  readonly validate: Validator<T>;
}

type Field = Validator<unknown> | OptionalField<unknown>;
type Shape = Record<string, Field>;

type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalField<unknown> ? never : K }[keyof S];
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalField<unknown> ? K : never }[keyof S];
type ValueOf<F> = F extends OptionalField<infer T> ? T : F extends Validator<infer T> ? T : never;

export type Infer<S extends Shape> = { [K in RequiredKeys<S>]: ValueOf<S[K]> } & { [K in OptionalKeys<S>]?: ValueOf<S[K]> };

function name(field: string): string {
  return field === "" ? "the body" : field;
}

function fail(field: string, message: string): never {
  throw new ValidationError(field, `${name(field)} ${message}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

export function optional<T>(validate: Validator<T>): OptionalField<T> {
  return { [OPTIONAL]: true, validate };
}

function isOptional(field: Field): field is OptionalField<unknown> {
  return typeof field === "object" && field[OPTIONAL] === true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object with exactly the fields of `shape` (optional ones may be absent, never null). */
export function object<S extends Shape>(shape: S): Validator<Infer<S>> {
  return (value, field) => {
    if (!isPlainObject(value)) fail(field, `must be a JSON object, got ${describe(value)}`);
    const at = (key: string) => (field === "" ? key : `${field}.${key}`);
    for (const key of Object.keys(value)) {
      if (!Object.prototype.hasOwnProperty.call(shape, key)) fail(at(key), "is not a known field");
    }
    const out: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(shape)) {
      const present = Object.prototype.hasOwnProperty.call(value, key);
      if (!present) {
        if (!isOptional(spec)) fail(at(key), "is required");
        continue;
      }
      out[key] = isOptional(spec) ? spec.validate(value[key], at(key)) : spec(value[key], at(key));
    }
    return out as Infer<S>;
  };
}

/** A problem `refine` found: about the value itself, or about one of its fields. */
export type Problem = string | { readonly field: string; readonly message: string } | null;

/** `validate`, then `check` on the result; a problem names the field at fault. */
export function refine<T>(validate: Validator<T>, check: (value: T) => Problem): Validator<T> {
  return (value, field) => {
    const result = validate(value, field);
    const problem = check(result);
    if (typeof problem === "string") fail(field, problem);
    if (problem !== null) fail(field === "" ? problem.field : `${field}.${problem.field}`, problem.message);
    return result;
  };
}

export function string(options: { min?: number; max: number; pattern?: RegExp; expected?: string }): Validator<string> {
  return (value, field) => {
    if (typeof value !== "string") fail(field, `must be a string, got ${describe(value)}`);
    const { min = 1, max, pattern, expected } = options;
    if (value.length < min || value.length > max) fail(field, `must be ${min}..${max} characters long`);
    if (pattern !== undefined && !pattern.test(value)) fail(field, `must be ${expected ?? `like ${pattern}`}`);
    return value;
  };
}

export function integer(options: { min: number; max: number }): Validator<number> {
  return (value, field) => {
    if (typeof value !== "number" || !Number.isSafeInteger(value)) fail(field, `must be an integer, got ${describe(value)}`);
    if (value < options.min || value > options.max) fail(field, `must be in ${options.min}..${options.max}, got ${value}`);
    return value;
  };
}

export function number(options: { min: number; max: number }): Validator<number> {
  return (value, field) => {
    if (typeof value !== "number" || !Number.isFinite(value)) fail(field, `must be a number, got ${describe(value)}`);
    if (value < options.min || value > options.max) fail(field, `must be in ${options.min}..${options.max}, got ${value}`);
    return value;
  };
}

export function oneOf<T extends string>(values: readonly T[]): Validator<T> {
  return (value, field) => {
    if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
      fail(field, `must be one of ${values.join(", ")}, got ${describe(value)}`);
    }
    return value as T;
  };
}

export function array<T>(item: Validator<T>, options: { min: number; max: number; unique?: boolean }): Validator<T[]> {
  return (value, field) => {
    if (!Array.isArray(value)) fail(field, `must be an array, got ${describe(value)}`);
    if (value.length < options.min || value.length > options.max) {
      fail(field, `must have ${options.min}..${options.max} items, got ${value.length}`);
    }
    const items = value.map((entry, index) => item(entry, `${field}[${index}]`));
    if (options.unique === true && new Set(items).size !== items.length) fail(field, "must not repeat an item");
    return items;
  };
}

/** A u64 amount as a decimal string ("1500000"): JSON numbers cannot hold every u64. */
export function decimalU64(): Validator<bigint> {
  return (value, field) => {
    if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(value)) {
      fail(field, `must be a decimal string of base units like "1500000", got ${describe(value)}`);
    }
    const amount = BigInt(value);
    if (amount > (1n << 64n) - 1n) fail(field, "must fit in a u64");
    return amount;
  };
}

/**
 * The deepest nesting any request body may have: objects and arrays count one level
 * each, so `{"a": [1]}` is 2 deep. JSON.parse accepts any depth, but every walk over
 * the value (validation, hashing, storing) must stay bounded, so a deeper body is
 * refused before any of them runs.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `value` nests deeper than `limit` levels (a scalar is 0 deep, `{}` and `[]` 1).
 * Iterative with an explicit stack, and it stops at the first container past the limit,
 * so a value nested a million levels deep costs no call stack and little time.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ readonly value: unknown; readonly depth: number }> = [{ value, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (typeof next.value !== "object" || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > limit) return true;
    for (const child of Object.values(next.value as Record<string, unknown>)) stack.push({ value: child, depth });
  }
  return false;
}

/** Any JSON object, nested at most `maxDepth` deep (it is passed on, not interpreted). */
export function jsonObject(maxDepth: number): Validator<Record<string, unknown>> {
  return (value, field) => {
    if (!isPlainObject(value)) fail(field, `must be a JSON object, got ${describe(value)}`);
    if (nestsDeeperThan(value, maxDepth)) fail(field, `must not nest deeper than ${maxDepth} levels`);
    return value;
  };
}

/** An object whose keys match `key` and whose values all pass `item`. */
export function record<T>(key: RegExp, item: Validator<T>, maxKeys: number): Validator<Record<string, T>> {
  return (value, field) => {
    if (!isPlainObject(value)) fail(field, `must be a JSON object, got ${describe(value)}`);
    const entries = Object.entries(value);
    if (entries.length > maxKeys) fail(field, `must have at most ${maxKeys} entries`);
    const out: Record<string, T> = {};
    for (const [name, entry] of entries) {
      const at = `${field}.${name}`;
      if (!key.test(name)) fail(at, `is not a valid name (${key})`);
      out[name] = item(entry, at);
    }
    return out;
  };
}
