/**
 * Concurrent-stream limits, the pure parts and the decisions on in-process leases: which limit a
 * session gets, the claim its tokens carry (and refuse when forged), and the StreamLimiter's
 * open / renew / release over InProcessSessionLeases.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signCompactToken } from '../../src/playback/compact-token.js';
import { issueHlsKeyToken, verifyHlsKeyToken } from '../../src/playback/hls-key-token.js';
import { issueMediaToken, verifyMediaToken } from '../../src/playback/media-token.js';
import { issuePlayAuth, verifyPlayAuth } from '../../src/playback/play-auth.js';
import {
  DEFAULT_STREAM_LIMIT_SETTINGS,
  effectiveLimit,
  isStreamLimitClaim,
  StreamLimiter,
  viewerKey,
  type StreamLimitClaim,
  type StreamLimitSettings,
} from '../../src/playback/stream-limits.js';
import { InProcessSessionLeases } from '../../src/shared/session-leases.js';
import { NOW, SECRET, VIDEO_ID, playbackError } from './playback-fixtures.js';

const CLAIM: StreamLimitClaim = { k: viewerKey('viewer-1'), s: 'AAAAAAAAAAAAAAAAAAAAAA', n: 2, t: 120 };

function limiter(settings: Partial<StreamLimitSettings>, now = () => 1_000_000) {
  const value = { ...DEFAULT_STREAM_LIMIT_SETTINGS, ...settings };
  return new StreamLimiter({
    leases: new InProcessSessionLeases(now),
    settings: { get: async () => value, set: async () => undefined },
  });
}

void describe('stream limits', () => {
  void it('a per-request limit lowers the account limit or sets one, never raises it', () => {
    assert.equal(effectiveLimit(0, undefined), 0);
    assert.equal(effectiveLimit(3, undefined), 3);
    assert.equal(effectiveLimit(3, 1), 1);
    assert.equal(effectiveLimit(3, 10), 3);
    assert.equal(effectiveLimit(0, 2), 2);
  });

  void it('hashes the viewer ID (stable, 22 characters, not the ID)', () => {
    assert.equal(viewerKey('alice@example.com'), viewerKey('alice@example.com'));
    assert.notEqual(viewerKey('alice@example.com'), viewerKey('bob@example.com'));
    assert.match(viewerKey('alice@example.com'), /^[A-Za-z0-9_-]{22}$/);
    assert.ok(!viewerKey('alice@example.com').includes('alice'));
  });

  void it('media and MtsHlsUriToken tokens carry the claim; a forged one is invalid', () => {
    const media = issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: NOW + 60, streamLimit: CLAIM });
    assert.deepEqual(verifyMediaToken(SECRET, media, { now: NOW, videoId: VIDEO_ID }).sl, CLAIM);
    const hls = issueHlsKeyToken(SECRET, {
      videoId: VIDEO_ID,
      rendition: 'r1',
      expiresAt: NOW + 60,
      streamLimit: CLAIM,
    });
    const opts = { now: NOW, videoId: VIDEO_ID, rendition: 'r1', period: 0 };
    assert.deepEqual(verifyHlsKeyToken(SECRET, hls, opts).sl, CLAIM);
    for (const sl of [{ ...CLAIM, n: 0 }, { ...CLAIM, s: 'short' }, 'x', { ...CLAIM, t: 1.5 }]) {
      assert.equal(isStreamLimitClaim(sl), false);
      // Signed with the right secret: only the claim itself is wrong.
      const forged = signCompactToken(SECRET, 'media', {
        v: 1,
        scope: 'media',
        vid: VIDEO_ID,
        exp: NOW + 60,
        sl,
      });
      assert.throws(
        () => verifyMediaToken(SECRET, forged, { now: NOW, videoId: VIDEO_ID }),
        playbackError('MediaTokenInvalid'),
      );
    }
  });

  void it('a PlayAuth carries the viewer ID and the per-request limit', () => {
    const auth = issuePlayAuth(SECRET, {
      videoId: VIDEO_ID,
      now: NOW,
      viewerId: 'v',
      maxConcurrentStreams: 3,
    });
    const claims = verifyPlayAuth(SECRET, auth, { now: NOW });
    assert.deepEqual([claims.uid, claims.msl], ['v', 3]);
    assert.throws(
      () => issuePlayAuth(SECRET, { videoId: VIDEO_ID, now: NOW, maxConcurrentStreams: 0 }),
      RangeError,
    );
  });

  void it('opens no limited session without a viewer ID or a limit', async () => {
    const off = limiter({ maxConcurrentStreams: 0 });
    assert.equal(await off.open({ viewerId: 'v', override: undefined, expiresAt: NOW + 60 }), undefined);
    const on = limiter({ maxConcurrentStreams: 1 });
    assert.equal(await on.open({ viewerId: undefined, override: 1, expiresAt: NOW + 60 }), undefined);
  });

  void it('refuses over the limit, renews, releases, and ends the oldest under EndOldest', async () => {
    const refuse = limiter({ maxConcurrentStreams: 2, leaseIntervalSeconds: 30, leaseGraceSeconds: 10 });
    const open = (l: StreamLimiter, viewerId = 'v') =>
      l.open({ viewerId, override: undefined, expiresAt: NOW + 60 });
    const a = (await open(refuse))!;
    assert.deepEqual([a.k, a.n, a.t], [viewerKey('v'), 2, 40]);
    await open(refuse);
    await assert.rejects(open(refuse), playbackError('Forbidden.ConcurrentStreams'));
    await open(refuse, 'w');
    await refuse.renew(a, NOW + 60);
    await refuse.release(a);
    await open(refuse);

    const evict = limiter({ maxConcurrentStreams: 2, policy: 'EndOldest' });
    const oldest = (await open(evict))!;
    const second = (await open(evict))!;
    const third = (await open(evict))!;
    await assert.rejects(evict.renew(oldest, NOW + 60), playbackError('Forbidden.ConcurrentStreams'));
    await evict.renew(second, NOW + 60);
    await evict.renew(third, NOW + 60);
  });
});
