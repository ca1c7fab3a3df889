/**
 * Single-flight key cache (STYLE §8: "shares one in-flight promise per key").
 *
 * Used twice by the loader:
 *   - private period keys: `retain: true` — one key exchange per key URI, the resulting
 *     non-extractable CryptoKey kept for the player's lifetime (cleared by `destroy`);
 *   - standard AES-128 keys: `retain: false` — concurrent requests for one key URI share one
 *     HTTP request, and the bytes are not kept here (hls.js keeps its own per-URI copy).
 *
 * A load that fails is forgotten, so the next `get` tries again (hls.js's retry policy decides
 * whether there is a next time). Entries are keyed by `resourceId` of the key URI: the same key
 * fetched under a newer token is the same key.
 */

export interface KeyCacheOptions {
  /** Keep resolved values (true) or only share in-flight loads (false). */
  readonly retain: boolean;
  /** Oldest resolved entries are dropped beyond this many. Default 256. */
  readonly maxEntries?: number;
}

export class KeyCache<V> {
  private readonly entries = new Map<string, Promise<V>>();
  private readonly maxEntries: number;

  constructor(private readonly options: KeyCacheOptions) {
    this.maxEntries = options.maxEntries ?? 256;
  }

  /**
   * The value for `id`: the cached one, the one being loaded, or a new `load()`. `load` runs at
   * most once at a time per id.
   */
  get(id: string, load: () => Promise<V>): Promise<V> {
    const existing = this.entries.get(id);
    if (existing) return existing;
    const promise = Promise.resolve()
      .then(load)
      .then(
        (value) => {
          if (!this.options.retain && this.entries.get(id) === promise) this.entries.delete(id);
          return value;
        },
        (error: unknown) => {
          if (this.entries.get(id) === promise) this.entries.delete(id);
          throw error;
        },
      );
    this.entries.set(id, promise);
    this.evict();
    return promise;
  }

  /** True while `id` is loading or (with `retain`) loaded. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Forgets everything; loads in flight still settle for their callers. */
  clear(): void {
    this.entries.clear();
  }

  private evict(): void {
    // Map iteration order is insertion order: the first entries are the oldest.
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(id);
    }
  }
}
