/** Settings added to `loadServerConfig` by issue 14: the abandoned-upload age. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadServerConfig } from '../../src/config/server-config.js';

const load = (env: Record<string, string>) => loadServerConfig({ flags: {}, env, cwd: '/srv/vod' });

describe('SECUREVOD_ABANDONED_UPLOAD_SECONDS', () => {
  it('defaults to one day; 0 turns the sweep off', () => {
    assert.equal(load({}).abandonedUploadMaxIdleMs, 86_400_000);
    assert.equal(load({ SECUREVOD_ABANDONED_UPLOAD_SECONDS: '0' }).abandonedUploadMaxIdleMs, 0);
    assert.equal(load({ SECUREVOD_ABANDONED_UPLOAD_SECONDS: '3600' }).abandonedUploadMaxIdleMs, 3_600_000);
  });

  for (const bad of ['-1', '1.5', '1h', '31536001']) {
    it(`refuses ${JSON.stringify(bad)}, naming the variable`, () => {
      assert.throws(
        () => load({ SECUREVOD_ABANDONED_UPLOAD_SECONDS: bad }),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.problems.length === 1 &&
          e.problems[0]!.startsWith(`SECUREVOD_ABANDONED_UPLOAD_SECONDS: "${bad}"`),
      );
    });
  }
});
