/**
 * GenerateDownloadSecretKey against the running server, through the unmodified pop-core client
 * (issue: foundation "must show"). Every failure is checked for Code and HTTP status.
 */
import { KeyFileError, decodeAppEncryptKey, openKeyFile } from '@securevod/crypto';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  filesContaining,
  makeDataDir,
  removeDir,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../support/server-process.js';
import { GET, POST, popError, popTimestamp, vodClient } from '../support/vod-client.js';

const ANDROID_APP = 'BB:0D:AC:74:D3:21:09:EF:9C:71:1A:5E:77:2C:8E:BF:03:FD:FA:5A';
const GOOD_KEY = 'AppDecryptKeyAndroid20230101';

interface GenerateResponse {
  RequestId: string;
  AppEncryptKey: string;
  AppIdentification: string;
  SecretVersion: number;
}

describe('GenerateDownloadSecretKey through @alicloud/pop-core', () => {
  let server: ServerProcess;
  let dataDir: string;
  const secretsSeen: Uint8Array[] = [];

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir });
  });

  after(async () => {
    await server?.stop();
    // Keys are sacred: no download secret and no AppDecryptKey may be anywhere in the data dir.
    const hits = await filesContaining(dataDir, [...secretsSeen, new TextEncoder().encode(GOOD_KEY)]);
    assert.deepEqual(hits, [], 'plaintext key material found on disk');
    assert.ok(!server.output().includes(GOOD_KEY), 'AppDecryptKey found in server output');
    await removeDir(dataDir);
  });

  for (const opts of [GET, POST]) {
    test(`${opts.method}: issues a key file that opens only with the right app and key`, async () => {
      const client = vodClient(server.url);
      const res = await client.request<GenerateResponse>(
        'GenerateDownloadSecretKey',
        { AppIdentification: ANDROID_APP.toLowerCase(), AppDecryptKey: GOOD_KEY },
        opts,
      );
      assert.match(res.RequestId, /^[0-9A-F-]{36}$/);
      assert.equal(res.AppIdentification, `android:${ANDROID_APP}`);
      assert.ok(Number.isInteger(res.SecretVersion) && res.SecretVersion >= 1);
      const file = decodeAppEncryptKey(res.AppEncryptKey);

      const opened = await openKeyFile(file, {
        appIdentification: ANDROID_APP,
        appDecryptKey: GOOD_KEY,
        extractable: true,
      });
      assert.equal(opened.secretVersion, res.SecretVersion);
      secretsSeen.push(new Uint8Array(await crypto.subtle.exportKey('raw', opened.secretKey)));

      await assert.rejects(
        openKeyFile(file, { appIdentification: ANDROID_APP, appDecryptKey: 'AppDecryptKeyAndroid20230102' }),
        (e: unknown) => e instanceof KeyFileError && e.code === 'NotLicensed',
      );
      await assert.rejects(
        openKeyFile(file, { appIdentification: 'com.example.other', appDecryptKey: GOOD_KEY }),
        (e: unknown) => e instanceof KeyFileError && e.code === 'NotLicensed',
      );
      const flipped = new Uint8Array(file);
      flipped[60] = (flipped[60] ?? 0) ^ 0x01;
      await assert.rejects(
        openKeyFile(flipped, { appIdentification: ANDROID_APP, appDecryptKey: GOOD_KEY }),
        (e: unknown) => e instanceof KeyFileError && e.code === 'NotLicensed',
      );
    });
  }

  test('each call issues a new secret version', async () => {
    const client = vodClient(server.url);
    const params = { AppIdentification: 'com.example.versions', AppDecryptKey: GOOD_KEY };
    const first = await client.request<GenerateResponse>('GenerateDownloadSecretKey', params, POST);
    const second = await client.request<GenerateResponse>('GenerateDownloadSecretKey', params, POST);
    assert.equal(second.SecretVersion, first.SecretVersion + 1);
    assert.notEqual(first.AppEncryptKey, second.AppEncryptKey);
  });

  const invalidKeys: Array<[string, string, RegExp]> = [
    ['15 characters', 'Abcdefghijklm12', /16 to 32/],
    ['33 characters', 'Abcdefghijklmnopqrstuvwxyz1234567', /16 to 32/],
    ['no digit', 'AbcdefghijklmnopQRS', /digit/],
    ['no uppercase letter', 'abcdefghijklmnop123', /uppercase/],
    ['a symbol', 'Abcdefghijk!mnop123', /letters and digits/],
  ];
  for (const [what, key, reason] of invalidKeys) {
    for (const opts of [GET, POST]) {
      test(`${opts.method}: AppDecryptKey with ${what} → InvalidParameter 400`, async () => {
        const err = await popError(
          vodClient(server.url).request(
            'GenerateDownloadSecretKey',
            { AppIdentification: ANDROID_APP, AppDecryptKey: key },
            opts,
          ),
        );
        assert.equal(err.code, 'InvalidParameter');
        assert.equal(err.entry.response.statusCode, 400);
        assert.match(err.data.Message, /"AppDecryptKey"/);
        assert.match(err.data.Message, reason);
        assert.ok(!err.data.Message.includes(key), 'the message must not echo the key');
      });
    }
  }

  for (const bad of ['BB:0D:AC', 'not an app id', 'ftp://example.com', 'https://example.com/path']) {
    test(`malformed AppIdentification "${bad}" → InvalidParameter 400 naming the field`, async () => {
      const err = await popError(
        vodClient(server.url).request('GenerateDownloadSecretKey', {
          AppIdentification: bad,
          AppDecryptKey: GOOD_KEY,
        }),
      );
      assert.equal(err.code, 'InvalidParameter');
      assert.equal(err.entry.response.statusCode, 400);
      assert.match(err.data.Message, /"AppIdentification"/);
    });
  }

  for (const missing of ['AppIdentification', 'AppDecryptKey']) {
    test(`missing ${missing} → MissingParameter 400`, async () => {
      const params: Record<string, string> = { AppIdentification: ANDROID_APP, AppDecryptKey: GOOD_KEY };
      delete params[missing];
      const err = await popError(vodClient(server.url).request('GenerateDownloadSecretKey', params, POST));
      assert.equal(err.code, 'MissingParameter');
      assert.equal(err.entry.response.statusCode, 400);
      assert.match(err.data.Message, new RegExp(`"${missing}"`));
    });
  }

  test('wrong secret → SignatureDoesNotMatch 400, string to sign echoed with the secret masked', async () => {
    const client = vodClient(server.url, { ...TEST_ROOT_KEY, accessKeySecret: 'not-the-right-secret' });
    const err = await popError(
      client.request('GenerateDownloadSecretKey', {
        AppIdentification: ANDROID_APP,
        AppDecryptKey: GOOD_KEY,
      }),
    );
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.entry.response.statusCode, 400);
    assert.match(err.data.Message, /server string to sign is:GET&%2F&AccessKeyId%3D/);
    assert.ok(!err.data.Message.includes(GOOD_KEY));
    assert.ok(err.data.RequestId && err.data.HostId && err.data.Recommend);
  });

  test('unknown AccessKeyId → InvalidAccessKeyId.NotFound 404', async () => {
    const client = vodClient(server.url, { accessKeyId: 'SVAKUNKNOWN0000000000', accessKeySecret: 'x' });
    const err = await popError(client.request('GenerateKMSDataKey', {}));
    assert.equal(err.code, 'InvalidAccessKeyId.NotFound');
    assert.equal(err.entry.response.statusCode, 404);
  });

  test('reused SignatureNonce → SignatureNonceUsed 400', async () => {
    const client = vodClient(server.url);
    const nonce = `nonce-${Date.now()}-${Math.random()}`;
    await client.request('GenerateKMSDataKey', { SignatureNonce: nonce });
    const err = await popError(client.request('GenerateKMSDataKey', { SignatureNonce: nonce }));
    assert.equal(err.code, 'SignatureNonceUsed');
    assert.equal(err.entry.response.statusCode, 400);
  });

  test('stale Timestamp (16 minutes old) → InvalidTimeStamp.Expired 400', async () => {
    const stale = popTimestamp(new Date(Date.now() - 16 * 60 * 1000));
    const err = await popError(vodClient(server.url).request('GenerateKMSDataKey', { Timestamp: stale }));
    assert.equal(err.code, 'InvalidTimeStamp.Expired');
    assert.equal(err.entry.response.statusCode, 400);
  });

  test('malformed Timestamp → InvalidTimeStamp.Format 400', async () => {
    const err = await popError(
      vodClient(server.url).request('GenerateKMSDataKey', { Timestamp: '2026-11-22 10:00:00' }),
    );
    assert.equal(err.code, 'InvalidTimeStamp.Format');
    assert.equal(err.entry.response.statusCode, 400);
  });

  test('unknown Action → InvalidApi.NotFound 404 as JSON', async () => {
    const err = await popError(vodClient(server.url).request('NoSuchAction', {}));
    assert.equal(err.code, 'InvalidApi.NotFound');
    assert.equal(err.entry.response.statusCode, 404);
  });

  test('wrong Version → error naming the version', async () => {
    const client = vodClient(server.url);
    const err = await popError(client.request('GenerateKMSDataKey', { Version: '2014-01-01' }));
    assert.equal(err.entry.response.statusCode, 400);
    assert.match(err.data.Message, /2017-03-21/);
  });
});
