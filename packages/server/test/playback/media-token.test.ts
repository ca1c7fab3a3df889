import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signCompactToken } from '../../src/playback/compact-token.js';
import { issueHlsKeyToken } from '../../src/playback/hls-key-token.js';
import { issueMediaToken, verifyMediaToken } from '../../src/playback/media-token.js';
import { issuePlayAuth } from '../../src/playback/play-auth.js';
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

const EXP = NOW + 1800;

void describe('media token', () => {
  void it('round-trips { v, scope, vid, exp } and nothing else', () => {
    const token = issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: EXP });
    assert.deepEqual(decodePayload(token), { v: 1, scope: 'media', vid: VIDEO_ID, exp: EXP });
    assert.deepEqual(verifyMediaToken(SECRET, token, { now: NOW, videoId: VIDEO_ID }), {
      v: 1,
      scope: 'media',
      vid: VIDEO_ID,
      exp: EXP,
    });
    // URL-safe as it is: no percent-encoding needed in a query.
    assert.equal(encodeURIComponent(token), token);
  });

  void it('expires at exp', () => {
    const token = issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: EXP });
    verifyMediaToken(SECRET, token, { now: EXP - 1, videoId: VIDEO_ID });
    assert.throws(
      () => verifyMediaToken(SECRET, token, { now: EXP, videoId: VIDEO_ID }),
      playbackError('MediaTokenExpired'),
    );
  });

  void it('authorises its own video only', () => {
    const token = issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: EXP });
    assert.throws(
      () => verifyMediaToken(SECRET, token, { now: NOW, videoId: OTHER_VIDEO_ID }),
      playbackError('MediaTokenWrongVideo', token),
    );
  });

  void it('refuses another client address when bound', () => {
    const token = issueMediaToken(SECRET, {
      videoId: VIDEO_ID,
      expiresAt: EXP,
      clientIp: '::ffff:198.51.100.4',
    });
    assert.equal(decodePayload(token).ip, '198.51.100.4');
    verifyMediaToken(SECRET, token, { now: NOW, videoId: VIDEO_ID, clientIp: '198.51.100.4' });
    assert.throws(
      () => verifyMediaToken(SECRET, token, { now: NOW, videoId: VIDEO_ID, clientIp: '198.51.100.5' }),
      playbackError('MediaTokenWrongClient'),
    );
    assert.throws(
      () => verifyMediaToken(SECRET, token, { now: NOW, videoId: VIDEO_ID }),
      playbackError('MediaTokenWrongClient'),
    );
  });

  void it('refuses tampering, other secrets, other token kinds and bad claims as invalid', () => {
    const token = issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: EXP });
    const bad = [
      withPayload(token, (c) => (c.exp = EXP + 86_400)),
      withPayload(token, (c) => (c.vid = OTHER_VIDEO_ID)),
      issueMediaToken(STRANGER_SECRET, { videoId: VIDEO_ID, expiresAt: EXP }),
      issuePlayAuth(SECRET, { videoId: VIDEO_ID, now: NOW }),
      issueHlsKeyToken(SECRET, { videoId: VIDEO_ID, rendition: 'hd', expiresAt: EXP }),
      signCompactToken(SECRET, 'media', { v: 1, scope: 'hls-key', vid: VIDEO_ID, exp: EXP }),
      signCompactToken(SECRET, 'media', { v: 2, scope: 'media', vid: VIDEO_ID, exp: EXP }),
      signCompactToken(SECRET, 'media', { v: 1, scope: 'media', vid: VIDEO_ID }),
      signCompactToken(SECRET, 'media', { v: 1, scope: 'media', vid: VIDEO_ID, exp: EXP, ip: 1 }),
      'x.y.z',
    ];
    for (const t of bad) {
      assert.throws(
        () => verifyMediaToken(SECRET, t, { now: NOW, videoId: VIDEO_ID }),
        playbackError('MediaTokenInvalid', t),
        t,
      );
    }
  });

  void it('reports a missing token as missing', () => {
    for (const t of [undefined, '']) {
      assert.throws(
        () => verifyMediaToken(SECRET, t, { now: NOW, videoId: VIDEO_ID }),
        playbackError('MediaTokenMissing'),
      );
    }
  });

  void it('verifies with the previous secret during rotation', () => {
    const old = issueMediaToken(OLD_SECRET, { videoId: VIDEO_ID, expiresAt: EXP });
    verifyMediaToken([SECRET, OLD_SECRET], old, { now: NOW, videoId: VIDEO_ID });
  });

  void it('refuses caller bugs', () => {
    assert.throws(() => issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: Date.now() }), RangeError);
    assert.throws(() => issueMediaToken(SECRET, { videoId: '', expiresAt: EXP }), RangeError);
    assert.throws(
      () => issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: EXP, clientIp: 'x' }),
      RangeError,
    );
  });
});
