/**
 * Signature V3 against the reference's worked examples (vod-api-more §1.8 A–D): the canonical
 * request, its hash and the signature, from the shared @securevod/crypto canonicalisation and the
 * server's node:crypto hashing.
 */
import {
  canonicalHeadersV3,
  canonicalQueryV3,
  canonicalRequestV3,
  EMPTY_BODY_SHA256,
  formatAuthorizationV3,
  parseAuthorizationV3,
} from '@securevod/crypto';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sha256Hex, signCanonicalRequestV3, signRequestV3 } from '../../src/rpc/signature-v3.js';

const COMMON = {
  'x-acs-content-sha256': EMPTY_BODY_SHA256,
  'x-acs-date': '2024-01-01T00:00:00Z',
  'x-acs-signature-nonce': '0123456789abcdef0123456789abcdef',
  'x-acs-version': '2017-03-21',
};

describe('signature V3 (ACS3-HMAC-SHA256), reference §1.8', () => {
  test('A: the official fixed vector (RunInstances)', () => {
    const headers = {
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
      'x-acs-content-sha256': EMPTY_BODY_SHA256,
      accept: 'application/json',
    };
    const { canonicalRequest, signedHeaders } = canonicalRequestV3({
      method: 'POST',
      uri: '/',
      query: Object.entries({
        ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd',
        RegionId: 'cn-shanghai',
      }),
      headers: Object.entries(headers),
      hashedPayload: EMPTY_BODY_SHA256,
    });
    assert.equal(
      canonicalRequest,
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action:RunInstances',
        `x-acs-content-sha256:${EMPTY_BODY_SHA256}`,
        'x-acs-date:2023-10-26T10:22:32Z',
        'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
        'x-acs-version:2014-05-26',
        '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        EMPTY_BODY_SHA256,
      ].join('\n'),
    );
    assert.equal(
      sha256Hex(canonicalRequest),
      '7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
    );
    const { stringToSign, signature } = signCanonicalRequestV3('YourAccessKeySecret', canonicalRequest);
    assert.equal(
      stringToSign,
      'ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
    );
    assert.equal(signature, '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
    const authorization = formatAuthorizationV3('YourAccessKeyId', signedHeaders, signature);
    assert.equal(
      authorization,
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
    assert.deepEqual(parseAuthorizationV3(authorization), {
      algorithm: 'ACS3-HMAC-SHA256',
      accessKeyId: 'YourAccessKeyId',
      signedHeaders: signedHeaders.split(';'),
      signature,
    });
  });

  test('B: the DARA unit-test vector (header merge, empty values)', () => {
    const headers: Array<[string, string]> = [
      ['x-acs-TEST', 'https'],
      ['x-acs-test', 'http'],
    ];
    assert.equal(canonicalQueryV3(Object.entries({ test: 'ok', empty: '' })), 'empty=&test=ok');
    assert.deepEqual(canonicalHeadersV3(headers), {
      canonical: 'x-acs-test:http,https\n',
      signedHeaders: 'x-acs-test',
      missing: [],
    });
    const { canonicalRequest, signedHeaders } = canonicalRequestV3({
      method: 'undefined',
      uri: '',
      query: Object.entries({ test: 'ok', empty: '' }),
      headers,
      hashedPayload: '55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23',
    });
    assert.ok(
      canonicalRequest.startsWith('undefined\n\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n'),
    );
    const { signature } = signCanonicalRequestV3('secret', canonicalRequest);
    assert.equal(
      formatAuthorizationV3('acesskey', signedHeaders, signature),
      'ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=0f2d549523cf082c83bb8135b5863614f7fe16ca7c2c7fc537e74d67374eeeac',
    );
  });

  test('C: VOD SearchMedia (query values with spaces, quotes and parentheses)', () => {
    const query = {
      Fields: 'Title,CoverURL',
      Match: "Title in ('Music') and Status = 'Normal'",
      PageNo: '1',
      PageSize: '10',
      SearchType: 'video',
    };
    assert.equal(
      canonicalQueryV3(Object.entries(query)),
      'Fields=Title%2CCoverURL&Match=Title%20in%20%28%27Music%27%29%20and%20Status%20%3D%20%27Normal%27&PageNo=1&PageSize=10&SearchType=video',
    );
    const headers = {
      host: 'vod.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'SearchMedia',
      ...COMMON,
      accept: 'application/json',
      'user-agent': 'AlibabaCloud (linux; x64) Node.js/v20 Core/1.0.1 TeaDSL/2',
    };
    const { canonicalRequest, signedHeaders } = canonicalRequestV3({
      method: 'POST',
      uri: '/',
      query: Object.entries(query),
      headers: Object.entries(headers),
      hashedPayload: EMPTY_BODY_SHA256,
    });
    assert.equal(
      signedHeaders,
      'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
    );
    assert.equal(
      sha256Hex(canonicalRequest),
      '2f488c7b5a14d8bd776af2d01220c110239b3a3190df1c0efb2ec68700f6e16a',
    );
    assert.equal(
      signCanonicalRequestV3('testAccessKeySecret', canonicalRequest).signature,
      '795f69ae24cf97f09bd1afe32883b5438ca5b5bb2851c3abf382e0fce2f26414',
    );
  });

  test('D: VOD UpdateVideoInfo with STS and UTF-8, through the request signer', () => {
    const headers = signRequestV3({
      method: 'POST',
      host: 'vod.cn-shanghai.aliyuncs.com',
      action: 'UpdateVideoInfo',
      version: '2017-03-21',
      accessKeyId: 'STS.testid',
      accessKeySecret: 'testAccessKeySecret',
      securityToken: 'testtoken',
      query: { VideoId: '93ab850b4f654b6e91d24d81d44bbf44', Title: '测试 video*1' },
      date: COMMON['x-acs-date'],
      nonce: COMMON['x-acs-signature-nonce'],
    });
    assert.equal(
      canonicalQueryV3(
        Object.entries({ VideoId: '93ab850b4f654b6e91d24d81d44bbf44', Title: '测试 video*1' }),
      ),
      'Title=%E6%B5%8B%E8%AF%95%20video%2A1&VideoId=93ab850b4f654b6e91d24d81d44bbf44',
    );
    assert.equal(
      headers.authorization,
      'ACS3-HMAC-SHA256 Credential=STS.testid,SignedHeaders=host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature=5495dfb7adc84a2aca4d8ccdfa3fd960c70dcfa2073a963ced6485d617d94df1',
    );
  });

  test('a verifier picks the signed headers from the Authorization list and reports absent ones', () => {
    const { signedHeaders, missing } = canonicalHeadersV3(
      [
        ['Host', 'a'],
        ['X-Acs-Date', 'd'],
      ],
      ['x-acs-date', 'host', 'x-acs-action'],
    );
    assert.equal(signedHeaders, 'host;x-acs-action;x-acs-date');
    assert.deepEqual(missing, ['x-acs-action']);
  });

  test('malformed Authorization headers are rejected by the parser', () => {
    for (const bad of [
      '',
      'ACS3-HMAC-SHA256',
      'ACS3-HMAC-SHA256 Credential=a, SignedHeaders=host,Signature=00',
      'ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;;x,Signature=00',
      'ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=zz',
    ]) {
      assert.equal(parseAuthorizationV3(bad), undefined, bad);
    }
  });
});
