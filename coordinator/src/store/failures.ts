/**
 * What a failed Redis call means for the API: the store being unreachable (503, retry
 * later) or a bug (500). ioredis rejects at once when the connection is down (no
 * offline queue), so an outage surfaces here within a command, never as a hang.
 */
import { StoreUnavailableError } from "./redis";

/** Replies that say "not now" rather than "wrong". */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/;

/** Whether a failed call of this store means Redis could not be reached (storeCall raised it). */
export function isStoreUnavailable(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError;
}

/** Whether an error from ioredis is about the connection rather than the command. */
function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // A ReplyError is Redis answering; anything else from ioredis is the connection.
  return error.name !== "ReplyError" || UNAVAILABLE_REPLY.test(error.message);
}

/** Runs one Redis call; a connection failure becomes a StoreUnavailableError naming `operation`. */
export async function storeCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    if (isConnectionFailure(error)) {
      throw new StoreUnavailableError(`redis unavailable during ${operation}: ${(error as Error).message}`);
    }
    throw error;
  }
}
