/**
 * Issue 11 item 6, the red-team's input findings, each against the real server binary through
 * the vendor's client or raw HTTP as an attacker would send it: duplicate parameters (RPC, key
 * and media URLs), JSON bodies with array values, a `null` /play/refresh payload, a far-future
 * EndTime, 1 MB FileName / StorageLocation. Each answers a 4xx naming the field, never a 500.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { canonicalize, percentEncode, signRpcString, stringToSign } from '@securevod/crypto';
import {
  makeDataDir,
  removeDir,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../support/server-process.js';
import { POST, popError, popTimestamp, vodClient } from '../support/vod-client.js';

interface ErrorBody {
  Code: string;
  Message: string;
}

describe('input hygiene at the boundary', () => {
  let server: ServerProcess;
  let dataDir: string;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir });
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  /** A correctly signed v1 query for `params` (as pop-core builds it). */
  async function signedQuery(params: Record<string, string>): Promise<string> {
    const all = {
      Format: 'JSON',
      Version: '2017-03-21',
      AccessKeyId: TEST_ROOT_KEY.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: randomUUID(),
      Timestamp: popTimestamp(new Date()),
      ...params,
    };
    const signature = await signRpcString(TEST_ROOT_KEY.accessKeySecret, stringToSign('GET', all));
    return `${canonicalize(all)}&Signature=${percentEncode(signature)}`;
  }

  async function errorOf(res: Response): Promise<{ status: number; body: ErrorBody }> {
    return { status: res.status, body: (await res.json()) as ErrorBody };
  }

  test('RPC: a parameter given twice is refused, naming it (the last no longer wins)', async () => {
    const query = await signedQuery({ Action: 'GetVideoInfo', VideoId: 'a'.repeat(32) });
    const { status, body } = await errorOf(await fetch(`${server.url}/?${query}&VideoId=${'b'.repeat(32)}`));
    assert.equal(status, 400);
    assert.equal(body.Code, 'InvalidParameter');
    assert.match(body.Message, /"VideoId".*more than once/);
  });

  test('RPC: a parameter in both the query and the form body is refused', async () => {
    const query = await signedQuery({ Action: 'GetVideoInfo', VideoId: 'a'.repeat(32) });
    const res = await fetch(`${server.url}/?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `VideoId=${'b'.repeat(32)}`,
    });
    const { status, body } = await errorOf(res);
    assert.equal(status, 400);
    assert.match(body.Message, /"VideoId".*more than once/);
  });

  test('RPC: JSON bodies (with array values) are refused, naming Content-Type', async () => {
    for (const json of [
      { Action: 'UpdateAccessKey', Version: '2017-03-21', AccessKeyId: ['a', 'b'], Status: 'Inactive' },
      { Action: ['GetVideoInfo'] },
    ]) {
      const res = await fetch(`${server.url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(json),
      });
      const { status, body } = await errorOf(res);
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(body.Code, 'InvalidParameter');
      assert.match(body.Message, /"Content-Type"/);
    }
    const xml = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<Action>GetVideoInfo</Action>',
    });
    assert.equal(xml.status, 400);
  });

  test('RPC: 1 MB FileName and StorageLocation are refused with LengthExceededMax', async () => {
    const vod = vodClient(server.url);
    // 1 MB: over the body limit before any parameter is read; 2 KB: over the parameter's limit.
    for (const size of [1024 * 1024, 2048]) {
      const big = 'x'.repeat(size);
      for (const [name, params] of [
        ['FileName', { Title: 't', FileName: `${big}.mp4` }],
        ['StorageLocation', { Title: 't', FileName: 'a.mp4', StorageLocation: big }],
      ] as const) {
        const err = await popError(vod.request('CreateUploadVideo', params, POST));
        assert.equal(err.entry.response.statusCode, 400);
        assert.equal(err.data.Code, 'LengthExceededMax');
        const field = size > 4096 ? 'request body' : name;
        assert.match(err.data.Message, new RegExp(`${field} length has exceeded`));
      }
    }
    const list = await vod.request<{ Total: number }>('GetVideoList', {});
    assert.equal(list.Total, 0, 'no video was created');
  });

  test('RPC: GetVideoList with EndTime=+275760-09-13T00:00:00Z is a 400, not a 500', async () => {
    const err = await popError(
      vodClient(server.url).request('GetVideoList', { EndTime: '+275760-09-13T00:00:00Z' }),
    );
    assert.equal(err.entry.response.statusCode, 400);
    assert.equal(err.data.Code, 'InvalidParameter');
    assert.match(err.data.Message, /"EndTime"/);
  });

  test('/play/refresh with a null (or array, or number) payload is a 403, not a 500', async () => {
    for (const payload of ['null', '[1]', '7', '"x"']) {
      const token = `e30.${Buffer.from(payload).toString('base64url')}.c2ln`;
      const res = await fetch(`${server.url}/play/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Token: token }),
      });
      const { status, body } = await errorOf(res);
      assert.equal(status, 403, payload);
      assert.equal(body.Code, 'MediaTokenInvalid');
    }
  });

  test('key and media URLs: a token given twice is refused, naming it', async () => {
    for (const path of [
      '/keys/hls/v1/s1/0?MtsHlsUriToken=a&MtsHlsUriToken=b',
      '/keys/hls/v1/s1/0?token=a&token=b',
      '/media/v1/s1/index.m3u8?token=a&token=b',
      '/download/v1?PlayAuth=a&PlayAuth=b',
    ]) {
      const { status, body } = await errorOf(await fetch(`${server.url}${path}`));
      assert.equal(status, 400, path);
      assert.equal(body.Code, 'InvalidParameter', path);
      assert.match(body.Message, /more than once/, path);
    }
  });

  test('no input above answered a 500', () => {
    assert.doesNotMatch(server.output(), /"statusCode":5\d\d/);
  });
});
