/**
 * What the CLI prints: sentences for people, or one JSON document with --json. A live
 * status line (spinner, progress bar) is drawn only on a terminal; elsewhere each new
 * status is printed once as a plain line, so logs and tests read the same story.
 */
import { CYXWIZ_DECIMALS } from "@cyxwiz/sdk";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** base units → "12.5 CYXWIZ" (exact, trailing zeros dropped). */
export function formatTokens(amount: bigint | string | number, decimals: number = CYXWIZ_DECIMALS): string {
  const value = BigInt(amount);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const unit = 10n ** BigInt(decimals);
  const whole = abs / unit;
  const fraction = (abs % unit).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction === "" ? "" : `.${fraction}`} CYXWIZ`;
}

/** "1.5" CYXWIZ → base units. */
export function parseTokens(text: string, decimals: number = CYXWIZ_DECIMALS): bigint | null {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (match === null || (match[2] ?? "").length > decimals) return null;
  return BigInt(match[1]) * 10n ** BigInt(decimals) + BigInt((match[2] ?? "").padEnd(decimals, "0") || "0");
}

/** "[██████░░░░] 60%" */
export function progressBar(fraction: number, width = 24): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${Math.floor(clamped * 100)}%`;
}

export function shortKey(key: string): string {
  return key.length > 12 ? `${key.slice(0, 4)}…${key.slice(-4)}` : key;
}

export function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

export class Output {
  private live: string | null = null;
  private lastPlain: string | null = null;
  private frame = 0;
  private timer: NodeJS.Timeout | null = null;
  readonly tty: boolean;

  constructor(
    readonly json: boolean,
    private readonly stream: NodeJS.WriteStream = process.stdout,
  ) {
    this.tty = stream.isTTY === true && !json;
  }

  /** A line for people (nothing in --json mode). */
  line(text = ""): void {
    if (this.json) return;
    this.clearLive();
    this.stream.write(`${text}\n`);
    this.drawLive();
  }

  lines(texts: readonly string[]): void {
    for (const text of texts) this.line(text);
  }

  /** The one JSON document of a --json run. */
  result(value: unknown): void {
    if (this.json) this.stream.write(`${JSON.stringify(value, bigintReplacer, 2)}\n`);
  }

  /** One JSON line of a stream (node start --json). */
  event(value: unknown): void {
    if (this.json) this.stream.write(`${JSON.stringify(value, bigintReplacer)}\n`);
  }

  /**
   * The live status line: a spinner on a terminal; elsewhere printed once per change
   * of `key` (default: the text), so a log gets a line per step, not per percent.
   */
  status(text: string, key: string = text): void {
    if (this.json) return;
    if (!this.tty) {
      if (key !== this.lastPlain) this.stream.write(`  … ${text}\n`);
      this.lastPlain = key;
      return;
    }
    this.live = text;
    if (this.timer === null) {
      this.timer = setInterval(() => {
        this.frame = (this.frame + 1) % SPINNER.length;
        this.clearLive();
        this.drawLive();
      }, 100);
      this.timer.unref();
    }
    this.clearLive();
    this.drawLive();
  }

  stopStatus(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.clearLive();
    this.live = null;
    this.lastPlain = null;
  }

  private clearLive(): void {
    if (this.tty && this.live !== null) this.stream.write("\r\x1b[2K");
  }

  private drawLive(): void {
    if (this.tty && this.live !== null) this.stream.write(`${SPINNER[this.frame]} ${this.live}`);
  }
}

export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** Memory in GB as people read it: whole MiB below 1 GB ("1 MiB"), else GB ("12 GB"). */
export function formatMemoryGb(gb: number | string | undefined): string {
  const value = Number(gb ?? 0);
  if (!Number.isFinite(value)) return String(gb);
  if (value > 0 && value < 1) return `${Math.ceil(value * 1024)} MiB`;
  return `${value} GB`;
}
