/**
 * Remembers SignatureNonces so a captured request cannot be replayed (reference §1.6). The
 * window covers the whole accepted Timestamp range (±15 min) plus a minute, which also covers
 * the 31-minute window quoted by the vendor's on-call group.
 *
 * Implementations: `InMemoryReplayCache` (one process); a Redis one for several API processes.
 */
export interface ReplayCache {
  /** Records `key`; false if it was already recorded within `ttlMs`. Atomic. */
  remember(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export const NONCE_WINDOW_MS = 31 * 60 * 1000;

export class InMemoryReplayCache implements ReplayCache {
  private readonly entries = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 1_000_000,
  ) {}

  async remember(key: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    this.sweep(now);
    const expiresAt = this.entries.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    if (this.entries.size >= this.maxEntries) {
      // Refusing is safer than forgetting: a forgotten nonce could be replayed.
      throw new Error('replay cache is full');
    }
    this.entries.set(key, now + ttlMs);
    return true;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 10_000) return;
    this.lastSweep = now;
    for (const [key, expiresAt] of this.entries) if (expiresAt <= now) this.entries.delete(key);
  }
}
