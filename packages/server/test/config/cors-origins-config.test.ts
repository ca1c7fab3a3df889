/** `SECUREVOD_CORS_ORIGINS`: a list of exact origins, validated with a message naming the setting. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadServerConfig } from '../../src/config/server-config.js';
import { corsOptionsFor } from '../../src/http/cors-policy.js';

const load = (value: string | undefined) =>
  loadServerConfig({
    flags: {},
    env: value === undefined ? {} : { SECUREVOD_CORS_ORIGINS: value },
    cwd: '/tmp',
  });

describe('SECUREVOD_CORS_ORIGINS', () => {
  test('unset means no origin; a list is trimmed', () => {
    assert.deepEqual(load(undefined).corsOrigins, []);
    assert.deepEqual(load(' https://console.example.com , http://localhost:5173 ').corsOrigins, [
      'https://console.example.com',
      'http://localhost:5173',
    ]);
  });

  for (const bad of [
    '*',
    'console.example.com',
    'https://console.example.com/',
    'https://a.example/path',
    'ftp://a.example',
  ]) {
    test(`"${bad}" is refused naming the setting`, () => {
      assert.throws(
        () => load(bad),
        (e: unknown) =>
          e instanceof ConfigError && e.problems.some((p) => p.startsWith('SECUREVOD_CORS_ORIGINS')),
      );
    });
  }

  test('the policy: token routes for any origin, the RPC endpoint only for listed ones', () => {
    const config = { apiOrigins: ['https://console.example.com'], uploadPrefix: '/securevod/' };
    for (const path of [
      '/play/info',
      '/media/x/hls/a.m3u8',
      '/keys/hls/a/b/0',
      '/download/v',
      '/sdk/securevod-player.js',
    ]) {
      assert.equal(corsOptionsFor(path, 'https://site.example', config).origin, '*', path);
    }
    assert.deepEqual(corsOptionsFor('/', 'https://console.example.com', config).origin, [
      'https://console.example.com',
    ]);
    assert.equal(corsOptionsFor('/', 'https://site.example', config).origin, false);
    assert.deepEqual(corsOptionsFor('/securevod/v/a.mp4', 'https://console.example.com', config).origin, [
      'https://console.example.com',
    ]);
    assert.equal(corsOptionsFor('/console/', 'https://console.example.com', config).origin, false);
    assert.equal(
      corsOptionsFor('/', 'https://console.example.com', { ...config, apiOrigins: [] }).origin,
      false,
    );
  });
});
