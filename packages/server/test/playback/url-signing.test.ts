import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { authKeyHash, signPath, verifyAuthKey } from '../../src/playback/url-signing.js';
import { NOW, OTHER_VIDEO_ID, VIDEO_ID } from './playback-fixtures.js';

// Reference §4.1, verified example.
const REF_KEY = 'aliyuncdnexp1234';
const REF_PATH = '/video/standard/1K.html';
const REF_TS = 1444435200;
const REF_HASH = '80cd3862d699b7118eed99103f2a3a4f';

const KEY = 'primaryKey2024';
const SECONDARY = 'secondaryKey2024';
const PATH = `/media/${VIDEO_ID}/hd/seg_00003.m4s`;

void describe('type-A auth_key', () => {
  void it("reproduces the reference's verified example", () => {
    assert.equal(authKeyHash(REF_PATH, REF_TS, '0', '0', REF_KEY), REF_HASH);
    assert.equal(createHash('md5').update(`${REF_PATH}-${REF_TS}-0-0-${REF_KEY}`).digest('hex'), REF_HASH);
    // Our default convention: the timestamp is the expiry.
    assert.equal(signPath(REF_PATH, { privateKey: REF_KEY, expiresAt: REF_TS }), `${REF_TS}-0-0-${REF_HASH}`);
    // A CDN that adds a 30-minute validity: the timestamp written is 30 minutes before expiry.
    assert.equal(
      signPath(REF_PATH, { privateKey: REF_KEY, expiresAt: REF_TS + 1800, validitySeconds: 1800 }),
      `${REF_TS}-0-0-${REF_HASH}`,
    );
    const check = verifyAuthKey(REF_PATH, `${REF_TS}-0-0-${REF_HASH}`, {
      privateKeys: [REF_KEY],
      now: REF_TS,
    });
    assert.deepEqual(check, { ok: true, timestamp: REF_TS, rand: '0', uid: '0', expiresAt: REF_TS });
  });

  void it('with validity 0, the timestamp is the last valid second', () => {
    const authKey = signPath(PATH, { privateKey: KEY, expiresAt: NOW + 60 });
    assert.equal(verifyAuthKey(PATH, authKey, { privateKeys: [KEY], now: NOW + 60 }).ok, true);
    assert.deepEqual(verifyAuthKey(PATH, authKey, { privateKeys: [KEY], now: NOW + 61 }), {
      ok: false,
      reason: 'Expired',
    });
  });

  void it('with a configured validity, expiry is timestamp + validity, as the CDN computes it', () => {
    const authKey = signPath(PATH, { privateKey: KEY, expiresAt: NOW + 1800, validitySeconds: 1800 });
    assert.equal(authKey.split('-')[0], String(NOW));
    const opts = { privateKeys: [KEY], defaultValiditySeconds: 1800 };
    assert.equal(verifyAuthKey(PATH, authKey, { ...opts, now: NOW + 1800 }).ok, true);
    assert.deepEqual(verifyAuthKey(PATH, authKey, { ...opts, now: NOW + 1801 }), {
      ok: false,
      reason: 'Expired',
    });
    // Read with validity 0, the same key expired at its timestamp.
    assert.deepEqual(verifyAuthKey(PATH, authKey, { privateKeys: [KEY], now: NOW + 1 }), {
      ok: false,
      reason: 'Expired',
    });
  });

  void it('accepts the primary or the secondary key, nothing else', () => {
    const bySecondary = signPath(PATH, { privateKey: SECONDARY, expiresAt: NOW + 60 });
    assert.equal(verifyAuthKey(PATH, bySecondary, { privateKeys: [KEY, SECONDARY], now: NOW }).ok, true);
    assert.deepEqual(verifyAuthKey(PATH, bySecondary, { privateKeys: [KEY], now: NOW }), {
      ok: false,
      reason: 'Invalid',
    });
  });

  void it("binds to the path: a signature for video A does not open video B's objects", () => {
    const authKey = signPath(PATH, { privateKey: KEY, expiresAt: NOW + 60 });
    for (const other of [
      PATH.replace(VIDEO_ID, OTHER_VIDEO_ID),
      PATH.replace('seg_00003', 'seg_00004'),
      `${PATH}/`,
      PATH.toUpperCase(),
      'not-a-path',
      `${PATH}?x=1`,
    ]) {
      assert.deepEqual(
        verifyAuthKey(other, authKey, { privateKeys: [KEY], now: NOW }),
        {
          ok: false,
          reason: 'Invalid',
        },
        other,
      );
    }
  });

  void it('refuses an altered timestamp, rand, uid or hash as invalid, even when expired', () => {
    const authKey = signPath(PATH, { privateKey: KEY, expiresAt: NOW + 60, rand: 'abc123', uid: '42' });
    assert.equal(verifyAuthKey(PATH, authKey, { privateKeys: [KEY], now: NOW }).ok, true);
    const [ts, rand, uid, hash] = authKey.split('-') as [string, string, string, string];
    const flippedHash = hash.slice(0, -1) + (hash.endsWith('0') ? '1' : '0');
    for (const altered of [
      `${Number(ts) + 3600}-${rand}-${uid}-${hash}`,
      `${ts}-abc124-${uid}-${hash}`,
      `${ts}-${rand}-43-${hash}`,
      `${ts}-${rand}-${uid}-${flippedHash}`,
    ]) {
      for (const now of [NOW, NOW + 100_000]) {
        assert.deepEqual(verifyAuthKey(PATH, altered, { privateKeys: [KEY], now }), {
          ok: false,
          reason: 'Invalid',
        });
      }
    }
  });

  void it('refuses malformed values as invalid and absent ones as missing', () => {
    const good = signPath(PATH, { privateKey: KEY, expiresAt: NOW + 60 });
    for (const bad of [
      good.toUpperCase(),
      `${good}-0`,
      good.replace(/^\d+/, '12345678901'),
      good.replace(/^\d+/, 'abc'),
      `${good.slice(0, -1)}`,
      `x${good}`,
      ' ',
    ]) {
      assert.deepEqual(
        verifyAuthKey(PATH, bad, { privateKeys: [KEY], now: NOW }),
        { ok: false, reason: 'Invalid' },
        bad,
      );
    }
    for (const absent of [undefined, null, '']) {
      assert.deepEqual(verifyAuthKey(PATH, absent, { privateKeys: [KEY], now: NOW }), {
        ok: false,
        reason: 'Missing',
      });
    }
  });

  void it('makes distinct URLs with a random rand', () => {
    const a = signPath(PATH, {
      privateKey: KEY,
      expiresAt: NOW + 60,
      rand: 'f81d4fae7dec11d0a76500a0c91e6bf6',
    });
    const b = signPath(PATH, { privateKey: KEY, expiresAt: NOW + 60, rand: '0' });
    assert.notEqual(a, b);
    assert.equal(verifyAuthKey(PATH, a, { privateKeys: [KEY], now: NOW }).ok, true);
  });

  void it('refuses a broken configuration or caller bugs with exceptions', () => {
    assert.throws(() => signPath(PATH, { privateKey: '', expiresAt: NOW }), TypeError);
    assert.throws(() => signPath(PATH, { privateKey: 'has space', expiresAt: NOW }), TypeError);
    assert.throws(() => signPath('relative/path', { privateKey: KEY, expiresAt: NOW }), TypeError);
    assert.throws(() => signPath(`${PATH}?q=1`, { privateKey: KEY, expiresAt: NOW }), TypeError);
    assert.throws(() => signPath(PATH, { privateKey: KEY, expiresAt: NOW, rand: 'a-b' }), RangeError);
    assert.throws(() => signPath(PATH, { privateKey: KEY, expiresAt: Date.now() }), RangeError);
    assert.throws(() => signPath(PATH, { privateKey: KEY, expiresAt: NOW, validitySeconds: -1 }), RangeError);
    assert.throws(() => verifyAuthKey(PATH, 'x', { privateKeys: [], now: NOW }), TypeError);
    assert.throws(() => verifyAuthKey(PATH, 'x', { privateKeys: [KEY], now: Date.now() }), RangeError);
  });
});
