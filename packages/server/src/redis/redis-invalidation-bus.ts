/**
 * Cache invalidation over Redis pub/sub (see `shared/invalidation-bus.ts` for the contract).
 * One channel, `<prefix>invalidate`; messages are JSON `{ from, event }`, where `from` is this
 * bus's random id so a node skips its own messages (it delivered them locally already).
 *
 * Pub/sub delivers only to nodes connected at that moment. When the subscriber connection comes
 * back after a drop, local subscribers get `{ kind: 'all' }`: they may have missed events.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { closeRedis, openRedis } from './redis-connection.js';
import {
  InvalidationListeners,
  parseInvalidationEvent,
  type InvalidationBus,
  type InvalidationEvent,
  type InvalidationListener,
} from '../shared/invalidation-bus.js';

/**
 * Publishes one event from a process that runs no bus (an operator command such as
 * `securevod kms rotate`): every node's bus delivers it.
 */
export async function publishInvalidation(
  url: string,
  keyPrefix: string,
  event: InvalidationEvent,
): Promise<void> {
  const client = openRedis({ url, kind: 'command', connectionName: 'securevod:cli' });
  try {
    await client.publish(`${keyPrefix}invalidate`, JSON.stringify({ from: `cli:${randomUUID()}`, event }));
  } finally {
    await closeRedis(client);
  }
}

export class RedisInvalidationBus implements InvalidationBus {
  private readonly id = randomUUID();
  private readonly channel: string;
  private readonly listeners: InvalidationListeners;
  private wasReady = false;

  /**
   * `subscriber` must be a connection of its own (it enters subscriber mode and can do nothing
   * else); `publisher` may be shared. Both belong to the caller. Call `start` before use.
   */
  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    keyPrefix: string,
    onListenerError: (error: unknown) => void = () => undefined,
  ) {
    this.channel = `${keyPrefix}invalidate`;
    this.listeners = new InvalidationListeners(onListenerError);
  }

  /** Subscribes; resolves once Redis confirmed the subscription. */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      let parsed: { from?: unknown; event?: unknown };
      try {
        parsed = JSON.parse(message) as typeof parsed;
      } catch {
        return;
      }
      if (parsed.from === this.id) return;
      const event = parseInvalidationEvent(parsed.event);
      if (event) this.listeners.deliver(event);
    });
    // ioredis resubscribes by itself after a reconnect; events sent meanwhile are gone.
    this.subscriber.on('ready', () => {
      if (this.wasReady) this.listeners.deliver({ kind: 'all' });
      this.wasReady = true;
    });
    await this.subscriber.subscribe(this.channel);
    this.wasReady = true;
  }

  async publish(event: InvalidationEvent): Promise<void> {
    this.listeners.deliver(event);
    await this.publisher.publish(this.channel, JSON.stringify({ from: this.id, event }));
  }

  subscribe(listener: InvalidationListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (this.subscriber.status === 'ready')
      await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}
