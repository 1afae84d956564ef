/**
 * A failed parse as the API reports it: the one field at fault, as a path
 * (`dataset.bytes`, `gpu.models[1]`, "" for the body itself), and a sentence naming it
 * ("epochs must be an integer, got string \"3\"").
 *
 * zod reports every issue it finds; the API names the first one a depth-first reading
 * meets, where an object's unknown fields come before anything inside it (so a body
 * with a stray `__proto__` is refused for that, not for what it lacks).
 */
import type { z } from "zod";

export interface FieldProblem {
  /** "" for the body itself. */
  readonly field: string;
  readonly message: string;
}

/** `dataset.bytes`, `gpu.models[1]` under `prefix`. */
export function fieldPath(path: readonly PropertyKey[], prefix = ""): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

const isPrefix = (outer: readonly PropertyKey[], inner: readonly PropertyKey[]) =>
  outer.length <= inner.length && outer.every((part, index) => part === inner[index]);

/** The issue the API reports among zod's (in zod's order, which follows the schema's). */
function firstIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const first = issues[0];
  if (first === undefined) throw new Error("a failed parse without an issue");
  const unknownAbove = issues.filter((issue) => issue.code === "unrecognized_keys" && isPrefix(issue.path, first.path));
  return unknownAbove.sort((a, b) => a.path.length - b.path.length)[0] ?? first;
}

/** The field at fault and the sentence for `error`, the field paths under `prefix`. */
export function explain(error: z.ZodError, prefix = ""): FieldProblem {
  const issue = firstIssue(error.issues);
  if (issue.code === "unrecognized_keys") {
    return sentence(fieldPath([...issue.path, issue.keys[0] ?? ""], prefix), "is not a known field");
  }
  const field = fieldPath(issue.path, prefix);
  // JSON has no undefined: a check that met one met a field that is absent.
  if (issue.code !== "custom" && issue.input === undefined) return sentence(field, "is required");
  return sentence(field, issue.message);
}

function sentence(field: string, message: string): FieldProblem {
  return { field, message: `${field === "" ? "the body" : field} ${message}` };
}

/** `schema` applied to `value`: the parsed value, or the problem the API reports. */
export function check<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix = "",
): { ok: true; value: z.output<T> } | { ok: false; problem: FieldProblem } {
  const result = schema.safeParse(value, { reportInput: true });
  return result.success ? { ok: true, value: result.data } : { ok: false, problem: explain(result.error, prefix) };
}
