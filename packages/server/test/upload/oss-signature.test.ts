import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildStringToSign,
  canonicalizedResource,
  computeSignature,
  constantTimeEqual,
  parseAuthorization,
} from '../../src/upload/oss-signature.js';
import { ossSignUtils } from './ali-oss-client.js';

const lower = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

describe('OSS signature V1', () => {
  it('reproduces the signature of the OSS documentation example (and ali-oss agrees)', () => {
    // The worked example of the OSS "Include signatures in the Authorization header" page.
    const secret = 'OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV';
    const headers = {
      'Content-MD5': 'ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=',
      'Content-Type': 'text/html',
      Date: 'Thu, 17 Nov 2005 18:49:58 GMT',
      'X-OSS-Meta-Author': 'foo@bar.com',
      'X-OSS-Magic': 'abracadabra',
    };
    const ours = buildStringToSign({
      method: 'PUT',
      headers: lower(headers),
      bucket: 'oss-example',
      objectKey: 'nelson',
      query: new URLSearchParams(),
    });
    assert.equal(
      ours,
      'PUT\nODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=\ntext/html\nThu, 17 Nov 2005 18:49:58 GMT\n' +
        'x-oss-magic:abracadabra\nx-oss-meta-author:foo@bar.com\n/oss-example/nelson',
    );
    assert.equal(computeSignature(secret, ours), '26NBxoKdsyly4EDv6inkoDft/yA=');
    // ali-oss takes the date from the Date argument slot only via x-oss-date; pass it the same way.
    const aliString = ossSignUtils.buildCanonicalString(
      'PUT',
      '/oss-example/nelson',
      { headers },
      headers.Date,
    );
    assert.equal(ossSignUtils.computeSignature(secret, aliString), '26NBxoKdsyly4EDv6inkoDft/yA=');
  });

  it('matches ali-oss for the requests put and multipartUpload send', () => {
    const secret = 'upload-secret';
    const base = {
      'x-oss-date': 'Sun, 22 Nov 2026 17:55:00 GMT',
      'x-oss-security-token': 'token-value',
      'User-Agent': 'aliyun-sdk-nodejs/6.23.0',
    };
    const cases: {
      method: string;
      headers: Record<string, string>;
      subres?: Record<string, string | number>;
    }[] = [
      {
        method: 'PUT',
        headers: { ...base, 'Content-Type': 'video/mp4', 'Content-MD5': 'XUFAKrxLKna5cZ2REBfFkg==' },
      },
      { method: 'PUT', headers: { ...base, 'Content-Type': 'video/mp4', 'x-oss-meta-title': ' padded ' } },
      { method: 'POST', headers: { ...base, 'Content-Type': 'video/mp4' }, subres: { uploads: '' } },
      {
        method: 'PUT',
        headers: { ...base, 'Content-Type': 'video/mp4' },
        subres: { uploadId: '0123456789ABCDEF0123456789ABCDEF', partNumber: 7 },
      },
      { method: 'POST', headers: { ...base, 'Content-Type': 'application/xml' }, subres: { uploadId: 'U1' } },
      { method: 'DELETE', headers: base, subres: { uploadId: 'U1' } },
      { method: 'GET', headers: { ...base }, subres: { uploadId: 'U1' } },
    ];
    for (const { method, headers, subres } of cases) {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(subres ?? {})) query.set(k, String(v));
      query.set('max-parts', '10'); // a plain query parameter: never signed
      const ours = buildStringToSign({
        method,
        headers: lower(headers),
        bucket: 'b',
        objectKey: 'dir/v.mp4',
        query,
      });
      const theirs = ossSignUtils.buildCanonicalString(method, '/b/dir/v.mp4', {
        headers,
        parameters: subres,
      });
      assert.equal(ours, theirs, `${method} ${JSON.stringify(subres)}`);
      assert.equal(computeSignature(secret, ours), ossSignUtils.computeSignature(secret, theirs));
    }
  });

  it('pins a signature ali-oss 6.23 computed for an UploadPart request', () => {
    const stringToSign = buildStringToSign({
      method: 'PUT',
      headers: {
        'x-oss-date': 'Sun, 22 Nov 2026 17:55:00 GMT',
        'x-oss-security-token': 'TOK',
        'content-type': 'application/octet-stream',
        'content-length': '102400',
      },
      bucket: 'mybucket',
      objectKey: 'x/y.mp4',
      query: new URLSearchParams('partNumber=1&uploadId=U1'),
    });
    assert.equal(computeSignature('SK', stringToSign), 'L/l58cOc3wProqsgWeFl5kt6iIo=');
  });

  it('signs the key unescaped and sub-resources sorted, without "=" when empty', () => {
    assert.equal(
      canonicalizedResource('b', 'a b+c.mp4', new URLSearchParams('uploads=')),
      '/b/a b+c.mp4?uploads',
    );
    assert.equal(
      canonicalizedResource('b', 'k', new URLSearchParams('uploadId=U&partNumber=2&max-parts=3')),
      '/b/k?partNumber=2&uploadId=U',
    );
    assert.equal(canonicalizedResource('', 'k', new URLSearchParams()), '/k');
  });

  it('parses V1 Authorization headers and recognises V4 ones', () => {
    assert.deepEqual(parseAuthorization('OSS STS.abc:L/l58cOc3wProqsgWeFl5kt6iIo='), {
      version: 1,
      accessKeyId: 'STS.abc',
      signature: 'L/l58cOc3wProqsgWeFl5kt6iIo=',
    });
    assert.deepEqual(parseAuthorization('OSS4-HMAC-SHA256 Credential=x,Signature=y'), { version: 4 });
    for (const bad of [undefined, '', 'OSS', 'OSS :sig', 'OSS id:', 'AWS id:sig', 'OSS id:sig extra']) {
      assert.equal(parseAuthorization(bad), undefined, String(bad));
    }
  });

  it('compares in constant time without accepting prefixes', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('abc', 'ab'), false);
    assert.equal(constantTimeEqual('', ''), true);
  });
});
