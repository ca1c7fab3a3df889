import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import {
  MAX_TOKEN_LENGTH,
  assertUnixSeconds,
  signCompactToken,
  strictBase64Url,
  verifyCompactToken,
} from '../../src/playback/compact-token.js';
import { OLD_SECRET, SECRET, STRANGER_SECRET, VIDEO_ID } from './playback-fixtures.js';

const VECTOR_PAYLOAD = {
  v: 1,
  vid: VIDEO_ID,
  exp: 1700000100,
  iat: 1700000000,
  jti: 'AAAAAAAAAAAAAAAAAAAAAA',
};
const VECTOR_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' +
  'eyJ2IjoxLCJ2aWQiOiI5ZjJjNGUxYTdiM2Q0YzhlOWEwYjFjMmQzZTRmNWE2YiIsImV4cCI6MTcwMDAwMDEwMCwiaWF0IjoxNzAwMDAwMDAwLCJqdGkiOiJBQUFBQUFBQUFBQUFBQUFBQUFBQUFBIn0.' +
  'Jp13YZYmzLCq9oWMvJnR2xsVNdnASeEeq-83imbY0b4';

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

void describe('compact token format', () => {
  void it('matches the documented vector and an independent HS256 computation', async () => {
    assert.equal(signCompactToken(SECRET, 'play-auth', VECTOR_PAYLOAD), VECTOR_TOKEN);
    const [h, p, s] = VECTOR_TOKEN.split('.') as [string, string, string];
    assert.equal(Buffer.from(h, 'base64url').toString(), '{"alg":"HS256","typ":"JWT"}');
    const kp = createHmac('sha256', SECRET).update('securevod/token/v1/play-auth').digest();
    assert.equal(createHmac('sha256', kp).update(`${h}.${p}`).digest('base64url'), s);
    const docs = await readFile(new URL('../../../../docs/formats.md', import.meta.url), 'utf8');
    assert.ok(docs.replace(/\s+/g, '').includes(VECTOR_TOKEN), 'docs/formats.md shows the vector token');
  });

  void it('verifies its own tokens and returns the payload', () => {
    const token = signCompactToken(SECRET, 'media', { a: 1, b: 'x' });
    assert.deepEqual(verifyCompactToken(SECRET, 'media', token), { a: 1, b: 'x' });
    assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  void it('keeps purposes apart: a token of one kind never verifies as another', () => {
    const token = signCompactToken(SECRET, 'media', { v: 1 });
    assert.equal(verifyCompactToken(SECRET, 'play-auth', token), null);
    assert.equal(verifyCompactToken(SECRET, 'hls-key', token), null);
  });

  void it('rotates: signs with the first secret, verifies with any in the list', () => {
    const old = signCompactToken([OLD_SECRET, SECRET], 'play-auth', { v: 1 });
    assert.deepEqual(verifyCompactToken([SECRET, OLD_SECRET], 'play-auth', old), { v: 1 });
    assert.equal(verifyCompactToken([SECRET], 'play-auth', old), null);
    assert.equal(verifyCompactToken(STRANGER_SECRET, 'play-auth', old), null);
  });

  void it('refuses another header, alg "none" included', () => {
    const [, p, s] = VECTOR_TOKEN.split('.') as [string, string, string];
    for (const header of [
      '{"alg":"none","typ":"JWT"}',
      '{"alg":"HS512","typ":"JWT"}',
      '{"typ":"JWT","alg":"HS256"}',
      '{"alg":"HS256", "typ":"JWT"}',
      '{"alg":"HS256"}',
    ]) {
      assert.equal(verifyCompactToken(SECRET, 'play-auth', `${b64url(header)}.${p}.${s}`), null, header);
    }
    assert.equal(verifyCompactToken(SECRET, 'play-auth', `${b64url('{"alg":"none"}')}.${p}.`), null);
  });

  void it('refuses altered, truncated and malformed tokens', () => {
    const [h, p, s] = VECTOR_TOKEN.split('.') as [string, string, string];
    const flip = (text: string, i: number) =>
      text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
    const bad = [
      `${h}.${flip(p, 10)}.${s}`,
      `${h}.${p}.${flip(s, 5)}`,
      `${h}.${p}.${s.slice(0, -1)}`,
      `${h}.${p}.${s}=`,
      `${h}.${p}=.${s}`,
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}..${s}`,
      '',
      'not a token',
      `${h}.${p}.${s}`.padEnd(MAX_TOKEN_LENGTH + 1, 'A'),
      // A non-canonical spelling of the same signature (last char's unused bits set).
      `${h}.${p}.${s.slice(0, -1)}${s.endsWith('4') ? '5' : '4'}`,
    ];
    for (const token of bad) assert.equal(verifyCompactToken(SECRET, 'play-auth', token), null, token);
    assert.equal(verifyCompactToken(SECRET, 'play-auth', 42 as unknown as string), null);
  });

  void it('refuses a correctly signed payload that is not a JSON object', () => {
    for (const payload of ['[1,2]', '"text"', 'null', '{bad json']) {
      const body = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(payload)}`;
      const kp = createHmac('sha256', SECRET).update('securevod/token/v1/media').digest();
      const token = `${body}.${createHmac('sha256', kp).update(body).digest('base64url')}`;
      assert.equal(verifyCompactToken(SECRET, 'media', token), null, payload);
    }
  });

  void it('refuses secrets that are not 32 bytes', () => {
    assert.throws(() => signCompactToken(new Uint8Array(16), 'media', {}), RangeError);
    assert.throws(() => signCompactToken([], 'media', {}), TypeError);
    assert.throws(() => verifyCompactToken([SECRET, new Uint8Array(31)], 'media', VECTOR_TOKEN), RangeError);
  });

  void it('takes Unix seconds and refuses milliseconds', () => {
    assertUnixSeconds(1_700_000_000, 'now');
    assert.throws(() => assertUnixSeconds(Date.now(), 'now'), /whole seconds/);
    assert.throws(() => assertUnixSeconds(1.5, 'now'), RangeError);
    assert.throws(() => assertUnixSeconds(-1, 'now'), RangeError);
  });

  void it('decodes base64url in its one canonical spelling only', () => {
    assert.deepEqual(strictBase64Url('AQID'), Buffer.from([1, 2, 3]));
    assert.deepEqual(strictBase64Url('AQ'), Buffer.from([1]));
    assert.equal(strictBase64Url('AR'), null);
    assert.equal(strictBase64Url('AQ=='), null);
    assert.equal(strictBase64Url('A+/B'), null);
    assert.equal(strictBase64Url('AQIDB'), null);
  });
});
