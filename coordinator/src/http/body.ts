/**
 * Request bodies are read as raw bytes (express.raw, limited by config), because the
 * signature covers exactly those bytes; JSON is parsed only after the signature is
 * checked, then validated against the route's schema.
 */
import { createHash } from "node:crypto";

import express, { type Request, type RequestHandler } from "express";

import { ApiError, badRequest } from "./errors";
import { MAX_JSON_DEPTH, nestsDeeperThan, ValidationError, type Validator } from "./validate";

/** Reads any body as bytes, up to `limitBytes` (413 beyond). */
export function rawBody(limitBytes: number): RequestHandler {
  return express.raw({ type: () => true, limit: limitBytes });
}

/** The request's body bytes (empty when it has none). */
export function bodyBytes(req: Request): Buffer {
  const body = req.body as unknown;
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

export function bodySha256(req: Request): string {
  return createHash("sha256").update(bodyBytes(req)).digest("hex");
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The body parsed as JSON and checked by `validate`; 400/415 naming the problem otherwise. */
export function readJson<T>(req: Request, validate: Validator<T>): T {
  return parseJson(bodyBytes(req), req.headers["content-type"], validate);
}

/** `bytes` sent as `contentType`, parsed as JSON and checked by `validate` (readJson without express). */
export function parseJson<T>(bytes: Uint8Array, contentType: string | undefined, validate: Validator<T>): T {
  if (bytes.length === 0) throw badRequest("BODY_REQUIRED", "the body must be a JSON object; it is empty");
  const type = contentType ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", `the body must be sent as application/json, not ${JSON.stringify(type)}`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw badRequest("MALFORMED_JSON", "the body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest("MALFORMED_JSON", `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
    throw badRequest("TOO_DEEP", `the body must not nest deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`);
  }
  try {
    return validate(value, "");
  } catch (error) {
    if (error instanceof ValidationError) throw badRequest("INVALID_FIELD", error.message, error.field || undefined);
    throw error;
  }
}

/** A path parameter checked against `pattern`. */
export function pathParam(req: Request, name: string, pattern: RegExp, expected: string): string {
  const value = req.params[name];
  if (typeof value !== "string" || !pattern.test(value)) {
    throw badRequest("INVALID_FIELD", `${name} in the path must be ${expected}`, name);
  }
  return value;
}
