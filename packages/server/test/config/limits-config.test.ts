/** Timeouts, body limit, connection cap and rate limits read from the environment (limits-config.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadLimitsConfig } from '../../src/config/limits-config.js';

describe('loadLimitsConfig', () => {
  test('documented defaults', () => {
    const problems: string[] = [];
    const { http, rateLimits } = loadLimitsConfig({}, problems);
    assert.deepEqual(problems, []);
    assert.deepEqual(http, {
      headersTimeoutMs: 20_000,
      idleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 5_000,
      bodyTimeoutMs: 30_000,
      uploadBodyTimeoutMs: 3_600_000,
      bodyLimitBytes: 262_144,
      maxConnectionsPerClient: 256,
    });
    assert.deepEqual(rateLimits, {
      windowMs: 60_000,
      rpcPerAccessKey: 6_000,
      playPerClient: 600,
      keysPerClient: 6_000,
      keysPerToken: 600,
      downloadPerClient: 120,
    });
  });

  test('bad values are named; 0 turns a limit off', () => {
    const problems: string[] = [];
    const { rateLimits } = loadLimitsConfig(
      {
        SECUREVOD_BODY_TIMEOUT_MS: 'soon',
        SECUREVOD_RATE_LIMIT_KEYS: '0',
        SECUREVOD_UPLOAD_BODY_TIMEOUT_MS: '1000',
      },
      problems,
    );
    assert.equal(rateLimits.keysPerClient, 0);
    assert.ok(
      problems.some((p) => p.startsWith('SECUREVOD_BODY_TIMEOUT_MS: "soon"')),
      problems.join('\n'),
    );
    assert.ok(problems.some((p) => p.includes('SECUREVOD_UPLOAD_BODY_TIMEOUT_MS must not be shorter')));
  });
});
