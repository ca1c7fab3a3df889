/**
 * /healthz, /readyz and /metrics (issue 10 §6; docs/operations.md) on the real server process:
 * the embedded default, and cluster mode on a test-owned redis-server that the test kills and
 * restarts (so /readyz must say which dependency failed, and come back).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisServer, type OwnRedisServer } from '../support/redis.js';
import {
  makeDataDir,
  removeDir,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../support/server-process.js';
import { popError, vodClient } from '../support/vod-client.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

interface Readiness {
  status: string;
  checks: Record<string, { status: string; latencyMs: number; error?: string }>;
}

async function readyz(url: string): Promise<{ code: number; body: Readiness }> {
  const res = await fetch(`${url}/readyz`);
  return { code: res.status, body: (await res.json()) as Readiness };
}

/** Polls /readyz until `accept` holds (it caches for 1 s and checks with a 2 s deadline). */
async function readyzUntil(url: string, accept: (r: { code: number; body: Readiness }) => boolean) {
  let last;
  for (let i = 0; i < 60; i++) {
    last = await readyz(url);
    if (accept(last)) return last;
    await sleep(200);
  }
  assert.fail(`/readyz never matched; last ${JSON.stringify(last)}`);
}

describe('operations endpoints, embedded default', () => {
  let server: ServerProcess;
  let dataDir: string;
  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  it('answers /healthz, /readyz per dependency and /metrics behind its bearer token', async () => {
    dataDir = await makeDataDir('securevod-ops-');
    server = await startServerProcess({ dataDir, env: { SECUREVOD_METRICS_TOKEN: METRICS_TOKEN } });

    assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' });
    const ready = await readyz(server.url);
    assert.equal(ready.code, 200);
    assert.equal(ready.body.status, 'ready');
    assert.deepEqual(Object.keys(ready.body.checks).sort(), ['database', 'kms', 'storage']);
    for (const check of Object.values(ready.body.checks)) assert.equal(check.status, 'ok');

    // Some traffic: a signed RPC call, a refused one, a 404, a refused key request.
    const vod = vodClient(server.url);
    await vod.request('GetVideoList', {});
    const refused = await popError(
      vodClient(server.url, { ...TEST_ROOT_KEY, accessKeySecret: 'wrong-secret-0123456789' }).request(
        'GetVideoList',
        {},
      ),
    );
    assert.equal(refused.code, 'SignatureDoesNotMatch');
    assert.equal((await fetch(`${server.url}/no/such/path?token=${METRICS_TOKEN}x`)).status, 404);
    assert.equal((await fetch(`${server.url}/keys/hls/v/s/0?MtsHlsUriToken=bogus`)).status >= 400, true);

    assert.equal((await fetch(`${server.url}/metrics`)).status, 401, 'no token');
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Bearer /);
    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    for (const name of [
      'securevod_http_requests_total',
      'securevod_http_request_duration_seconds_bucket',
      'securevod_key_deliveries_total',
      'securevod_job_duration_seconds',
      'securevod_transcode_seconds_total',
      'securevod_storage_errors_total',
      'securevod_jobs',
      'securevod_process_cpu_seconds_total',
    ]) {
      assert.match(text, new RegExp(`^# HELP ${name.replace(/_bucket$/, '')} `, 'm'), `${name} is exported`);
    }
    assert.match(
      text,
      /securevod_http_requests_total\{family="rpc",method="(GET|POST)",status_class="2xx"\} 1/,
    );
    assert.match(
      text,
      /securevod_http_requests_total\{family="rpc",method="(GET|POST)",status_class="4xx"\} 1/,
    );
    assert.match(
      text,
      /securevod_http_requests_total\{family="unmatched",method="GET",status_class="4xx"\} 1/,
    );
    assert.match(text, /securevod_http_requests_total\{family="keys",method="GET",status_class="4xx"\} 1/);
    assert.match(text, /securevod_jobs\{type="transcode",status="queued"\} 0/);
    // Nothing secret or identifying in a scrape.
    for (const secret of [METRICS_TOKEN, TEST_ROOT_KEY.accessKeySecret, TEST_ROOT_KEY.accessKeyId, 'bogus']) {
      assert.ok(!text.includes(secret), `the scrape contains ${secret}`);
    }
  });
});

describe('operations endpoints, cluster mode on Redis', () => {
  let redis: OwnRedisServer;
  let server: ServerProcess;
  let dataDir: string;
  after(async () => {
    await server?.stop();
    await redis?.destroy();
    await removeDir(dataDir);
  });

  it('reports Redis in /readyz, names it when it is down, and recovers when it is back', async () => {
    redis = await startRedisServer();
    dataDir = await makeDataDir('securevod-ops-redis-');
    server = await startServerProcess({
      dataDir,
      env: { SECUREVOD_REDIS_URL: redis.url, SECUREVOD_REDIS_PREFIX: 'svtest-ops' },
    });
    const up = await readyzUntil(server.url, (r) => r.code === 200);
    assert.deepEqual(Object.keys(up.body.checks).sort(), ['database', 'kms', 'redis', 'storage']);

    await redis.kill9();
    const down = await readyzUntil(server.url, (r) => r.code === 503);
    assert.equal(down.body.status, 'not-ready');
    assert.equal(down.body.checks.redis?.status, 'failed');
    assert.ok(down.body.checks.redis?.error, 'says why');
    assert.equal(down.body.checks.database?.status, 'ok', 'the others are still fine');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'alive, just not ready');
    const metrics = await fetch(`${server.url}/metrics`);
    assert.equal(metrics.status, 200, 'a scrape does not hang on a dead Redis');

    await redis.restart();
    const back = await readyzUntil(server.url, (r) => r.code === 200);
    assert.equal(back.body.checks.redis?.status, 'ok');
  });
});
