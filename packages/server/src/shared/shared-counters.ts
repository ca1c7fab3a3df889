/**
 * Counters that every node must agree on (DESIGN §8): request counts per window for rate limits.
 * Keys are chosen by callers, e.g. `rate:<accessKeyId>`; they must not contain secrets. (The
 * leases of concurrent-stream limits have their own contract: `session-leases.ts`.)
 *
 * `increment` is a fixed-window counter. The first increment starts the window of `windowMs`;
 * the count returns to 0 when it ends.
 *
 * Time: the Redis implementation uses Redis's clock, so nodes with skewed clocks still agree.
 *
 * Implementations: `InProcessCounters` here (the embedded default) and
 * `redis/redis-counters.ts`. Both pass `test/contracts/shared-counters-contract.ts`.
 */

export interface WindowCount {
  /** The count after this increment. */
  count: number;
  /** Milliseconds until the window ends and the count returns to 0. */
  resetInMs: number;
}

export interface SharedCounters {
  increment(key: string, windowMs: number, by?: number): Promise<WindowCount>;
  close(): Promise<void>;
}

export function checkCounterArgs(args: Record<string, number>): void {
  for (const [name, value] of Object.entries(args)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
    }
  }
}

export function checkCounterKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
    throw new RangeError('a counter key is 1-512 characters');
  }
}

/** The embedded default: in this process's memory. Expired entries are swept as they are met. */
export class InProcessCounters implements SharedCounters {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async increment(key: string, windowMs: number, by = 1): Promise<WindowCount> {
    checkCounterArgs({ windowMs, by });
    return this.incrementNow(key, windowMs, by);
  }

  /**
   * `increment`, answered synchronously: what the key service's fast path counts with (no promise
   * per request; http/rate-limits.ts `createDirectLimiter`). `windowMs` and `by` are the caller's
   * constants, checked once by it.
   */
  incrementNow(key: string, windowMs: number, by = 1): WindowCount {
    checkCounterKey(key);
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
      this.sweepWindows(now);
    }
    window.count += by;
    return { count: window.count, resetInMs: window.endsAt - now };
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private sweepWindows(now: number): void {
    if (this.windows.size < 10_000) return;
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}
