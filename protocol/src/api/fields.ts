/**
 * The field types the API's schemas are built of: zod 4 schemas that check a parsed JSON
 * value exactly (unknown fields refused, no coercion) and carry the API's own wording of
 * each refusal ("must be an integer, got string \"3\""). `issues.ts` turns a failed parse
 * into the field at fault and that sentence.
 */
import { z } from "zod";

/** How a refusal names the value it got: `string "3"`, `null`, `an array`. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

/** The input of a zod issue (parse with `reportInput: true`). */
type Issue = { readonly code: string; readonly input?: unknown };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const notAnObject = (issue: Issue) => `must be a JSON object, got ${describe(issue.input)}`;

/** An object with exactly the fields of `shape` (optional ones may be absent, never null). */
export function object<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, { error: notAnObject });
}

export interface StringOptions {
  readonly min?: number;
  readonly max: number;
  readonly pattern?: RegExp;
  /** What the pattern means, for the refusal; `like /pattern/` when absent. */
  readonly expected?: string;
}

export function string(options: StringOptions) {
  const { min = 1, max, pattern, expected } = options;
  const length = `must be ${min}..${max} characters long`;
  const base = z
    .string({ error: (issue) => `must be a string, got ${describe(issue.input)}` })
    .min(min, { error: length })
    .max(max, { error: length });
  return pattern === undefined ? base : base.regex(pattern, { error: `must be ${expected ?? `like ${pattern}`}` });
}

export function integer(options: { readonly min: number; readonly max: number }) {
  const error = (issue: Issue) =>
    typeof issue.input !== "number" || !Number.isSafeInteger(issue.input)
      ? `must be an integer, got ${describe(issue.input)}`
      : `must be in ${options.min}..${options.max}, got ${issue.input}`;
  return z.int({ error }).min(options.min, { error }).max(options.max, { error });
}

export function number(options: { readonly min: number; readonly max: number }) {
  const error = (issue: Issue) =>
    typeof issue.input !== "number" || !Number.isFinite(issue.input)
      ? `must be a number, got ${describe(issue.input)}`
      : `must be in ${options.min}..${options.max}, got ${issue.input}`;
  return z.number({ error }).min(options.min, { error }).max(options.max, { error });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (issue) => `must be one of ${values.join(", ")}, got ${describe(issue.input)}` });
}

export function array<T extends z.ZodType>(item: T, options: { readonly min: number; readonly max: number; readonly unique?: boolean }) {
  const count = (issue: Issue) =>
    Array.isArray(issue.input)
      ? `must have ${options.min}..${options.max} items, got ${issue.input.length}`
      : `must be an array, got ${describe(issue.input)}`;
  const list = z.array(item, { error: count }).min(options.min, { error: count }).max(options.max, { error: count });
  if (options.unique !== true) return list;
  return list.refine((items) => new Set(items).size === items.length, { error: "must not repeat an item" }).meta({ uniqueItems: true });
}

/** A u64 amount as a decimal string ("1500000"): JSON numbers cannot hold every u64. */
export function decimalU64() {
  return z
    .string({ error: (issue) => `must be a decimal string of base units like "1500000", got ${describe(issue.input)}` })
    .regex(/^(0|[1-9][0-9]{0,19})$/, {
      abort: true,
      error: (issue) => `must be a decimal string of base units like "1500000", got ${describe(issue.input)}`,
    })
    .refine((text) => BigInt(text) <= (1n << 64n) - 1n, { error: "must fit in a u64" })
    .transform((text) => BigInt(text));
}

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

/**
 * The deepest nesting any request body may have: objects and arrays count one level
 * each, so `{"a": [1]}` is 2 deep. JSON.parse accepts any depth, but every walk over
 * the value (validation, hashing, storing) must stay bounded, so a deeper body is
 * refused (400 TOO_DEEP) before any of them runs.
 */
export const MAX_JSON_DEPTH = 64;

/** Any JSON object, nested at most `maxDepth` deep (it is passed on, not interpreted). */
export function jsonObject(maxDepth: number) {
  return z
    .custom<Record<string, unknown>>(isPlainObject, { abort: true, error: notAnObject })
    .refine((value) => !nestsDeeperThan(value, maxDepth), { error: `must not nest deeper than ${maxDepth} levels` });
}

/** An object whose keys match `key` and whose values all pass `item`, at most `maxKeys` of them. */
export function record<T extends z.ZodType>(key: RegExp, item: T, maxKeys: number) {
  const error = (issue: Issue) => (issue.code === "invalid_key" ? `is not a valid name (${key})` : notAnObject(issue));
  return z
    .record(z.string().regex(key), item, { error })
    .refine((value) => Object.keys(value).length <= maxKeys, { error: `must have at most ${maxKeys} entries` })
    .meta({ maxProperties: maxKeys });
}
