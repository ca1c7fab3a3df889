/**
 * A bounded map whose entries live `ttlMs`, holding promises so concurrent misses share one load
 * (a failed load is forgotten). The key service keeps stream facts and derived period keys in it
 * (a deleted or blocked video stops getting keys within the TTL); DataKeyCache keeps unwrapped
 * data keys. Never persisted.
 */
interface Entry<V> {
  value: Promise<V>;
  expiresAt: number;
  /** Set once `value` fulfilled, for `peek`. */
  settled?: { value: V };
}

export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly options: { maxEntries: number; ttlMs: number; now?: () => number }) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.options.now?.() ?? Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = load();
    const entry: Entry<V> = { value, expiresAt: now + this.options.ttlMs };
    this.entries.delete(key);
    this.entries.set(key, entry);
    value.then(
      (settled) => {
        entry.settled = { value: settled };
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return value;
  }

  /**
   * The loaded value of a live entry, without waiting: `undefined` when there is none or it is
   * still loading (then `get` it). Lets a hot path answer a warm cache synchronously.
   */
  peek(key: string): { value: V } | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined || hit.settled === undefined) return undefined;
    if (hit.expiresAt <= (this.options.now?.() ?? Date.now())) return undefined;
    return hit.settled;
  }

  /** Drops every entry whose key matches (invalidation events; rare, so a scan is fine). */
  deleteWhere(matches: (key: string) => boolean): void {
    for (const key of [...this.entries.keys()]) if (matches(key)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
