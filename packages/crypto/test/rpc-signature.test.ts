/** The shared RPC signature against the worked example of the vendor's docs (reference §1.3). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalize, percentEncode, signRpcString, stringToSign } from '../src/index.js';
import { sign as nodeSign } from '../../server/src/rpc/signature.js';

const EXAMPLE = {
  AccessKeyId: 'testAccessKeyId',
  Action: 'GetVideoPlayAuth',
  Format: 'JSON',
  SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '8f8a035d-6496-4268-afd4-67c22837e38d',
  SignatureVersion: '1.0',
  Timestamp: '2017-10-10T12:02:54Z',
  Version: '2017-03-21',
  VideoId: '5aed81b74ba84920be578cdfe004af4b',
};

test('the documented string to sign and signature, on WebCrypto and on node:crypto', async () => {
  const toSign = stringToSign('GET', { ...EXAMPLE, Signature: 'ignored' });
  assert.equal(
    toSign,
    'GET&%2F&AccessKeyId%3DtestAccessKeyId%26Action%3DGetVideoPlayAuth%26Format%3DJSON%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D8f8a035d-6496-4268-afd4-67c22837e38d%26SignatureVersion%3D1.0%26Timestamp%3D2017-10-10T12%253A02%253A54Z%26Version%3D2017-03-21%26VideoId%3D5aed81b74ba84920be578cdfe004af4b',
  );
  assert.equal(await signRpcString('testAccessKeySecret', toSign), 'Ibgh7y8Vp47LBuAsf5Xhi1SvDss=');
  assert.equal(nodeSign('testAccessKeySecret', toSign), 'Ibgh7y8Vp47LBuAsf5Xhi1SvDss=');
});

test('RFC 3986 encoding: space as %20, * and ! and quotes encoded, ~ kept; names sorted after encoding', () => {
  assert.equal(percentEncode("a b*c!d'e(f)g~h/é"), 'a%20b%2Ac%21d%27e%28f%29g~h%2F%C3%A9');
  assert.equal(canonicalize({ b: '2', a: '1', Signature: 'x' }), 'a=1&b=2');
});
