/**
 * Signature V3 refusals against the real server binary, each with its code and HTTP status
 * (reference vod-api-more §1.6–1.7; the choices for UNCONFIRMED cases are in docs/api.md).
 * The requests are signed as openapi-client signs them (`signRequestV3`) and then broken the way
 * an attacker or a broken client would: the vendor's client cannot be made to send them.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { signRequestV3, type SignRequestV3Input } from '../../src/rpc/signature-v3.js';
import { popError, vodClient } from '../support/vod-client.js';
import {
  makeDataDir,
  removeDir,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../support/server-process.js';

interface Reply {
  status: number;
  contentType: string;
  allowOrigin: string | undefined;
  body: { Code?: string; Message?: string; RequestId?: string; [key: string]: unknown };
}

/** Sends a POST to `/` with exactly these headers (node:http: fetch would drop `host`). */
function send(
  url: string,
  headers: Record<string, string>,
  query: Record<string, string> = {},
  body = '',
): Promise<Reply> {
  const target = new URL(url);
  const qs = new URLSearchParams(query).toString().replace(/\+/g, '%20');
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, method: 'POST', path: `/${qs ? `?${qs}` : ''}`, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type']),
            allowOrigin: res.headers['access-control-allow-origin'] as string | undefined,
            body: JSON.parse(text) as Reply['body'],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('signature V3 refusals (real server)', () => {
  let server: ServerProcess;
  let dataDir: string;
  let host: string;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir });
    host = new URL(server.url).host;
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  const signed = (overrides: Partial<SignRequestV3Input> = {}) =>
    signRequestV3({
      method: 'POST',
      host,
      action: 'ListTranscodeTemplateGroup',
      version: '2017-03-21',
      ...TEST_ROOT_KEY,
      query: {},
      ...overrides,
    });

  const expectError = (reply: Reply, code: string, status: number, message?: RegExp) => {
    assert.equal(reply.body.Code, code, `expected ${code}, got ${JSON.stringify(reply.body)}`);
    assert.equal(reply.status, status);
    assert.match(reply.contentType, /^application\/json/);
    assert.ok(reply.body.RequestId && reply.body.Message);
    if (message) assert.match(reply.body.Message ?? '', message);
  };

  test('a correctly signed request passes (the baseline every refusal below breaks)', async () => {
    const reply = await send(server.url, signed({ action: 'ListTranscodeTemplateGroup' }));
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.ok(Array.isArray(reply.body.TranscodeTemplateGroupList));
    // Without SECUREVOD_CORS_ORIGINS the RPC endpoint sends no CORS headers to any origin.
    const fromPage = await send(server.url, {
      ...signed({ action: 'ListTranscodeTemplateGroup' }),
      origin: 'http://site.example',
    });
    assert.equal(fromPage.status, 200);
    assert.equal(fromPage.allowOrigin, undefined);
  });

  test('bad signature → SignatureDoesNotMatch 400, the string to sign echoed', async () => {
    const headers = signed({ action: 'ListTranscodeTemplateGroup', accessKeySecret: 'not-the-secret' });
    expectError(
      await send(server.url, headers),
      'SignatureDoesNotMatch',
      400,
      /server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64}/,
    );
  });

  test('a query parameter changed after signing → SignatureDoesNotMatch 400', async () => {
    const headers = signed({ action: 'GetVideoInfo', query: { VideoId: 'a' } });
    expectError(await send(server.url, headers, { VideoId: 'b' }), 'SignatureDoesNotMatch', 400);
  });

  test('stale x-acs-date (16 minutes) → InvalidTimeStamp.Expired 400; malformed → InvalidTimeStamp.Format 400', async () => {
    const stale = new Date(Date.now() - 16 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expectError(await send(server.url, signed({ date: stale })), 'InvalidTimeStamp.Expired', 400);
    expectError(
      await send(server.url, signed({ date: '2026-01-01 00:00:00' })),
      'InvalidTimeStamp.Format',
      400,
    );
  });

  test('reused x-acs-signature-nonce → SignatureNonceUsed 400, also across v1 and V3', async () => {
    const nonce = `nonce-${Date.now()}-${Math.random()}`;
    const first = await send(server.url, signed({ action: 'ListTranscodeTemplateGroup', nonce }));
    assert.equal(first.status, 200);
    const again = signed({ action: 'ListTranscodeTemplateGroup', nonce });
    expectError(await send(server.url, again), 'SignatureNonceUsed', 400);
    // The same nonce in a v1 request of the same AccessKey (pop-core lets the caller set it).
    const v1 = await popError(
      vodClient(server.url).request('ListTranscodeTemplateGroup', { SignatureNonce: nonce }),
    );
    assert.equal(v1.code, 'SignatureNonceUsed');
    assert.equal(v1.entry.response.statusCode, 400);
  });

  test('missing x-acs-action → MissingParameter 400 naming the header', async () => {
    const { 'x-acs-action': _removed, ...headers } = signed();
    expectError(await send(server.url, headers), 'MissingParameter', 400, /"x-acs-action"/);
  });

  test('body altered after signing → SignatureDoesNotMatch 400 naming x-acs-content-sha256', async () => {
    const contentType = 'application/x-www-form-urlencoded';
    const headers = signed({ action: 'GetVideoInfo', body: 'VideoId=a', contentType });
    const reply = await send(server.url, headers, {}, 'VideoId=b');
    expectError(reply, 'SignatureDoesNotMatch', 400, /x-acs-content-sha256/);
  });

  test('a form body that matches its hash is accepted and its parameters reach the action', async () => {
    const contentType = 'application/x-www-form-urlencoded';
    const headers = signed({ action: 'GetVideoInfo', body: 'VideoId=no-such-video', contentType });
    expectError(await send(server.url, headers, {}, 'VideoId=no-such-video'), 'InvalidVideo.NotFound', 404);
  });

  test('a JSON body (which V3 cannot verify here) → InvalidParameter 400 naming Content-Type', async () => {
    const body = '{"VideoId":"a"}';
    const headers = signed({ action: 'GetVideoInfo', body, contentType: 'application/json' });
    expectError(await send(server.url, headers, {}, body), 'InvalidParameter', 400, /"Content-Type"/);
  });

  test('unknown AccessKey → InvalidAccessKeyId.NotFound 404', async () => {
    const headers = signed({ accessKeyId: 'SVAKNOSUCHKEY00000000', accessKeySecret: 'x' });
    expectError(await send(server.url, headers), 'InvalidAccessKeyId.NotFound', 404);
  });

  test('missing or malformed Authorization → IncompleteSignature 400', async () => {
    const { authorization, ...unsigned } = signed();
    expectError(await send(server.url, unsigned), 'IncompleteSignature', 400, /missing/);
    const spaced = authorization?.replace(',SignedHeaders', ', SignedHeaders') ?? '';
    expectError(
      await send(server.url, { ...unsigned, authorization: spaced }),
      'IncompleteSignature',
      400,
      /malformed/,
    );
    const sm3 = authorization?.replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3') ?? '';
    expectError(
      await send(server.url, { ...unsigned, authorization: sm3 }),
      'IncompleteSignature',
      400,
      /ACS3-HMAC-SM3/,
    );
  });

  test('an x-acs-* header added after signing → IncompleteSignature 400 naming it', async () => {
    const headers = { ...signed(), 'x-acs-security-token': 'smuggled' };
    expectError(await send(server.url, headers), 'IncompleteSignature', 400, /x-acs-security-token/);
  });

  test('missing x-acs-version → MissingParameter 400; unknown version → InvalidVersion 400', async () => {
    const { 'x-acs-version': _removed, ...headers } = signed();
    expectError(await send(server.url, headers), 'MissingParameter', 400, /"x-acs-version"/);
    expectError(
      await send(server.url, signed({ version: '2099-01-01' })),
      'InvalidVersion',
      400,
      /2017-03-21/,
    );
  });
});
