/**
 * The per-item step of the flows that work through a queue: one bad item does not
 * hold up the others.
 */
import type { Logger } from "../logger";
import { isStoreUnavailable } from "../store/failures";

/**
 * Runs `work` for each item; a failure is logged with the item and the rest go on
 * (the item is retried next round), except a store outage, which ends the round.
 */
export async function eachItem(
  log: Logger,
  items: readonly string[],
  name: "nodeId" | "jobId",
  work: (item: string) => Promise<void>,
): Promise<void> {
  for (const item of items) {
    try {
      await work(item);
    } catch (error) {
      if (isStoreUnavailable(error)) throw error;
      log.error("background step failed; retrying next tick", { [name]: item, error });
    }
  }
}
