/**
 * Leases of live play sessions per viewer, for concurrent-stream limits (DESIGN §9; docs/api.md,
 * "Concurrent-stream limits"). Every node must agree on them, so they are a shared service like
 * the counters: `InProcessSessionLeases` here (the embedded default) and
 * `redis/redis-session-leases.ts` (cluster mode). Both pass
 * `test/contracts/session-leases-contract.ts`.
 *
 * A key (`streams:<viewer hash>`) holds a set of holders (one play session on one network). A
 * holder's lease lasts `ttlMs` from its last `lease` call; one that is not renewed lapses and
 * frees its slot. `lease` is the one decision, atomic across nodes:
 *   1. a holder that was **ended** (evicted by a newer session) is refused until `endedUntil`
 *      (when its credentials expire), even if a slot is free — it must not come back and, with
 *      evict-oldest, end the session that replaced it;
 *   2. a holder that holds a live lease renews it;
 *   3. otherwise it takes a slot if fewer than `limit` live holders fill the key; if they do, it
 *      is refused (`evictOldest: false`), or the holders that first took their slot earliest
 *      are ended until one slot is free (`evictOldest: true`).
 * A lapsed holder that comes back is new again (rule 3), with a new start time.
 *
 * Time: the Redis implementation uses Redis's clock for leases, so nodes with skewed clocks
 * agree; `endedUntil` is an absolute time from the caller's clock (a credential's expiry).
 * Keys and holders are opaque to the store and must not contain secrets or personal data.
 */

export interface SessionLeaseRequest {
  /** The viewer's set, e.g. `streams:<viewer hash>`. 1–512 characters. */
  readonly key: string;
  /** One session on one network. 1–200 characters. */
  readonly holder: string;
  /** The lease lasts this long from now unless renewed. */
  readonly ttlMs: number;
  /** At most this many live holders per key (>= 1). */
  readonly limit: number;
  /** Over the limit: end the oldest holders (true) or refuse this one (false). */
  readonly evictOldest: boolean;
  /** Unix ms when this holder's credentials expire: if it is ever ended, it stays refused until then. */
  readonly endedUntil: number;
}

export interface SessionLeaseResult {
  /** The holder holds a live lease now (new or renewed). */
  readonly acquired: boolean;
  /** Refused because a newer session ended this holder. */
  readonly ended: boolean;
  /** Live holders of the key after the call. */
  readonly live: number;
  /** Holders this call ended (evict-oldest), oldest first. */
  readonly evicted: readonly string[];
}

export interface SessionLeases {
  lease(request: SessionLeaseRequest): Promise<SessionLeaseResult>;
  /** Frees `holder`'s slot now (an explicit stop); harmless if it holds none. Not an "end". */
  release(key: string, holder: string): Promise<void>;
  close(): Promise<void>;
}

/** Range checks shared by the implementations; arguments outside the contract throw RangeError. */
export function checkLeaseRequest(r: SessionLeaseRequest): void {
  checkLeaseKey(r.key, r.holder);
  for (const [name, value] of [
    ['ttlMs', r.ttlMs],
    ['limit', r.limit],
    ['endedUntil', r.endedUntil],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
    }
  }
}

export function checkLeaseKey(key: string, holder: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
    throw new RangeError('a lease key is 1-512 characters');
  }
  if (typeof holder !== 'string' || holder.length === 0 || holder.length > 200) {
    throw new RangeError('a lease holder is 1-200 characters');
  }
}

interface Holder {
  start: number;
  expiresAt: number;
  endedUntil: number;
}

/** The embedded default: this process's memory. Lapsed entries are swept as they are met. */
export class InProcessSessionLeases implements SessionLeases {
  private readonly live = new Map<string, Map<string, Holder>>();
  private readonly ended = new Map<string, Map<string, number>>();
  /** Order of first acquisition (one process: a counter is exact). */
  private sequence = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async lease(r: SessionLeaseRequest): Promise<SessionLeaseResult> {
    checkLeaseRequest(r);
    const now = this.now();
    const holders = this.sweep(r.key, now);
    const ended = this.ended.get(r.key);
    if (ended?.has(r.holder)) return { acquired: false, ended: true, live: holders.size, evicted: [] };
    const evicted: string[] = [];
    let entry = holders.get(r.holder);
    if (!entry) {
      if (holders.size >= r.limit && !r.evictOldest) {
        return { acquired: false, ended: false, live: holders.size, evicted };
      }
      const byAge = [...holders.entries()].sort((a, b) => a[1].start - b[1].start);
      while (holders.size >= r.limit) {
        const [victim, info] = byAge.shift()!;
        holders.delete(victim);
        const tombstones = this.ended.get(r.key) ?? new Map<string, number>();
        tombstones.set(victim, info.endedUntil);
        this.ended.set(r.key, tombstones);
        evicted.push(victim);
      }
      entry = { start: ++this.sequence, expiresAt: 0, endedUntil: 0 };
      if (this.live.size >= 10_000) this.sweepAll(now);
      holders.set(r.holder, entry);
      this.live.set(r.key, holders);
    }
    entry.expiresAt = now + r.ttlMs;
    entry.endedUntil = Math.max(entry.endedUntil, r.endedUntil);
    return { acquired: true, ended: false, live: holders.size, evicted };
  }

  async release(key: string, holder: string): Promise<void> {
    checkLeaseKey(key, holder);
    const holders = this.live.get(key);
    holders?.delete(holder);
    if (holders?.size === 0) this.live.delete(key);
  }

  async close(): Promise<void> {
    this.live.clear();
    this.ended.clear();
  }

  private sweepAll(now: number): void {
    for (const key of new Set([...this.live.keys(), ...this.ended.keys()])) this.sweep(key, now);
  }

  /** The key's live holders, lapsed ones and spent tombstones dropped. */
  private sweep(key: string, now: number): Map<string, Holder> {
    const holders = this.live.get(key) ?? new Map<string, Holder>();
    for (const [holder, info] of holders) if (info.expiresAt <= now) holders.delete(holder);
    if (holders.size === 0) this.live.delete(key);
    const ended = this.ended.get(key);
    if (ended) {
      for (const [holder, until] of ended) if (until <= now) ended.delete(holder);
      if (ended.size === 0) this.ended.delete(key);
    }
    return holders;
  }
}
