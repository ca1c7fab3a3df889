/**
 * The pure parts of traced delivery (docs/tracing.md, "Delivery"): the per-session playlist, the
 * exact-path signature of traced segment URIs (issued by the signer, checked by the media role),
 * the `tr` claim of PlayAuths and media tokens, and the `TraceWatermark` template field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  TRACED_SEGMENT_SIGNATURE_GRACE_SECONDS,
  authorizeMediaRequest,
  createMediaUriSigner,
  type MediaAccessPolicy,
  type MediaGrant,
} from '../../src/playback/media-access.js';
import { issueMediaToken, verifyMediaToken } from '../../src/playback/media-token.js';
import { issuePlayAuth, verifyPlayAuth } from '../../src/playback/play-auth.js';
import { parseTranscodeTemplateList, templateToWire } from '../../src/templates/transcode-template.js';
import {
  isTracedPlaylist,
  isTracedSegmentObject,
  selectTraceVariants,
} from '../../src/trace/traced-playlist.js';
import { NOW, SECRET, VIDEO_ID, playbackError } from '../playback/playback-fixtures.js';

const EXP = NOW + 600;
const TRACE_KEY = '0123456789abcdef0123456789abcdef';
const POLICY: MediaAccessPolicy = { secrets: SECRET, tracedSegmentKeys: [TRACE_KEY] };
const PLAYLIST = [
  '#EXTM3U',
  '#EXT-X-MAP:URI="init.mp4"',
  '#EXTINF:1.000000,',
  'a/seg_00000.m4s',
  '#EXTINF:1.000000,',
  'a/seg_00001.m4s',
  '#EXTINF:1.000000,',
  'a/seg_00002.m4s',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

function grant(tr = 'viewer1'): MediaGrant {
  const token = issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: EXP, traceId: tr });
  return {
    videoId: VIDEO_ID,
    object: 'hls/j/sd/index.m3u8',
    token,
    claims: verifyMediaToken(SECRET, token, { now: NOW, videoId: VIDEO_ID }),
  };
}

function request(path: string, query: string) {
  return { path, query: new URLSearchParams(query), now: NOW };
}

describe('traced delivery', () => {
  it('selects each segment’s variant by its index; other playlists are left alone', () => {
    assert.equal(isTracedPlaylist(PLAYLIST), true);
    assert.equal(isTracedPlaylist(PLAYLIST.replaceAll('a/seg', 'seg')), false);
    const calls: number[] = [];
    const out = selectTraceVariants(PLAYLIST, (k) => (calls.push(k), k === 1 ? 'b' : 'a'));
    assert.deepEqual(calls, [0, 1, 2]);
    assert.deepEqual(
      out.split('\n').filter((l) => l && !l.startsWith('#')),
      ['a/seg_00000.m4s', 'b/seg_00001.m4s', 'a/seg_00002.m4s'],
    );
    assert.equal(isTracedSegmentObject('hls/j/sd/b/seg_00001.m4s'), true);
    assert.equal(isTracedSegmentObject('hls/j/sd/b/seg_00001.svs'), true);
    assert.equal(isTracedSegmentObject('hls/j/sd/seg_00001.m4s'), false);
    assert.equal(isTracedSegmentObject('hls/j/sd/init.mp4'), false);
  });

  it('signs traced segment URIs for their exact path; a swapped or bare path is refused', () => {
    const sign = createMediaUriSigner(grant(), { tracedSegmentKey: TRACE_KEY });
    const path = `/media/${VIDEO_ID}/hls/j/sd/b/seg_00001.m4s`;
    const query = sign(path, { kind: 'segment', tag: null, query: '' });
    assert.match(query, /^auth_key=\d+-0-0-[0-9a-f]{32}&token=/);
    const timestamp = Number(/^auth_key=(\d+)/.exec(query)![1]);
    assert.equal(timestamp, EXP + TRACED_SEGMENT_SIGNATURE_GRACE_SECONDS, 'outlives the token by the grace');
    assert.equal(authorizeMediaRequest(request(path, query), POLICY).object, 'hls/j/sd/b/seg_00001.m4s');

    const swapped = path.replace('/b/', '/a/');
    assert.throws(
      () => authorizeMediaRequest(request(swapped, query), POLICY),
      playbackError('AuthKeyInvalid'),
    );
    const bare = query.replace(/^auth_key=[^&]+&/, '');
    assert.throws(() => authorizeMediaRequest(request(path, bare), POLICY), playbackError('AuthKeyMissing'));
    // The token still matters: an expired one is refused even with a valid path signature.
    assert.throws(
      () => authorizeMediaRequest({ ...request(path, query), now: EXP + 1 }, POLICY),
      playbackError('MediaTokenExpired'),
    );

    // Untraced objects get no auth_key from the internal key and need none.
    const plain = `/media/${VIDEO_ID}/hls/j/sd/seg_00001.m4s`;
    const plainQuery = sign(plain, { kind: 'segment', tag: null, query: '' });
    assert.match(plainQuery, /^token=/);
    assert.equal(authorizeMediaRequest(request(plain, plainQuery), POLICY).object, 'hls/j/sd/seg_00001.m4s');
  });

  it('carries the trace ID in PlayAuths and media tokens, and refuses a malformed one', () => {
    const playAuth = issuePlayAuth(SECRET, { videoId: VIDEO_ID, now: NOW, traceId: 'Viewer42' });
    assert.equal(verifyPlayAuth(SECRET, playAuth, { now: NOW }).tr, 'Viewer42');
    assert.equal(grant('T'.repeat(1024)).claims.tr, 'T'.repeat(1024));
    assert.throws(
      () => issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: EXP, traceId: 'a-b' }),
      RangeError,
    );
    assert.throws(() => issuePlayAuth(SECRET, { videoId: VIDEO_ID, now: NOW, traceId: '' }), RangeError);
    const untraced = issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: EXP });
    assert.equal(verifyMediaToken(SECRET, untraced, { now: NOW, videoId: VIDEO_ID }).tr, undefined);
  });

  it('parses TraceWatermark and writes it back as the API returns it', () => {
    const [on, off, plain] = parseTranscodeTemplateList(
      JSON.stringify([
        { Definition: 'SD', TraceWatermark: { Enabled: 'true' } },
        { Definition: 'LD', TraceWatermark: '{"Enabled":"false","SegmentSeconds":"3"}' },
        { Definition: 'HD' },
      ]),
    );
    assert.deepEqual(on!.traceWatermark, { segmentSeconds: 1 });
    assert.equal(off!.traceWatermark, undefined);
    assert.equal(plain!.traceWatermark, undefined);
    assert.equal(templateToWire(on!).TraceWatermark, '{"Enabled":"true","SegmentSeconds":"1"}');
    assert.equal(templateToWire(plain!).TraceWatermark, undefined);
    for (const [value, message] of [
      [{ Enabled: 'TRUE' }, /TraceWatermark\.Enabled must be "true" or "false"/],
      [
        { Enabled: 'true', SegmentSeconds: '0' },
        /TraceWatermark\.SegmentSeconds must be an integer from 1 to 4/,
      ],
      [{ Enabled: 'true', SegmentSeconds: '1.5' }, /SegmentSeconds/],
      ['not json', /TranscodeTemplateList\[0\]\.TraceWatermark must be a JSON object/],
    ] as const) {
      assert.throws(
        () => parseTranscodeTemplateList(JSON.stringify([{ Definition: 'SD', TraceWatermark: value }])),
        (error: Error & { code?: string }) =>
          error.code === 'InvalidParameter' && message.test(error.message),
      );
    }
  });
});
