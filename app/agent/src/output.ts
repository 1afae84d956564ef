/**
 * Where the agent's events and log lines go: the caller's hooks and the `events`
 * emitter. Neither a throwing hook nor a throwing listener can take the agent down.
 */
import { EventEmitter } from "node:events";

import type { AgentEvent, AgentHooks, LogLevel } from "./events";
import { describeError } from "./kinds";

export class AgentOutput {
  /** Every AgentEvent as "event" (never as "error": an emitter without an "error" listener throws on it). */
  readonly events = new EventEmitter();

  constructor(private readonly hooks: AgentHooks = {}) {
    this.events.setMaxListeners(50);
  }

  emit(event: AgentEvent): void {
    try {
      this.hooks.onEvent?.(event);
    } catch (error) {
      this.log("error", `the onEvent hook threw on ${event.type}: ${describeError(error)}`);
    }
    try {
      this.events.emit("event", event);
    } catch (error) {
      this.log("error", `an event listener threw on ${event.type}: ${describeError(error)}`);
    }
  }

  log(level: LogLevel, message: string): void {
    try {
      this.hooks.onLog?.(level, message);
    } catch {
      // A failing logger must not take the agent down; there is nowhere left to say it.
    }
  }
}
