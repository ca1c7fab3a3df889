// The console's WebCrypto signer against the server's Node signer: same canonical string, same
// signature, for ordinary and awkward parameter sets (Node 20 has WebCrypto, so both run here;
// browser-units.test.ts runs the browser build of the signer in Chromium as well).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import * as browser from '../src/api/rpc-signature.js';
import * as node from '../../server/src/rpc/signature.js';

const AWKWARD = [
  'plain',
  'with space',
  "!'()*",
  '~-_.',
  'a+b=c&d',
  '/slash/and?query#hash',
  'ünïcödé ✓ 中文',
  '😀 emoji',
  '%41 already encoded',
  '',
  JSON.stringify([
    { Definition: 'SD', Video: { Bitrate: '500' }, EncryptSetting: { EncryptType: 'HLSEncryption' } },
  ]),
];

function randomParams(seed: number): Record<string, string> {
  const params: Record<string, string> = {
    Format: 'JSON',
    Version: '2017-03-21',
    AccessKeyId: `SVAK${seed}`,
    SignatureMethod: 'HMAC-SHA1',
    Timestamp: '2026-01-02T03:04:05Z',
    SignatureVersion: '1.0',
    SignatureNonce: randomBytes(8).toString('hex'),
    Action: 'GetVideoList',
  };
  for (let i = 0; i < 6; i++) {
    const name =
      i % 2 === 0 ? `Param${i}` : `p_${AWKWARD[(seed + i) % AWKWARD.length]!.replace(/\W/g, '')}${i}`;
    params[name] = AWKWARD[(seed * 7 + i) % AWKWARD.length]!;
  }
  return params;
}

describe('browser RPC signer', () => {
  it('percent-encodes exactly like the server', () => {
    for (const value of AWKWARD) assert.equal(browser.percentEncode(value), node.percentEncode(value), value);
  });

  it('builds the same string to sign for GET and POST', () => {
    for (let seed = 0; seed < 30; seed++) {
      const params = randomParams(seed);
      assert.equal(browser.stringToSign('POST', params), node.stringToSign('POST', params));
      assert.equal(browser.stringToSign('get', params), node.stringToSign('GET', params));
    }
  });

  it('produces the same signature as the Node signer', async () => {
    for (let seed = 0; seed < 30; seed++) {
      const params = randomParams(seed);
      const secret =
        seed % 3 === 0 ? 'test-root-secret-0123456789abcdef' : randomBytes(24).toString('base64url');
      for (const method of ['GET', 'POST'] as const) {
        assert.deepEqual(
          await browser.signParams(method, params, secret),
          node.signParams(method, params, secret),
        );
      }
    }
  });

  it('changes the signature when any value, the method or the secret changes', async () => {
    const params = randomParams(1);
    const base = await browser.sign('secret-a', browser.stringToSign('POST', params));
    assert.notEqual(await browser.sign('secret-b', browser.stringToSign('POST', params)), base);
    assert.notEqual(await browser.sign('secret-a', browser.stringToSign('GET', params)), base);
    assert.notEqual(
      await browser.sign('secret-a', browser.stringToSign('POST', { ...params, Action: 'GetVideoInfo' })),
      base,
    );
  });

  it('ignores an existing Signature parameter when canonicalising', () => {
    const params = randomParams(2);
    assert.equal(browser.canonicalize({ ...params, Signature: 'x' }), browser.canonicalize(params));
  });

  it('formats timestamps as pop-core does (UTC, seconds)', () => {
    assert.equal(browser.rpcTimestamp(new Date('2026-03-04T05:06:07.890Z')), '2026-03-04T05:06:07Z');
  });
});
