/**
 * The Redis, metrics and drain settings of `loadServerConfig` (docs/configuration.md): without them the
 * embedded default is unchanged; bad values fail at start naming the setting.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadServerConfig } from '../../src/config/server-config.js';

const load = (env: Record<string, string>) => loadServerConfig({ flags: {}, env, cwd: '/srv' });

function problems(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('cluster-mode configuration', () => {
  it('keeps the embedded default without SECUREVOD_REDIS_URL', () => {
    const config = load({});
    assert.equal(config.redis, undefined);
    assert.equal(config.metricsToken, undefined);
    assert.equal(config.shutdownGraceMs, 25_000);
  });

  it('reads Redis, its key prefix, the metrics token and the shutdown grace', () => {
    const config = load({
      SECUREVOD_REDIS_URL: 'redis://:pw@redis.internal:6380/2',
      SECUREVOD_REDIS_PREFIX: 'school-a',
      SECUREVOD_METRICS_TOKEN: 'a-long-enough-token-123',
      SECUREVOD_SHUTDOWN_GRACE_MS: '0',
    });
    assert.deepEqual(config.redis, { url: 'redis://:pw@redis.internal:6380/2', keyPrefix: 'school-a:' });
    assert.equal(config.metricsToken, 'a-long-enough-token-123');
    assert.equal(config.shutdownGraceMs, 0);
    assert.equal(load({ SECUREVOD_REDIS_URL: 'rediss://redis.internal' }).redis?.keyPrefix, 'securevod:');
  });

  it('names each bad setting', () => {
    assert.deepEqual(problems({ SECUREVOD_REDIS_URL: 'http://redis' }), [
      'SECUREVOD_REDIS_URL: must be redis://[user:password@]host[:port][/db] or rediss://… for TLS',
    ]);
    assert.match(problems({ SECUREVOD_REDIS_URL: 'redis://h/x' })[0]!, /^SECUREVOD_REDIS_URL:/);
    assert.match(
      problems({ SECUREVOD_REDIS_URL: 'redis://h', SECUREVOD_REDIS_PREFIX: 'a:b' })[0]!,
      /^SECUREVOD_REDIS_PREFIX:/,
    );
    assert.match(
      problems({ SECUREVOD_REDIS_PREFIX: 'alone' })[0]!,
      /^SECUREVOD_REDIS_PREFIX: set SECUREVOD_REDIS_URL/,
    );
    assert.match(problems({ SECUREVOD_METRICS_TOKEN: 'short' })[0]!, /^SECUREVOD_METRICS_TOKEN:/);
    assert.match(
      problems({ SECUREVOD_METRICS_TOKEN: 'has a space in it 12345' })[0]!,
      /^SECUREVOD_METRICS_TOKEN:/,
    );
    assert.match(problems({ SECUREVOD_SHUTDOWN_GRACE_MS: '-1' })[0]!, /^SECUREVOD_SHUTDOWN_GRACE_MS:/);
  });
});
