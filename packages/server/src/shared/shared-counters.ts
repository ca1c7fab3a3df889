/**
 * Counters that every node must agree on (DESIGN §8–9): request counts per window for rate
 * limits, and leases for live sessions (concurrent-stream limits). Keys are chosen by callers,
 * e.g. `rate:<accessKeyId>` or `streams:<viewerId>`; they must not contain secrets.
 *
 * - `increment`: a fixed-window counter. The first increment starts the window of `windowMs`;
 *   the count returns to 0 when it ends.
 * - Leases: a set of holders per key, each with its own expiry. `acquire` takes a slot, or
 *   renews the holder's slot, unless `limit` other live holders already fill the key; a lease
 *   that is not renewed lapses and frees its slot.
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

export interface LeaseResult {
  /** Whether `holder` now holds a slot (newly or renewed). */
  acquired: boolean;
  /** Live holders of the key after the call, `holder` included if acquired. */
  live: number;
}

export interface SharedCounters {
  increment(key: string, windowMs: number, by?: number): Promise<WindowCount>;
  acquire(key: string, holder: string, ttlMs: number, limit: number): Promise<LeaseResult>;
  /** Frees `holder`'s slot now; harmless if it holds none. */
  release(key: string, holder: string): Promise<void>;
  /** Live holders of `key`. */
  live(key: string): Promise<number>;
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
  private readonly leases = new Map<string, Map<string, number>>();

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

  async acquire(key: string, holder: string, ttlMs: number, limit: number): Promise<LeaseResult> {
    checkCounterKey(key);
    checkCounterArgs({ ttlMs, limit });
    const now = this.now();
    const holders = this.liveHolders(key, now);
    if (!holders.has(holder) && holders.size >= limit) return { acquired: false, live: holders.size };
    holders.set(holder, now + ttlMs);
    this.leases.set(key, holders);
    return { acquired: true, live: holders.size };
  }

  async release(key: string, holder: string): Promise<void> {
    const holders = this.leases.get(key);
    holders?.delete(holder);
    if (holders?.size === 0) this.leases.delete(key);
  }

  async live(key: string): Promise<number> {
    return this.liveHolders(key, this.now()).size;
  }

  async close(): Promise<void> {
    this.windows.clear();
    this.leases.clear();
  }

  private liveHolders(key: string, now: number): Map<string, number> {
    const holders = this.leases.get(key) ?? new Map<string, number>();
    for (const [holder, expiresAt] of holders) if (expiresAt <= now) holders.delete(holder);
    if (holders.size === 0) this.leases.delete(key);
    return holders;
  }

  private sweepWindows(now: number): void {
    if (this.windows.size < 10_000) return;
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}
