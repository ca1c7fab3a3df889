/**
 * Cluster mode against the embedded default, in the same run (issue 10):
 *
 * 1. Standard key requests (`GET /keys/hls/…`): CPU per request and p99 latency on a cluster key
 *    node (roles api,keys,media; PostgreSQL schema, test-owned Redis for nonces and invalidation,
 *    S3 bucket on s3rver, a separate worker node that transcoded the video) against the embedded
 *    server (all roles, SQLite, local directory). Same clip, same template, same autocannon
 *    settings; the two are measured alternately (embedded, cluster, cluster, embedded) so drift
 *    in the machine's load hits both alike. The key node's own CPU is the compared figure; the
 *    CPU the shared parts spent meanwhile (its PostgreSQL backends, redis-server) is reported
 *    beside it.
 * 2. Secure download throughput from S3 against the local directory: bench/secure-download-s3's
 *    measurement, run as part of this one.
 */
import { join } from 'node:path';
import { sql } from 'kysely';
import { startCluster } from '../packages/server/test/support/cluster.js';
import { openDatabase } from '../packages/server/src/store/database.js';
import { POSTGRES_URL } from '../packages/server/test/support/postgres.js';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { loadSettingsLabel, runLoad, type LoadResult } from './load-generator.js';
import { findPid, processCpuSeconds } from './process-cpu.js';
import secureDownloadS3 from './secure-download-s3.bench.js';
import { NO_KEY_RATE_LIMITS, standardKeyUri, startService, transcodedVideo } from './securevod-service.js';

const TITLE = 'Cluster mode vs the embedded default (key requests, Secure download)';
const CPU_GOAL = { kind: 'ratio-at-most', value: 1.3 } as const;

function describeLoad(name: string, r: LoadResult): string {
  const l = r.latencyMs;
  return `${name}: ${r.requestsPerSecond.toFixed(0)} req/s, p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, ${r.cpuMicrosPerRequest.toFixed(0)} µs CPU/request, non-2xx ${r.non2xx}, errors ${r.errors}`;
}

async function fetchKey(url: string): Promise<void> {
  const res = await fetch(url);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200 || bytes.length !== 16) throw new Error(`${url} answered ${res.status}`);
}

/** CPU seconds so far of the PostgreSQL backends serving `applicationName`, and of `pids`. */
async function sharedCpuSeconds(applicationName: string, pids: number[]): Promise<number> {
  const db = await openDatabase({ url: POSTGRES_URL });
  try {
    const { rows } = await sql<{ pid: number }>`
      select pid from pg_stat_activity where application_name = ${applicationName}`.execute(db.kysely);
    return [...rows.map((r) => r.pid), ...pids].reduce((sum, pid) => sum + (processCpuSeconds(pid) || 0), 0);
  } finally {
    await db.close();
  }
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

async function run(ctx: BenchContext): Promise<BenchResult> {
  const load = ctx.options.load;
  ctx.log('starting the embedded server and a cluster (key node + worker node), transcoding a clip on each…');
  // One token at full speed: the default /keys/ rate limits would refuse it within a second.
  const embedded = await startService({ dataDir: join(ctx.workDir, 'embedded'), env: NO_KEY_RATE_LIMITS });
  const cluster = await startCluster({
    env: { SECUREVOD_LOG_LEVEL: 'warn', ...NO_KEY_RATE_LIMITS },
    nodes: [
      { name: 'key', roles: 'api,keys,media' },
      { name: 'worker', roles: 'worker' },
    ],
  });
  const embeddedRuns: LoadResult[] = [];
  const clusterRuns: LoadResult[] = [];
  const sharedCpuPerRequest: number[] = [];
  try {
    const keyNode = cluster.node('key');
    const [embeddedVideo, clusterVideo] = await Promise.all([
      transcodedVideo(embedded, 'HLSEncryption'),
      transcodedVideo(keyNode, 'HLSEncryption'),
    ]);
    const embeddedUri = await standardKeyUri(embedded, embeddedVideo);
    const clusterUri = await standardKeyUri(keyNode, clusterVideo);
    await fetchKey(embeddedUri);
    await fetchKey(clusterUri);
    const appName = new URL(cluster.databaseUrl).searchParams.get('application_name')!;
    let redisPid: number[] = [];
    try {
      redisPid = [findPid(['redis-server', `:${cluster.redis.port}`])];
    } catch {
      ctx.log('redis-server pid not found: its CPU is not counted');
    }

    ctx.log(`${loadSettingsLabel(load)}; embedded, cluster, cluster, embedded`);
    for (const which of ['embedded', 'cluster', 'cluster', 'embedded'] as const) {
      if (which === 'embedded') {
        const r = await runLoad({ url: embeddedUri, pid: embedded.pid }, load);
        ctx.log(describeLoad('embedded', r));
        embeddedRuns.push(r);
      } else {
        const before = await sharedCpuSeconds(appName, redisPid);
        const r = await runLoad({ url: clusterUri, pid: keyNode.pid }, load);
        const shared = (await sharedCpuSeconds(appName, redisPid)) - before;
        const sharedMicros = (shared * 1e6) / (r.ok + r.warmupOk);
        ctx.log(
          `${describeLoad('cluster key node', r)}; shared parts ${sharedMicros.toFixed(0)} µs CPU/request`,
        );
        clusterRuns.push(r);
        sharedCpuPerRequest.push(sharedMicros);
      }
    }
  } finally {
    await embedded.stop();
    await cluster.close();
  }

  ctx.log('Secure download, S3 vs the local directory (bench/secure-download-s3)…');
  const download = await secureDownloadS3.run(ctx);

  const cpu = (runs: LoadResult[]) => mean(runs.map((r) => r.cpuMicrosPerRequest));
  const p99 = (runs: LoadResult[]) => mean(runs.map((r) => r.latencyMs.p99));
  const rps = (runs: LoadResult[]) => mean(runs.map((r) => r.requestsPerSecond));
  const errors = [...embeddedRuns, ...clusterRuns].reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  return {
    name: 'cluster',
    title: TITLE,
    ours: 'cluster key node (PostgreSQL, Redis, S3) / Secure download from S3',
    anchor: 'embedded server (SQLite, local directory, in-process) / from the local directory',
    rows: [
      compare(
        'standard key request, key-node CPU per request',
        'µs',
        cpu(clusterRuns),
        cpu(embeddedRuns),
        CPU_GOAL,
      ),
      compare(
        'standard key request, key node + shared parts CPU per request',
        'µs',
        cpu(clusterRuns) + mean(sharedCpuPerRequest),
        cpu(embeddedRuns),
        CPU_GOAL,
      ),
      compare('standard key request, p99 latency', 'ms', p99(clusterRuns), p99(embeddedRuns)),
      compare('standard key requests/s', 'req/s', rps(clusterRuns), rps(embeddedRuns)),
      ...download.rows,
    ],
    notes: [
      `Key requests: ${loadSettingsLabel(load)}, two measured runs per side in the order embedded, cluster, cluster, embedded; the rows are the means. Both servers run the same binary at SECUREVOD_LOG_LEVEL=warn; the cluster key node has roles api,keys,media and a worker node beside it, on a fresh PostgreSQL schema, a test-owned redis-server and an s3rver bucket.`,
      `CPU of the shared parts during the cluster runs (the key node's PostgreSQL backends + redis-server), per request: ${sharedCpuPerRequest.map((v) => `${v.toFixed(0)} µs`).join(', ')} — mostly the audit rows' batched inserts; a key request touches neither Redis nor S3.`,
      ...(errors ? [`${errors} non-2xx responses, errors or timeouts in the key runs.`] : []),
      ...download.notes,
    ],
    details: {
      embedded: embeddedRuns,
      cluster: clusterRuns,
      sharedCpuPerRequest,
      download: download.details,
    },
  };
}

const benchmark: Benchmark = { name: 'cluster', title: TITLE, run };
export default benchmark;
