/**
 * Job priority. One weight per level serves twice: it multiplies the price
 * (normal 1×, high 2×, critical 3×) and it is the job's starting level in the queue,
 * where waiting adds more (see matcher.ts).
 */
import { PRIORITIES, Priority } from "../../../protocol/src/api/constants";

/** The levels are the API's (protocol/src/api/constants.ts). */
export { PRIORITIES, Priority } from "../../../protocol/src/api/constants";

export const PRIORITY_WEIGHT: Readonly<Record<Priority, number>> = {
  normal: 1,
  high: 2,
  critical: 3,
};

export function isPriority(value: unknown): value is Priority {
  return typeof value === "string" && (PRIORITIES as readonly string[]).includes(value);
}
