/**
 * A token bucket over bytes read from a connection (what Prosody's mod_limits does): a session may
 * read `rate` bytes per second on average and `rate * burst` at once. Going over never disconnects;
 * the transport stops reading until the bucket has refilled, so TCP slows the sender down.
 */
export class ByteBucket {
  readonly rate: number;
  readonly capacity: number;
  #tokens: number;
  #last: number;

  constructor(rate: number, burstSeconds: number, now: number) {
    this.rate = rate;
    this.capacity = rate * burstSeconds;
    this.#tokens = this.capacity;
    this.#last = now;
  }

  /** Takes `bytes`; returns how many seconds reading must pause (0 when within the allowance). */
  take(bytes: number, now: number): number {
    this.#tokens -= bytes;
    return this.wait(now);
  }

  /** Seconds until the bucket is no longer in debt (0 when it is not). */
  wait(now: number): number {
    this.#tokens = Math.min(this.capacity, this.#tokens + (now - this.#last) * this.rate);
    this.#last = now;
    return this.#tokens >= 0 ? 0 : -this.#tokens / this.rate;
  }
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 };

/**
 * Parses a rate as Prosody's mod_limits writes it: `"3kb/s"`, `"10 KB/s"`, `"512b/s"` (decimal
 * units), or a number of bytes per second. Throws naming `what` when it is not understood.
 */
export function parseRate(value: unknown, what: string): number {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  if (typeof value === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?b)\/s\s*$/i.exec(value);
    const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
    if (m && unit !== undefined && Number(m[1]) > 0) return Number(m[1]) * unit;
  }
  throw new TypeError(`${what}: expected a rate such as "3kb/s", got ${JSON.stringify(value)}`);
}
