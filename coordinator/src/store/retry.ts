/**
 * The compare-and-set loop every job transition is written with: read the job, let the
 * domain decide on that snapshot, and have a script write the decision only if the job's
 * version is still the snapshot's. A script that finds it changed writes nothing and
 * answers STALE; the attempt then returns `STALE` and the whole read-decide-write runs
 * again, up to `CAS_ATTEMPTS` times before the caller is told to try later.
 */

/** How many times a compare-and-set write is re-decided before giving up. */
export const CAS_ATTEMPTS = 5;

export class ConcurrentUpdateError extends Error {
  readonly code = "CONCURRENT_UPDATE";
  constructor(what: string) {
    super(`${what} kept changing under ${CAS_ATTEMPTS} attempts; try again`);
    this.name = "ConcurrentUpdateError";
  }
}

/** An attempt's answer when its snapshot was stale: read and decide again. */
export const STALE: unique symbol = Symbol("stale");
export type Stale = typeof STALE;

/**
 * Runs `attempt` until it returns something other than `STALE`, at most `CAS_ATTEMPTS`
 * times; then throws a ConcurrentUpdateError naming `what` (the job or node that kept
 * changing).
 */
export async function retryOnStale<T>(what: string, attempt: () => Promise<T | Stale>): Promise<T> {
  for (let tries = 0; tries < CAS_ATTEMPTS; tries++) {
    const result = await attempt();
    if (result !== STALE) return result;
  }
  throw new ConcurrentUpdateError(what);
}
