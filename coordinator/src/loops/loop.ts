/**
 * The coordinator's background loops' common machinery: a ticking loop that never
 * runs two ticks at once and survives its failures. What a tick does is a flow
 * (flows/); the per-item step of the flows is flows/each-item.ts.
 */
import type { Logger } from "../logger";
import { isStoreUnavailable } from "../store/failures";

/**
 * A background loop: runs `tick` every `intervalMs`, never two at once; a failed tick
 * is logged with the loop's name (a store outage once when it starts and once when it
 * ends, not every tick); stopping waits for the tick in flight.
 */
export class Loop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private storeDown = false;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly tick: () => Promise<void>,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Runs one tick now (after the one in flight, if any); never rejects. */
  async runOnce(): Promise<void> {
    while (this.running !== null) await this.running;
    this.running = this.guarded();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    while (this.running !== null) await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runOnce().finally(() => this.schedule());
    }, this.intervalMs);
  }

  private async guarded(): Promise<void> {
    try {
      await this.tick();
      if (this.storeDown) this.log.info("store reachable again", { loop: this.name });
      this.storeDown = false;
    } catch (error) {
      if (isStoreUnavailable(error)) {
        if (!this.storeDown) this.log.warn("store unavailable; retrying every tick", { loop: this.name, error: (error as Error).message });
        this.storeDown = true;
        return;
      }
      this.log.error("loop tick failed", { loop: this.name, error });
    }
  }
}
