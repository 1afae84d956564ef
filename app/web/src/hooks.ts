import { useEffect, useRef, useState } from "react";

export interface Polled<T> {
  data: T | null;
  error: unknown;
  /** True until the first answer (data or error). */
  loading: boolean;
  /** Fetch again now. */
  refresh: () => void;
}

/**
 * Calls `load` now and every `everyMs` while mounted (the next call starts only after
 * the previous one ended). Keeps the last data through a failure, so a page shows what it
 * knew with an error banner. `load` null pauses polling; `key` restarts it.
 */
export function usePoll<T>(load: (() => Promise<T>) | null, everyMs: number, key: string): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the trigger: a new key clears what the old one showed.
  useEffect(() => {
    setData(null);
    setError(null);
    setLoading(true);
  }, [key]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the loader is read through loadRef (a new closure each render must not restart polling); `key`, `tick` and whether there is a loader at all do restart it.
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      const current = loadRef.current;
      if (current === null) return;
      try {
        const value = await current();
        if (stopped) return;
        setData(value);
        setError(null);
      } catch (caught) {
        if (stopped) return;
        setError(caught);
      }
      setLoading(false);
      timer = setTimeout(run, everyMs);
    };
    void run();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [key, everyMs, tick, load === null]);

  return { data, error, loading, refresh: () => setTick((n) => n + 1) };
}

/** The location hash as a path: "#/jobs/ab" → ["jobs", "ab"]. */
export function useRoute(): string[] {
  const read = () =>
    window.location.hash
      .replace(/^#\/?/, "")
      .split("/")
      .filter((part) => part !== "");
  const [route, setRoute] = useState(read);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `read` only reads window.location; the listener is set once.
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
