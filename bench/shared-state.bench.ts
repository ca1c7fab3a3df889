/**
 * What the shared parts of cluster mode cost per operation, for the scaling estimate in
 * docs/deployment.md ("which shared part saturates first"):
 *
 * - **Nonce checks on Redis** (every signed RPC call): our `RedisReplayCache.remember`
 *   (SHA-256 of the key, `SET … NX PX`) against the anchor, a bare ioredis `SET … NX PX` of the
 *   same key — the overhead of our code. Measured on a redis-server this benchmark starts, so its
 *   CPU per operation is exact; 50 concurrent callers on one connection, as a busy API node has.
 * - **Key-delivery audit rows on PostgreSQL** (every key request writes one, batched): our
 *   `createKeyDeliveryLog` flushing batches into a throwaway schema, against the anchor, the same
 *   rows inserted by one multi-row `INSERT` per 500 through `pg` directly. PostgreSQL's CPU is
 *   summed over its processes (other users of the machine add noise; read it as an upper bound).
 *
 * Key requests themselves touch neither Redis nor the database on a warm cache, so these two
 * figures bound the cluster: RPC calls per second per Redis core, key requests per second per
 * PostgreSQL core.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import { sql } from 'kysely';
import { createKeyDeliveryLog } from '../packages/server/src/keys/key-delivery-log.js';
import { RedisReplayCache } from '../packages/server/src/redis/redis-replay-cache.js';
import { openDatabase } from '../packages/server/src/store/database.js';
import { migrateToLatest } from '../packages/server/src/store/migrator.js';
import { startRedisServer } from '../packages/server/test/support/redis.js';
import { POSTGRES_URL } from '../packages/server/test/support/postgres.js';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { findPid, processCpuSeconds } from './process-cpu.js';

const NONCES = 40_000;
const CONCURRENCY = 50;
const AUDIT_ROWS = 50_000;

interface Rate {
  opsPerSecond: number;
  serverCpuMicrosPerOp: number;
}

async function measure(pids: () => number[], ops: number, body: () => Promise<void>): Promise<Rate> {
  const cpu = () => pids().reduce((sum, pid) => sum + (processCpuSeconds(pid) || 0), 0);
  const cpuBefore = cpu();
  const started = performance.now();
  await body();
  const seconds = (performance.now() - started) / 1000;
  return { opsPerSecond: ops / seconds, serverCpuMicrosPerOp: ((cpu() - cpuBefore) * 1e6) / ops };
}

async function inParallel(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await op(next++);
    }),
  );
}

function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

async function nonceRates(ctx: BenchContext): Promise<{ ours: Rate; anchor: Rate }> {
  const server = await startRedisServer();
  const client = new Redis(server.url);
  try {
    const pid = findPid(['redis-server', `:${server.port}`]);
    const cache = new RedisReplayCache(client, 'bench:');
    await inParallel(2000, CONCURRENCY, () => cache.remember(randomUUID(), 60_000)); // warm up
    const ours = await measure(
      () => [pid],
      NONCES,
      () => inParallel(NONCES, CONCURRENCY, () => cache.remember(`AK\n${randomUUID()}`, 1_860_000)),
    );
    const anchor = await measure(
      () => [pid],
      NONCES,
      () =>
        inParallel(NONCES, CONCURRENCY, () =>
          client.set(`bench:raw:AK\n${randomUUID()}`, '1', 'PX', 1_860_000, 'NX'),
        ),
    );
    ctx.log(`nonces: ours ${Math.round(ours.opsPerSecond)}/s, anchor ${Math.round(anchor.opsPerSecond)}/s`);
    return { ours, anchor };
  } finally {
    client.disconnect();
    await server.destroy();
  }
}

async function auditRates(ctx: BenchContext): Promise<{ ours: Rate; anchor: Rate }> {
  const schema = `bench_audit_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const db = await openDatabase({ url: POSTGRES_URL, schema });
  const rawUrl = new URL(POSTGRES_URL);
  if (!rawUrl.username) rawUrl.username = process.env.PGUSER || userInfo().username;
  const raw = new pg.Client({ connectionString: rawUrl.href });
  await raw.connect();
  try {
    await migrateToLatest(db);
    const delivery = (i: number) => ({
      videoId: `v${i % 1000}`,
      streamId: `s${i % 4000}`,
      period: i % 10,
      scheme: 'aes-128' as const,
      clientIp: '203.0.113.7',
      credential: 'MtsHlsUriToken',
      viewerId: null,
      userAgent: 'bench',
    });
    const log = createKeyDeliveryLog(db);
    const ours = await measure(postgresPids, AUDIT_ROWS, async () => {
      for (let i = 0; i < AUDIT_ROWS; i++) {
        void log.record(delivery(i));
        if (i % 500 === 499) await new Promise((r) => setImmediate(r));
      }
      await log.close(); // flushes the rest
    });
    const anchor = await measure(postgresPids, AUDIT_ROWS, async () => {
      for (let start = 0; start < AUDIT_ROWS; start += 500) {
        const values: unknown[] = [];
        const rows: string[] = [];
        for (let i = start; i < start + 500; i++) {
          const d = delivery(i);
          const at = new Date().toISOString();
          const base = values.length;
          values.push(
            randomUUID(),
            at,
            d.videoId,
            d.streamId,
            d.period,
            d.scheme,
            d.clientIp,
            d.credential,
            null,
            d.userAgent,
          );
          rows.push(`(${Array.from({ length: 10 }, (_, k) => `$${base + k + 1}`).join(',')})`);
        }
        await raw.query(
          `insert into "${schema}".key_deliveries (id, delivered_at, video_id, stream_id, period, scheme, client_ip, credential, viewer_id, user_agent) values ${rows.join(',')}`,
          values,
        );
      }
    });
    ctx.log(
      `audit rows: ours ${Math.round(ours.opsPerSecond)}/s, anchor ${Math.round(anchor.opsPerSecond)}/s`,
    );
    return { ours, anchor };
  } finally {
    await raw.end();
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db.kysely).catch(() => undefined);
    await db.close();
  }
}

const benchmark: Benchmark = {
  name: 'shared-state',
  title: 'Cluster shared parts: Redis nonce checks and PostgreSQL key-delivery audit rows',
  async run(ctx): Promise<BenchResult> {
    const nonces = await nonceRates(ctx);
    const audit = await auditRates(ctx);
    const rows = [
      compare(
        'nonce checks/s (one connection, 50 callers)',
        'ops/s',
        nonces.ours.opsPerSecond,
        nonces.anchor.opsPerSecond,
        { kind: 'ratio-at-least', value: 0.8 },
      ),
      compare(
        'redis-server CPU per nonce check',
        'µs',
        nonces.ours.serverCpuMicrosPerOp,
        nonces.anchor.serverCpuMicrosPerOp,
      ),
      compare('audit rows/s', 'rows/s', audit.ours.opsPerSecond, audit.anchor.opsPerSecond, {
        kind: 'ratio-at-least',
        value: 0.8,
      }),
      compare(
        'PostgreSQL CPU per audit row (all postgres processes)',
        'µs',
        audit.ours.serverCpuMicrosPerOp,
        audit.anchor.serverCpuMicrosPerOp,
      ),
    ];
    return {
      name: 'shared-state',
      title: this.title,
      ours: 'RedisReplayCache.remember; createKeyDeliveryLog on PostgreSQL',
      anchor: 'bare ioredis SET NX PX; pg multi-row INSERT of 500',
      rows,
      notes: [
        'redis-server is this benchmark’s own; PostgreSQL is the machine’s, shared with other users (its CPU figure is an upper bound).',
        `Capacity on paper: one Redis core ≈ 1e6 / (CPU µs per nonce check) signed RPC calls/s; one PostgreSQL core ≈ 1e6 / (CPU µs per audit row) key requests/s.`,
      ],
      details: { nonces, audit, NONCES, CONCURRENCY, AUDIT_ROWS },
    };
  },
};

export default benchmark;
