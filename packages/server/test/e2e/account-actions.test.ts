/**
 * Operator actions: AccessKeys, download settings, app secret versions and revocation, test
 * callbacks and the delivery list — through pop-core against the running server.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { popError, vodClient } from '../support/vod-client.js';

describe('operator actions', () => {
  let server: ServerProcess;
  let dataDir: string;

  before(async () => {
    dataDir = await makeDataDir();
    // The callback receiver is on 127.0.0.1: callbacks may reach private addresses only with this.
    server = await startServerProcess({ dataDir, env: { SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1' } });
  });
  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  test('CreateAccessKey returns a working pair once; UpdateAccessKey disables it; the caller cannot lock itself out', async () => {
    const root = vodClient(server.url);
    const created = await root.request<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>(
      'CreateAccessKey',
      {
        Description: 'ci uploader',
      },
    );
    const pair = {
      accessKeyId: created.AccessKey.AccessKeyId,
      accessKeySecret: created.AccessKey.AccessKeySecret,
    };
    const second = vodClient(server.url, pair);
    await second.request('GetCustomerConfig', {});
    const list = await root.request<{
      AccessKeys: { AccessKey: Array<{ AccessKeyId: string; Status: string; IsRoot: boolean }> };
    }>('ListAccessKeys', {});
    assert.ok(list.AccessKeys.AccessKey.some((k) => k.AccessKeyId === pair.accessKeyId && !k.IsRoot));
    assert.ok(!JSON.stringify(list).includes(pair.accessKeySecret), 'secrets are never listed');
    await root.request('UpdateAccessKey', { UserAccessKeyId: pair.accessKeyId, Status: 'Inactive' });
    const refused = await popError(second.request('GetCustomerConfig', {}));
    assert.equal(refused.code, 'InvalidAccessKeyId.Inactive');
    assert.equal(refused.entry.response.statusCode, 403);
    const self = await popError(
      root.request('UpdateAccessKey', { UserAccessKeyId: 'SVAKTESTROOT000000000001', Status: 'Inactive' }),
    );
    assert.equal(self.code, 'InvalidParameter');
  });

  test('SetCustomerConfig / GetCustomerConfig with defaults and validation', async () => {
    const vod = vodClient(server.url);
    // With our extensions, off by default: the rental licence (e2e/download.test.ts) and the
    // concurrent-stream setting (e2e/stream-limits.test.ts).
    const limitsOff = {
      LicenseDuration: 0,
      MaxConcurrentStreams: 0,
      ConcurrentStreamsPolicy: 'RefuseNew',
      StreamLeaseInterval: 60,
      StreamLeaseGrace: 60,
    };
    assert.deepEqual(await strip(vod.request('GetCustomerConfig', {})), {
      DownloadSwitch: 'off',
      DownloadMode: 'Secure',
      ...limitsOff,
    });
    await vod.request('SetCustomerConfig', { DownloadSwitch: 'on' });
    assert.deepEqual(await strip(vod.request('GetCustomerConfig', {})), {
      DownloadSwitch: 'on',
      DownloadMode: 'Secure',
      ...limitsOff,
    });
    const bad = await popError(vod.request('SetCustomerConfig', { DownloadMode: 'Open' }));
    assert.equal(bad.code, 'InvalidParameter');
    assert.match(bad.data.Message, /DownloadMode/);
  });

  test('secret versions are listed and revoked', async () => {
    const vod = vodClient(server.url);
    const app = 'com.example.courses';
    for (let i = 0; i < 2; i++) {
      await vod.request('GenerateDownloadSecretKey', {
        AppIdentification: app,
        AppDecryptKey: 'CoursesApp2026key',
      });
    }
    await vod.request('RevokeDownloadSecretKey', { AppIdentification: app, SecretVersion: '1' });
    const res = await vod.request<{
      AppList: Array<{
        AppIdentification: string;
        Versions: Array<{ SecretVersion: number; Status: string }>;
      }>;
    }>('ListDownloadSecretKeys', { AppIdentification: app });
    assert.deepEqual(
      res.AppList[0]?.Versions.map((v) => [v.SecretVersion, v.Status]),
      [
        [1, 'Revoked'],
        [2, 'Active'],
      ],
    );
    const missing = await popError(
      vod.request('RevokeDownloadSecretKey', { AppIdentification: app, SecretVersion: '9' }),
    );
    assert.equal(missing.entry.response.statusCode, 404);
  });

  test('SendTestCallback delivers a signed TestEvent and ListCallbackDeliveries reports it', async () => {
    const received: Array<{ body: Record<string, unknown>; signature: unknown }> = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({
          body: JSON.parse(body) as Record<string, unknown>,
          signature: req.headers['x-vod-signature'],
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const vod = vodClient(server.url);
      const none = await popError(vod.request('SendTestCallback', {}));
      assert.equal(none.code, 'InvalidParameter');
      await vod.request('SetMessageCallback', {
        CallbackURL: url,
        EventTypeList: 'FileUploadComplete',
        AuthSwitch: 'on',
        AuthKey: 'TestKey2026',
      });
      await vod.request('SendTestCallback', {});
      const deadline = Date.now() + 10_000;
      while (received.length === 0) {
        assert.ok(Date.now() < deadline, 'the test event arrives');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(received[0]?.body.EventType, 'TestEvent');
      assert.match(String(received[0]?.signature), /^[0-9a-f]{32}$/);
      let deliveries: Array<{ EventType: string; Status: string }> = [];
      while (!deliveries.some((d) => d.Status === 'success')) {
        assert.ok(Date.now() < deadline);
        const res = await vod.request<{ CallbackDeliveries: { CallbackDelivery: typeof deliveries } }>(
          'ListCallbackDeliveries',
          {},
        );
        deliveries = res.CallbackDeliveries.CallbackDelivery;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(deliveries[0]?.EventType, 'TestEvent');
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});

async function strip(p: Promise<unknown>) {
  const { RequestId: _r, ...rest } = (await p) as Record<string, unknown>;
  return rest;
}
