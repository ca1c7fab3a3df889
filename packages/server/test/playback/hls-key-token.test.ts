import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signCompactToken } from '../../src/playback/compact-token.js';
import {
  HLS_KEY_TOKEN_PARAM,
  issueHlsKeyToken,
  verifyHlsKeyToken,
} from '../../src/playback/hls-key-token.js';
import { issueMediaToken } from '../../src/playback/media-token.js';
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

const EXP = NOW + 600;
const ASK = { now: NOW, videoId: VIDEO_ID, rendition: 'hd', period: 2 };

void describe('MtsHlsUriToken', () => {
  void it('is named as the vendor names it', () => {
    assert.equal(HLS_KEY_TOKEN_PARAM, 'MtsHlsUriToken');
  });

  void it('with a period opens exactly that period of that rendition', () => {
    const token = issueHlsKeyToken(SECRET, { videoId: VIDEO_ID, rendition: 'hd', period: 2, expiresAt: EXP });
    assert.deepEqual(decodePayload(token), {
      v: 1,
      scope: 'hls-key',
      vid: VIDEO_ID,
      rendition: 'hd',
      period: 2,
      exp: EXP,
    });
    assert.equal(verifyHlsKeyToken(SECRET, token, ASK).period, 2);
    assert.throws(
      () => verifyHlsKeyToken(SECRET, token, { ...ASK, period: 3 }),
      playbackError('HlsKeyTokenWrongPeriod'),
    );
    assert.throws(
      () => verifyHlsKeyToken(SECRET, token, { ...ASK, period: 0 }),
      playbackError('HlsKeyTokenWrongPeriod'),
    );
  });

  void it('without a period opens every period of the rendition, and no other rendition', () => {
    const token = issueHlsKeyToken(SECRET, { videoId: VIDEO_ID, rendition: 'hd', expiresAt: EXP });
    assert.equal('period' in decodePayload(token), false);
    for (const period of [0, 1, 2, 500]) verifyHlsKeyToken(SECRET, token, { ...ASK, period });
    assert.throws(
      () => verifyHlsKeyToken(SECRET, token, { ...ASK, rendition: 'sd' }),
      playbackError('HlsKeyTokenWrongRendition', token),
    );
  });

  void it('refuses another video, an expired token and another client', () => {
    const token = issueHlsKeyToken(SECRET, {
      videoId: VIDEO_ID,
      rendition: 'hd',
      expiresAt: EXP,
      clientIp: '192.0.2.10',
    });
    verifyHlsKeyToken(SECRET, token, { ...ASK, clientIp: '192.0.2.10' });
    assert.throws(
      () => verifyHlsKeyToken(SECRET, token, { ...ASK, clientIp: '192.0.2.10', videoId: OTHER_VIDEO_ID }),
      playbackError('HlsKeyTokenWrongVideo'),
    );
    assert.throws(
      () => verifyHlsKeyToken(SECRET, token, { ...ASK, clientIp: '192.0.2.10', now: EXP }),
      playbackError('HlsKeyTokenExpired'),
    );
    assert.throws(
      () => verifyHlsKeyToken(SECRET, token, { ...ASK, clientIp: '192.0.2.11' }),
      playbackError('HlsKeyTokenWrongClient'),
    );
    assert.throws(() => verifyHlsKeyToken(SECRET, token, ASK), playbackError('HlsKeyTokenWrongClient'));
  });

  void it('refuses tampering, other secrets, other token kinds and bad claims as invalid', () => {
    const token = issueHlsKeyToken(SECRET, { videoId: VIDEO_ID, rendition: 'hd', period: 2, expiresAt: EXP });
    const bad = [
      withPayload(token, (c) => delete c.period),
      withPayload(token, (c) => (c.rendition = 'sd')),
      issueHlsKeyToken(STRANGER_SECRET, { videoId: VIDEO_ID, rendition: 'hd', expiresAt: EXP }),
      issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: EXP }),
      signCompactToken(SECRET, 'hls-key', { v: 1, scope: 'media', vid: VIDEO_ID, rendition: 'hd', exp: EXP }),
      signCompactToken(SECRET, 'hls-key', {
        v: 1,
        scope: 'hls-key',
        vid: VIDEO_ID,
        rendition: 'hd',
        period: -1,
        exp: EXP,
      }),
      signCompactToken(SECRET, 'hls-key', { v: 1, scope: 'hls-key', vid: VIDEO_ID, rendition: '', exp: EXP }),
      signCompactToken(SECRET, 'hls-key', {
        v: 1,
        scope: 'hls-key',
        vid: VIDEO_ID,
        rendition: 'hd',
        exp: 'x',
      }),
      'garbage',
    ];
    for (const t of bad) {
      assert.throws(() => verifyHlsKeyToken(SECRET, t, ASK), playbackError('HlsKeyTokenInvalid', t), t);
    }
    for (const t of [undefined, '']) {
      assert.throws(() => verifyHlsKeyToken(SECRET, t, ASK), playbackError('HlsKeyTokenMissing'));
    }
  });

  void it('verifies with the previous secret during rotation', () => {
    const old = issueHlsKeyToken(OLD_SECRET, { videoId: VIDEO_ID, rendition: 'hd', expiresAt: EXP });
    verifyHlsKeyToken([SECRET, OLD_SECRET], old, ASK);
    assert.throws(() => verifyHlsKeyToken(SECRET, old, ASK), playbackError('HlsKeyTokenInvalid'));
  });

  void it('refuses caller bugs', () => {
    assert.throws(
      () => issueHlsKeyToken(SECRET, { videoId: VIDEO_ID, rendition: 'hd', period: 1.5, expiresAt: EXP }),
      RangeError,
    );
    assert.throws(
      () => issueHlsKeyToken(SECRET, { videoId: VIDEO_ID, rendition: 'a b', expiresAt: EXP }),
      RangeError,
    );
    const token = issueHlsKeyToken(SECRET, { videoId: VIDEO_ID, rendition: 'hd', expiresAt: EXP });
    assert.throws(() => verifyHlsKeyToken(SECRET, token, { ...ASK, period: Number.NaN }), RangeError);
  });
});
