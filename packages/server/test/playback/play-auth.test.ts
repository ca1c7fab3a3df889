import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeClientIp } from '../../src/playback/client-ip.js';
import { signCompactToken } from '../../src/playback/compact-token.js';
import { issueMediaToken } from '../../src/playback/media-token.js';
import {
  PLAY_AUTH_DEFAULT_TTL_SECONDS,
  issuePlayAuth,
  verifyPlayAuth,
} from '../../src/playback/play-auth.js';
import {
  NOW,
  OLD_SECRET,
  OTHER_VIDEO_ID,
  SECRET,
  STRANGER_SECRET,
  VIDEO_ID,
  decodePayload,
  playbackError,
  withPayload,
} from './playback-fixtures.js';

void describe('PlayAuth', () => {
  void it('round-trips the claims, with a default validity of 100 s and nothing secret inside', () => {
    const token = issuePlayAuth(SECRET, { videoId: VIDEO_ID, viewerId: 'viewer-7', now: NOW });
    const claims = verifyPlayAuth(SECRET, token, { now: NOW, videoId: VIDEO_ID });
    assert.equal(claims.vid, VIDEO_ID);
    assert.equal(claims.iat, NOW);
    assert.equal(claims.exp, NOW + PLAY_AUTH_DEFAULT_TTL_SECONDS);
    assert.equal(PLAY_AUTH_DEFAULT_TTL_SECONDS, 100);
    assert.equal(claims.uid, 'viewer-7');
    assert.match(claims.jti, /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(Object.keys(decodePayload(token)).sort(), ['exp', 'iat', 'jti', 'uid', 'v', 'vid']);
    assert.deepEqual(decodePayload(token), { ...claims });
  });

  void it('makes every PlayAuth distinct', () => {
    const a = issuePlayAuth(SECRET, { videoId: VIDEO_ID, now: NOW });
    const b = issuePlayAuth(SECRET, { videoId: VIDEO_ID, now: NOW });
    assert.notEqual(a, b);
    assert.notEqual(decodePayload(a).jti, decodePayload(b).jti);
  });

  void it('accepts a validity of 100 to 3000 s only', () => {
    const exp = (ttlSeconds: number) =>
      verifyPlayAuth(SECRET, issuePlayAuth(SECRET, { videoId: VIDEO_ID, ttlSeconds, now: NOW }), { now: NOW })
        .exp;
    assert.equal(exp(100), NOW + 100);
    assert.equal(exp(3000), NOW + 3000);
    for (const ttlSeconds of [0, 99, 3001, 100.5, Number.NaN]) {
      assert.throws(() => issuePlayAuth(SECRET, { videoId: VIDEO_ID, ttlSeconds, now: NOW }), RangeError);
    }
  });

  void it('expires at exp', () => {
    const token = issuePlayAuth(SECRET, { videoId: VIDEO_ID, now: NOW });
    verifyPlayAuth(SECRET, token, { now: NOW + 99 });
    assert.throws(() => verifyPlayAuth(SECRET, token, { now: NOW + 100 }), playbackError('PlayAuthExpired'));
    assert.throws(
      () => verifyPlayAuth(SECRET, token, { now: NOW + 10_000 }),
      playbackError('PlayAuthExpired'),
    );
  });

  void it('opens nothing of another video', () => {
    const token = issuePlayAuth(SECRET, { videoId: VIDEO_ID, now: NOW });
    assert.throws(
      () => verifyPlayAuth(SECRET, token, { now: NOW, videoId: OTHER_VIDEO_ID }),
      playbackError('PlayAuthWrongVideo', token),
    );
  });

  void it('binds to a client address when asked, in canonical form', () => {
    const token = issuePlayAuth(SECRET, { videoId: VIDEO_ID, clientIp: '203.0.113.7', now: NOW });
    assert.equal(decodePayload(token).ip, '203.0.113.7');
    verifyPlayAuth(SECRET, token, { now: NOW, clientIp: '203.0.113.7' });
    verifyPlayAuth(SECRET, token, { now: NOW, clientIp: '::ffff:203.0.113.7' });
    for (const clientIp of ['203.0.113.8', '2001:db8::1', undefined, 'garbage']) {
      assert.throws(
        () => verifyPlayAuth(SECRET, token, { now: NOW, ...(clientIp ? { clientIp } : {}) }),
        playbackError('PlayAuthWrongClient'),
        String(clientIp),
      );
    }
    const v6 = issuePlayAuth(SECRET, { videoId: VIDEO_ID, clientIp: '2001:0DB8:0:0::1', now: NOW });
    verifyPlayAuth(SECRET, v6, { now: NOW, clientIp: '2001:db8::1' });
    // An unbound token fits any client.
    verifyPlayAuth(SECRET, issuePlayAuth(SECRET, { videoId: VIDEO_ID, now: NOW }), {
      now: NOW,
      clientIp: '198.51.100.1',
    });
    assert.throws(
      () => issuePlayAuth(SECRET, { videoId: VIDEO_ID, clientIp: 'localhost', now: NOW }),
      RangeError,
    );
  });

  void it('refuses forged and altered tokens as invalid, before looking at expiry', () => {
    const token = issuePlayAuth(SECRET, { videoId: VIDEO_ID, now: NOW });
    const bound = issuePlayAuth(SECRET, { videoId: VIDEO_ID, clientIp: '203.0.113.7', now: NOW });
    const forged = [
      withPayload(token, (c) => (c.vid = OTHER_VIDEO_ID)),
      withPayload(token, (c) => (c.exp = NOW + 3000)),
      withPayload(bound, (c) => delete c.ip),
      token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'),
      issuePlayAuth(STRANGER_SECRET, { videoId: VIDEO_ID, now: NOW }),
      'garbage',
      `${token}.x`,
    ];
    for (const t of forged) {
      assert.throws(() => verifyPlayAuth(SECRET, t, { now: NOW }), playbackError('PlayAuthInvalid', t), t);
      assert.throws(() => verifyPlayAuth(SECRET, t, { now: NOW + 99_999 }), playbackError('PlayAuthInvalid'));
    }
  });

  void it('refuses a media token or an hls-key token offered as a PlayAuth', () => {
    const media = issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: NOW + 100 });
    assert.throws(() => verifyPlayAuth(SECRET, media, { now: NOW }), playbackError('PlayAuthInvalid'));
  });

  void it('refuses signed tokens whose claims are not a v1 PlayAuth', () => {
    const base = { v: 1, vid: VIDEO_ID, exp: NOW + 100, iat: NOW, jti: 'x' };
    for (const claims of [
      { ...base, v: 2 },
      { ...base, vid: '' },
      { ...base, vid: '../x' },
      { ...base, exp: String(NOW + 100) },
      { ...base, iat: NOW + 100 },
      { ...base, exp: NOW + 3001 },
      { ...base, jti: 7 },
      { ...base, uid: 7 },
      { ...base, ip: 7 },
    ]) {
      const t = signCompactToken(SECRET, 'play-auth', claims);
      assert.throws(
        () => verifyPlayAuth(SECRET, t, { now: NOW }),
        playbackError('PlayAuthInvalid'),
        JSON.stringify(claims),
      );
    }
  });

  void it('reports a missing PlayAuth as missing', () => {
    assert.throws(() => verifyPlayAuth(SECRET, undefined, { now: NOW }), playbackError('PlayAuthMissing'));
    assert.throws(() => verifyPlayAuth(SECRET, '', { now: NOW }), playbackError('PlayAuthMissing'));
  });

  void it('verifies with the rotation list: current and previous secret', () => {
    const old = issuePlayAuth(OLD_SECRET, { videoId: VIDEO_ID, now: NOW });
    verifyPlayAuth([SECRET, OLD_SECRET], old, { now: NOW });
    assert.throws(() => verifyPlayAuth([SECRET], old, { now: NOW }), playbackError('PlayAuthInvalid'));
    const current = issuePlayAuth([SECRET, OLD_SECRET], { videoId: VIDEO_ID, now: NOW });
    verifyPlayAuth(SECRET, current, { now: NOW });
  });

  void it('refuses caller bugs loudly', () => {
    assert.throws(() => issuePlayAuth(SECRET, { videoId: VIDEO_ID, now: Date.now() }), RangeError);
    assert.throws(() => verifyPlayAuth(SECRET, 'x', { now: Date.now() }), RangeError);
    assert.throws(() => issuePlayAuth(SECRET, { videoId: 'a/b', now: NOW }), RangeError);
    assert.throws(() => issuePlayAuth(SECRET, { videoId: VIDEO_ID, viewerId: '', now: NOW }), RangeError);
    assert.throws(() => issuePlayAuth(new Uint8Array(8), { videoId: VIDEO_ID, now: NOW }), RangeError);
  });
});

void describe('normalizeClientIp', () => {
  void it('canonicalises IPv4, IPv6 and IPv4-mapped IPv6, and refuses the rest', () => {
    assert.equal(normalizeClientIp('203.0.113.7'), '203.0.113.7');
    assert.equal(normalizeClientIp(' 203.0.113.7 '), '203.0.113.7');
    assert.equal(normalizeClientIp('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(normalizeClientIp('::FFFF:cb00:7107'), '203.0.113.7');
    assert.equal(normalizeClientIp('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(normalizeClientIp('[::1]'), '::1');
    for (const bad of ['', 'localhost', '1.2.3', '01.2.3.4', '256.1.1.1', 'fe80::1%eth0', '::ffff:zz']) {
      assert.equal(normalizeClientIp(bad), null, bad);
    }
  });
});
