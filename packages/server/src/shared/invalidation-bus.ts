/**
 * Cache invalidation across nodes (DESIGN §2, "revocation fan-out"). Whoever changes something
 * that other nodes may hold in a cache publishes an event; every node's subscribers drop what the
 * event names. Caches keep their TTLs as well: the bus makes revocation fast (well under a second
 * in cluster mode), the TTL bounds staleness if a message is ever lost.
 *
 * Delivery: to this node's subscribers at once, before `publish` resolves (the node that made a
 * change never serves the old value afterwards), and to every other node's subscribers through
 * the shared transport. A node whose transport was cut off gets `{ kind: 'all' }` when it is back,
 * because it may have missed events: it drops every cache.
 *
 * Events carry identifiers only, never key material.
 *
 * Implementations: `InProcessInvalidationBus` here (one process, the embedded default) and
 * `redis/redis-invalidation-bus.ts` (pub/sub). Both pass `test/contracts/invalidation-bus-contract.ts`.
 */

export type InvalidationEvent =
  /** An AccessKey was disabled, enabled or deleted. */
  | { kind: 'access-key'; accessKeyId: string }
  /** A download secret version was revoked. */
  | { kind: 'download-secret'; appIdentification: string; version: number }
  /** A video was deleted, blocked, re-transcoded or otherwise changed what it serves. */
  | { kind: 'video'; videoId: string }
  /** A KMS master key was rotated: reload the key ring, forget derived keys. */
  | { kind: 'kms-key'; keyId: string }
  /** Events may have been missed: drop everything. */
  | { kind: 'all' };

export type InvalidationListener = (event: InvalidationEvent) => void;

export interface InvalidationBus {
  publish(event: InvalidationEvent): Promise<void>;
  /** Adds a listener; returns a function that removes it. A throwing listener harms no other. */
  subscribe(listener: InvalidationListener): () => void;
  close(): Promise<void>;
}

/** Checks an event that came over the wire; undefined if it is not one. */
export function parseInvalidationEvent(value: unknown): InvalidationEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const str = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 1024;
  switch (e.kind) {
    case 'access-key':
      return str(e.accessKeyId) ? { kind: e.kind, accessKeyId: e.accessKeyId as string } : undefined;
    case 'download-secret':
      return str(e.appIdentification) && Number.isSafeInteger(e.version)
        ? { kind: e.kind, appIdentification: e.appIdentification as string, version: e.version as number }
        : undefined;
    case 'video':
      return str(e.videoId) ? { kind: e.kind, videoId: e.videoId as string } : undefined;
    case 'kms-key':
      return str(e.keyId) ? { kind: e.kind, keyId: e.keyId as string } : undefined;
    case 'all':
      return { kind: 'all' };
    default:
      return undefined;
  }
}

/** Local listeners, shared by both implementations. */
export class InvalidationListeners {
  private readonly listeners = new Set<InvalidationListener>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  add(listener: InvalidationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  deliver(event: InvalidationEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/**
 * The embedded default: one process, so publishing is delivering. Buses made from the same
 * `hub` reach each other, which lets one test stand for several nodes.
 */
export class InProcessInvalidationBus implements InvalidationBus {
  private readonly listeners: InvalidationListeners;

  constructor(
    private readonly hub: Set<InProcessInvalidationBus> = new Set(),
    onListenerError: (error: unknown) => void = () => undefined,
  ) {
    this.listeners = new InvalidationListeners(onListenerError);
    hub.add(this);
  }

  async publish(event: InvalidationEvent): Promise<void> {
    for (const bus of this.hub) bus.listeners.deliver(event);
  }

  subscribe(listener: InvalidationListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.hub.delete(this);
    this.listeners.clear();
  }
}
