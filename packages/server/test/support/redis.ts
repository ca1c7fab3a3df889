/**
 * Redis for the adapter tests.
 *
 * - The machine's Redis (`SECUREVOD_TEST_REDIS_URL`, default 127.0.0.1:6379) is shared with other
 *   engineers' tests: every test works under its own key prefix and deletes only its own keys
 *   (never FLUSHDB). Unreachable, the tests skip with the reason locally and fail under CI=true.
 * - A test that kills or restarts Redis starts its own `redis-server` on a free port, with
 *   append-only persistence in a temporary directory (`startRedisServer`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.SECUREVOD_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** A key prefix no other test uses, ending in `:`. */
export function uniquePrefix(name: string): string {
  return `svtest:${name}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, never FLUSHDB: the server is shared). */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  if (!/^svtest[:-]/.test(prefix)) throw new Error(`refusing to delete keys outside svtest (${prefix})`);
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}

async function unreachableReason(url: string): Promise<string | undefined> {
  const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.disconnect();
  }
}

/**
 * Runs `define()` when the shared Redis answers; otherwise registers one test named `name` that
 * skips with the reason (or fails, in CI).
 */
export async function withRedis(name: string, define: () => void): Promise<void> {
  const problem = await unreachableReason(REDIS_URL);
  if (problem !== undefined) {
    const message = `Redis at ${REDIS_URL} is not reachable (${problem}); set SECUREVOD_TEST_REDIS_URL`;
    if (process.env.CI === 'true') it(name, () => assert.fail(`${message}. CI must run the Redis tests.`));
    else it(name, { skip: message }, () => {});
    return;
  }
  define();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A test-owned redis-server: append-only file in its own directory, killable and restartable. */
export interface OwnRedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** SIGKILL, as a crash would: no shutdown save; only what the append-only file holds survives. */
  kill9(): Promise<void>;
  /** Starts it again on the same port and directory (it loads the append-only file). */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

export async function startRedisServer(): Promise<OwnRedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'securevod-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
        '--daemonize',
        'no',
        '--logfile',
        join(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    child = proc;
    const deadline = Date.now() + 10_000;
    while ((await unreachableReason(url)) !== undefined) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode} (see ${dir})`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${port} in 10 s`);
      await sleep(50);
    }
  };
  const kill = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
  };

  await start();
  return {
    url,
    port,
    dir,
    kill9: () => kill('SIGKILL'),
    restart: start,
    async destroy() {
      await kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
