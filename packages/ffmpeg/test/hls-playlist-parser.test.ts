import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  HlsPlaylistError,
  parseAttributeList,
  parseMasterPlaylist,
  parseMediaPlaylist,
} from '../src/hls-playlist-parser.js';

// Verbatim ffmpeg 5.1 output for a two-rendition ladder (blank lines included).
const MASTER = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-STREAM-INF:BANDWIDTH=1020800,RESOLUTION=640x360,CODECS="avc1.42c01e,mp4a.40.2"
hd/index.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=545600,RESOLUTION=426x240,CODECS="avc1.42c015,mp4a.40.2"
sd/index.m3u8

`;

const MEDIA = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init_hd.mp4"
#EXTINF:2.000000,
seg_00000.m4s
#EXTINF:2.000000,
seg_00001.m4s
#EXTINF:1.960000,
seg_00002.m4s
#EXT-X-ENDLIST
`;

test('master playlist: variants with bandwidth, resolution and quoted codecs', () => {
  const variants = parseMasterPlaylist(MASTER);
  assert.equal(variants.length, 2);
  assert.equal(variants[0]?.uri, 'hd/index.m3u8');
  assert.equal(variants[0]?.bandwidth, 1020800);
  assert.deepEqual(variants[0]?.resolution, { width: 640, height: 360 });
  assert.equal(variants[0]?.codecs, 'avc1.42c01e,mp4a.40.2');
  assert.equal(variants[1]?.uri, 'sd/index.m3u8');
  assert.deepEqual(variants[1]?.resolution, { width: 426, height: 240 });
});

test('media playlist: init segment, segments with durations and sequence numbers', () => {
  const media = parseMediaPlaylist(MEDIA.replace('MEDIA-SEQUENCE:0', 'MEDIA-SEQUENCE:5'));
  assert.equal(media.version, 7);
  assert.equal(media.targetDurationSeconds, 2);
  assert.equal(media.playlistType, 'VOD');
  assert.equal(media.endList, true);
  assert.equal(media.mapUri, 'init_hd.mp4');
  assert.deepEqual(media.segments, [
    { uri: 'seg_00000.m4s', durationSeconds: 2, sequence: 5 },
    { uri: 'seg_00001.m4s', durationSeconds: 2, sequence: 6 },
    { uri: 'seg_00002.m4s', durationSeconds: 1.96, sequence: 7 },
  ]);
});

test('CRLF line endings and titles after EXTINF are accepted', () => {
  const media = parseMediaPlaylist(
    MEDIA.replace('#EXTINF:2.000000,\nseg_00000', '#EXTINF:2.0,title\nseg_00000').replace(/\n/g, '\r\n'),
  );
  assert.equal(media.segments.length, 3);
  assert.equal(media.segments[0]?.durationSeconds, 2);
});

test('attribute lists keep commas inside quotes', () => {
  assert.deepEqual(parseAttributeList('BANDWIDTH=1,CODECS="a,b",RESOLUTION=2x2,NAME="x=y"'), {
    BANDWIDTH: '1',
    CODECS: 'a,b',
    RESOLUTION: '2x2',
    NAME: 'x=y',
  });
});

test('malformed playlists are rejected, not half-read', () => {
  assert.throws(() => parseMediaPlaylist('seg.m4s\n'), HlsPlaylistError);
  assert.throws(() => parseMediaPlaylist('#EXTM3U\nseg.m4s\n'), /without EXTINF/);
  assert.throws(() => parseMediaPlaylist('#EXTM3U\n#EXTINF:2,\n'), /without a segment URI/);
  assert.throws(() => parseMediaPlaylist('#EXTM3U\n#EXTINF:abc,\nseg.m4s\n'), /bad EXTINF/);
  assert.throws(() => parseMasterPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n'), /without a URI/);
  assert.throws(
    () => parseMasterPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:CODECS="x"\na.m3u8\n'),
    /without BANDWIDTH/,
  );
});
