/**
 * Request validation: the API's schemas are zod schemas defined once in protocol/src/api;
 * this is where the coordinator applies one to a parsed JSON value and turns a refusal
 * into a ValidationError naming the field at fault by its path, e.g. `dataset.bytes` or
 * `gpu.models[1]`.
 */
import type { z } from "zod";

import { check } from "@cyxwiz/protocol/api/issues";

export { jsonObject, MAX_JSON_DEPTH, nestsDeeperThan } from "@cyxwiz/protocol/api/fields";

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

/** `schema` as a Validator: the parsed value, or a ValidationError for the first problem. */
export function validator<S extends z.ZodType>(schema: S): Validator<z.output<S>> {
  return (value, field) => {
    const result = check(schema, value, field);
    if (!result.ok) throw new ValidationError(result.problem.field, result.problem.message);
    return result.value;
  };
}
