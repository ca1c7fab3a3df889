/**
 * Redis connections for cluster mode (`SECUREVOD_REDIS_URL`). This module and the Redis adapters
 * next to it (and `jobs/bullmq-job-queue.ts`) are the only ones that import ioredis.
 *
 * Two kinds of connection, because they fail differently when Redis goes away:
 * - `command`: requests wait while ioredis reconnects, at most `maxRetriesPerRequest` reconnect
 *   attempts, then fail; a request path (nonce check, counter) answers with an error instead of
 *   hanging for the whole outage.
 * - `blocking`: what BullMQ needs for its workers (`maxRetriesPerRequest: null`): commands wait
 *   for as long as the outage lasts and run once Redis is back, so no queue operation is lost.
 * Reconnection backs off to at most two seconds between attempts, forever.
 */
import { Redis, type RedisOptions } from 'ioredis';

/** `subscriber` behaves like `blocking`; it is named apart because it can do nothing but listen. */
export type RedisConnectionKind = 'command' | 'blocking' | 'subscriber';

export interface RedisConnectionOptions {
  url: string;
  kind: RedisConnectionKind;
  /** Shown by `CLIENT LIST` so operators can tell the nodes' connections apart. */
  connectionName?: string;
  /** Told about connection errors (ioredis would otherwise print them). */
  onError?: (error: Error) => void;
}

export function openRedis(options: RedisConnectionOptions): Redis {
  const redisOptions: RedisOptions = {
    connectionName: options.connectionName,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    maxRetriesPerRequest: options.kind === 'command' ? 3 : null,
    // Connect at once; the server's start waits for BullMQ's connection to be ready, so a node
    // whose Redis is down at start does not come up half-working.
    lazyConnect: false,
    enableReadyCheck: true,
  };
  const client = new Redis(options.url, redisOptions);
  client.on('error', (error: Error) => options.onError?.(error));
  return client;
}

/** Closes a connection politely, and at once if Redis does not answer (it may be down). */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('quit timed out')), 1000).unref()),
    ]);
  } catch {
    client.disconnect();
  }
}

/** `PING` with a deadline, for `/readyz`. Resolves, or rejects with the reason. */
export async function pingRedis(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status !== 'ready') throw new Error(`Redis connection is ${client.status}`);
  await Promise.race([
    client.ping(),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`no PONG in ${timeoutMs} ms`)), timeoutMs).unref(),
    ),
  ]);
}
