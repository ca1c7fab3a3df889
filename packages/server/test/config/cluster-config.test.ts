/**
 * The cluster settings (S3 storage, KMS choice) as `loadServerConfig` reads them: defaults stay
 * the embedded ones, valid combinations parse, and every invalid one fails naming the setting.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadServerConfig } from '../../src/config/server-config.js';

const load = (env: Record<string, string>) =>
  loadServerConfig({ flags: { dataDir: '/srv/vod' }, env, cwd: '/' });

function problems(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('cluster configuration', () => {
  it('keeps the embedded defaults: data-dir storage and key ring', () => {
    const config = load({});
    assert.deepEqual(config.storage, { kind: 'local', root: '/srv/vod/storage' });
    assert.deepEqual(config.kms, { kind: 'local', dir: '/srv/vod/kms' });
    assert.deepEqual(load({ SECUREVOD_KMS_DIR: '/run/secrets/kms' }).kms, {
      kind: 'local',
      dir: '/run/secrets/kms',
    });
  });

  it('switches storage to S3 with a bucket; path style follows the endpoint unless set', () => {
    assert.deepEqual(load({ SECUREVOD_S3_BUCKET: 'vod-media' }).storage, {
      kind: 's3',
      bucket: 'vod-media',
      endpoint: undefined,
      region: 'us-east-1',
      credentials: undefined,
      forcePathStyle: false,
    });
    const minio = load({
      SECUREVOD_S3_BUCKET: 'vod-media',
      SECUREVOD_S3_ENDPOINT: 'http://minio:9000/',
      SECUREVOD_S3_REGION: 'eu-central-1',
      SECUREVOD_S3_ACCESS_KEY_ID: 'minio',
      SECUREVOD_S3_SECRET_ACCESS_KEY: 'minio-secret',
    }).storage;
    assert.deepEqual(minio, {
      kind: 's3',
      bucket: 'vod-media',
      endpoint: 'http://minio:9000',
      region: 'eu-central-1',
      credentials: { accessKeyId: 'minio', secretAccessKey: 'minio-secret' },
      forcePathStyle: true,
    });
    const oss = load({
      SECUREVOD_S3_BUCKET: 'vod-media',
      SECUREVOD_S3_ENDPOINT: 'https://oss-cn-hangzhou.aliyuncs.com',
      SECUREVOD_S3_FORCE_PATH_STYLE: 'false',
    }).storage;
    assert.equal(oss.kind === 's3' && oss.forcePathStyle, false);
  });

  it('selects the HSM with SECUREVOD_KMS=pkcs11', () => {
    assert.deepEqual(
      load({
        SECUREVOD_KMS: 'pkcs11',
        SECUREVOD_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so',
        SECUREVOD_PKCS11_TOKEN_LABEL: 'vod',
        SECUREVOD_PKCS11_PIN: ' 1234 ',
      }).kms,
      {
        kind: 'pkcs11',
        modulePath: '/usr/lib/softhsm/libsofthsm2.so',
        slot: undefined,
        tokenLabel: 'vod',
        pin: ' 1234 ',
        keyLabel: 'securevod-master',
      },
    );
  });

  const refusals: [string, Record<string, string>, RegExp][] = [
    [
      'S3 settings without a bucket',
      { SECUREVOD_S3_ENDPOINT: 'http://minio:9000' },
      /^SECUREVOD_S3_ENDPOINT: is set but SECUREVOD_S3_BUCKET is not/,
    ],
    [
      'a bad bucket name',
      { SECUREVOD_S3_BUCKET: 'Vod_Media' },
      /^SECUREVOD_S3_BUCKET: "Vod_Media" is not a bucket name/,
    ],
    [
      'an endpoint with credentials',
      { SECUREVOD_S3_BUCKET: 'vod', SECUREVOD_S3_ENDPOINT: 'http://a:b@minio' },
      /^SECUREVOD_S3_ENDPOINT: /,
    ],
    [
      'half a key pair',
      { SECUREVOD_S3_BUCKET: 'vod', SECUREVOD_S3_ACCESS_KEY_ID: 'x' },
      /^SECUREVOD_S3_ACCESS_KEY_ID and SECUREVOD_S3_SECRET_ACCESS_KEY must be set together/,
    ],
    [
      'a path-style value',
      { SECUREVOD_S3_BUCKET: 'vod', SECUREVOD_S3_FORCE_PATH_STYLE: 'maybe' },
      /^SECUREVOD_S3_FORCE_PATH_STYLE: "maybe" must be true or false/,
    ],
    ['an unknown KMS', { SECUREVOD_KMS: 'vault' }, /^SECUREVOD_KMS: "vault" must be local or pkcs11/],
    [
      'PKCS#11 settings with the local KMS',
      { SECUREVOD_PKCS11_PIN: '1234' },
      /^SECUREVOD_PKCS11_PIN: is set but SECUREVOD_KMS is local/,
    ],
    [
      'both slot and token label',
      {
        SECUREVOD_KMS: 'pkcs11',
        SECUREVOD_PKCS11_MODULE: '/lib/x.so',
        SECUREVOD_PKCS11_SLOT: '1',
        SECUREVOD_PKCS11_TOKEN_LABEL: 't',
        SECUREVOD_PKCS11_PIN: '1',
      },
      /^SECUREVOD_PKCS11_SLOT or SECUREVOD_PKCS11_TOKEN_LABEL: set exactly one/,
    ],
    [
      'a relative module path and no PIN',
      { SECUREVOD_KMS: 'pkcs11', SECUREVOD_PKCS11_MODULE: 'libsofthsm2.so', SECUREVOD_PKCS11_SLOT: '0' },
      /^SECUREVOD_PKCS11_MODULE: the absolute path/,
    ],
    [
      'a non-numeric slot',
      {
        SECUREVOD_KMS: 'pkcs11',
        SECUREVOD_PKCS11_MODULE: '/lib/x.so',
        SECUREVOD_PKCS11_SLOT: 'first',
        SECUREVOD_PKCS11_PIN: '1',
      },
      /^SECUREVOD_PKCS11_SLOT: "first" must be a slot ID/,
    ],
  ];
  for (const [what, env, pattern] of refusals) {
    it(`fails at start on ${what}, naming the setting`, () => {
      const found = problems(env);
      assert.ok(
        found.some((p) => pattern.test(p)),
        found.join('\n'),
      );
    });
  }

  it('never echoes the PIN or the S3 secret in a problem', () => {
    const found = problems({
      SECUREVOD_KMS: 'pkcs11',
      SECUREVOD_PKCS11_PIN: 'pin-0000-secret',
      SECUREVOD_S3_ACCESS_KEY_ID: 'id',
      SECUREVOD_S3_SECRET_ACCESS_KEY: 's3-secret-value',
    }).join('\n');
    assert.ok(!found.includes('pin-0000-secret') && !found.includes('s3-secret-value'), found);
  });
});
