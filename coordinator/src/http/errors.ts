/**
 * Every error the API answers is JSON, `{error: {code, message, field?, requestId}}`,
 * with a stable `code`; never a stack trace. ApiError carries its HTTP status; the
 * error handler (app.ts) maps everything else: body-parser errors to 4xx, an
 * unreachable store or chain to 503, anything unexpected to a logged 500.
 */
import { CoordinatorError } from "../domain/errors";

export class ApiError extends CoordinatorError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    /** The request field at fault, as a path: `dataset.bytes`, `gpu.models[1]`, `Idempotency-Key`. */
    readonly field?: string,
  ) {
    super(code, message);
  }
}

export function badRequest(code: string, message: string, field?: string): ApiError {
  return new ApiError(400, code, message, field);
}

export function notFound(code: string, message: string, field?: string): ApiError {
  return new ApiError(404, code, message, field);
}

export function conflict(code: string, message: string): ApiError {
  return new ApiError(409, code, message);
}

export function unprocessable(code: string, message: string, field?: string): ApiError {
  return new ApiError(422, code, message, field);
}

/** The escrow verifier could not ask the chain: the client should retry. */
export class ChainUnavailableError extends CoordinatorError<"CHAIN_UNAVAILABLE"> {
  constructor(message: string) {
    super("CHAIN_UNAVAILABLE", message);
  }
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly field?: string;
    readonly requestId?: string;
  };
}
