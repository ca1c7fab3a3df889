/**
 * The private-playlist transform against playlists as the packager writes them (the server's
 * own `buildMediaPlaylist`) and as the media role serves them (absolute paths with tokens), and
 * every shape the private format does not define.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRIVATE_HLS_KEY_METHOD } from '@securevod/crypto';
import { buildMediaPlaylist } from '../../server/src/transcode/playlist-writer.js';
import {
  PrivatePlaylistError,
  isPrivatePlaylist,
  parseAttributeList,
  periodFromKeyUri,
  transformPrivatePlaylist,
} from '../src/private-playlist.js';

const VID = '9f2c4e1a7b3d4c8e9a0b1c2d3e4f5a6b';
const BASE = 'https://vod.example.com/media/9f2c4e1a7b3d4c8e9a0b1c2d3e4f5a6b/hd/index.m3u8?token=abc';

/** Five segments, key rotation every two: periods 0, 0, 1, 1, 2. */
function packagerPlaylist(keyUri = (p: number) => `/keys/private/${VID}/stream-hd/${p}?token=t0`): string {
  return buildMediaPlaylist({
    initUri: 'init.mp4',
    independentSegments: true,
    privateContext: { videoId: VID, rendition: 'hd' },
    segments: [0, 1, 2, 3, 4].map((i) => ({
      uri: `seg_${String(i).padStart(5, '0')}.svs`,
      durationSeconds: 2,
      key: { method: PRIVATE_HLS_KEY_METHOD, uri: keyUri(Math.floor(i / 2)) },
    })),
  });
}

void describe('transformPrivatePlaylist', () => {
  void it('strips the private tags and maps every segment to its AAD context and period key', () => {
    const source = packagerPlaylist();
    assert.ok(isPrivatePlaylist(source));
    const result = transformPrivatePlaylist(source, BASE);

    assert.equal(result.videoId, VID);
    assert.equal(result.rendition, 'hd');
    assert.doesNotMatch(result.playlist, /SECUREVOD|EXT-X-KEY|KEYFORMAT/);
    assert.equal(isPrivatePlaylist(result.playlist), false);
    // Everything else is kept, line for line.
    const kept = source
      .split('\n')
      .filter((l) => !l.startsWith('#EXT-X-KEY:') && !l.startsWith('#EXT-X-SECUREVOD'));
    assert.deepEqual(result.playlist.split('\n'), kept);
    assert.match(result.playlist, /^#EXT-X-MAP:URI="init.mp4"$/m);

    assert.deepEqual(
      result.segments.map((s) => [s.segmentIndex, s.url, s.key.period, s.key.uri]),
      [0, 1, 2, 3, 4].map((i) => [
        i,
        `https://vod.example.com/media/${VID}/hd/seg_0000${i}.svs`,
        Math.floor(i / 2),
        `https://vod.example.com/keys/private/${VID}/stream-hd/${Math.floor(i / 2)}?token=t0`,
      ]),
    );
    for (const s of result.segments) {
      assert.equal(s.videoId, VID);
      assert.equal(s.rendition, 'hd');
      assert.equal(s.key.videoId, VID);
      assert.equal(s.key.rendition, 'hd');
    }
  });

  void it('reads URIs as the media role serves them: absolute paths with query tokens', () => {
    const served = packagerPlaylist()
      .replace(/^(seg_\d+\.svs)$/gm, `/media/${VID}/hd/$1?token=t1&auth_key=1700000000-0-0-abc`)
      .replace(
        /URI="\/keys\/private\/([^"]+)\?token=t0"/g,
        'URI="https://keys.example.net/keys/private/$1?token=t1"',
      );
    const result = transformPrivatePlaylist(served, BASE);
    assert.equal(
      result.segments[3]!.url,
      `https://vod.example.com/media/${VID}/hd/seg_00003.svs?token=t1&auth_key=1700000000-0-0-abc`,
    );
    assert.equal(
      result.segments[3]!.key.uri,
      `https://keys.example.net/keys/private/${VID}/stream-hd/1?token=t1`,
    );
  });

  void it('numbers segments from EXT-X-MEDIA-SEQUENCE', () => {
    const text = packagerPlaylist().replace('#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-MEDIA-SEQUENCE:10');
    assert.deepEqual(
      transformPrivatePlaylist(text, BASE).segments.map((s) => s.segmentIndex),
      [10, 11, 12, 13, 14],
    );
  });

  void it('keeps CRLF playlists working', () => {
    const result = transformPrivatePlaylist(packagerPlaylist().replace(/\n/g, '\r\n'), BASE);
    assert.equal(result.segments.length, 5);
    assert.doesNotMatch(result.playlist, /SECUREVOD/);
  });

  const refusals: Array<[string, (text: string) => string, RegExp]> = [
    [
      'no context tag',
      (t) => t.replace(/^#EXT-X-SECUREVOD-PRIVATE:.*\n/m, ''),
      /needs #EXT-X-SECUREVOD-PRIVATE/,
    ],
    ['a second context tag', (t) => t.replace(/^(#EXT-X-SECUREVOD-PRIVATE:.*)$/m, '$1\n$1'), /appears twice/],
    ['another version', (t) => t.replace('VERSION=1', 'VERSION=2'), /VERSION "2"; this SDK reads 1/],
    ['no RENDITION', (t) => t.replace(/,RENDITION="hd"/, ''), /needs VIDEO-ID and RENDITION/],
    [
      'an AES-128 key among private ones',
      (t) =>
        t.replace(
          /^#EXT-X-KEY:.*\/2\?token=t0.*$/m,
          '#EXT-X-KEY:METHOD=AES-128,URI="k",IV=0x00000000000000000000000000000000',
        ),
      /uses only METHOD=SECUREVOD-AES-256-GCM; found "AES-128"/,
    ],
    [
      'METHOD=NONE',
      (t) => t.replace(/^#EXT-X-KEY:.*\/1\?token=t0.*$/m, '#EXT-X-KEY:METHOD=NONE'),
      /found "NONE"/,
    ],
    [
      'another KEYFORMAT',
      (t) => t.replace(/KEYFORMAT="com.securevod.svs1"/g, 'KEYFORMAT="identity"'),
      /KEYFORMAT="com.securevod.svs1"/,
    ],
    [
      'KEYFORMATVERSIONS without 1',
      (t) => t.replace(/KEYFORMATVERSIONS="1"/g, 'KEYFORMATVERSIONS="2/3"'),
      /KEYFORMATVERSIONS "2\/3"/,
    ],
    [
      'a key URI without a period',
      (t) => t.replace(/\/0\?token=t0/, '/first?token=t0'),
      /does not end in a key period number/,
    ],
    [
      'a segment before any key',
      (t) => t.replace(/^#EXT-X-KEY:.*\/0\?token=t0.*\n/m, ''),
      /Segment 0 has no SECUREVOD-AES-256-GCM key/,
    ],
    [
      'byte ranges',
      (t) =>
        t.replace('#EXTINF:2.000000,\nseg_00001', '#EXTINF:2.000000,\n#EXT-X-BYTERANGE:100@0\nseg_00001'),
      /EXT-X-BYTERANGE is not supported/,
    ],
    [
      'LL-HLS parts',
      (t) => t.replace('seg_00001.svs', 'seg_00001.svs\n#EXT-X-PART:DURATION=1,URI="p.svs"'),
      /EXT-X-PART is not supported/,
    ],
    [
      'a non-http segment URI',
      (t) => t.replace('seg_00002.svs', 'data:application/octet-stream,abc'),
      /must be http\(s\)/,
    ],
    ['no #EXTM3U', (t) => t.replace('#EXTM3U\n', ''), /does not start with #EXTM3U/],
    ['a malformed attribute list', (t) => t.replace('VERSION=1,', 'VERSION=1,,'), /Malformed attribute list/],
  ];
  for (const [name, mutate, message] of refusals) {
    void it(`refuses ${name}`, () => {
      const text = mutate(packagerPlaylist());
      assert.notEqual(text, packagerPlaylist(), 'the mutation applied');
      assert.throws(
        () => transformPrivatePlaylist(text, BASE),
        (e: unknown) => {
          assert.ok(e instanceof PrivatePlaylistError);
          assert.equal(e.code, 'PrivatePlaylistInvalid');
          assert.match(e.message, message);
          assert.doesNotMatch(e.message, /token=/, 'messages carry no tokens');
          return true;
        },
      );
    });
  }

  void it('leaves clear and AES-128 playlists alone (isPrivatePlaylist is false)', () => {
    const aes = buildMediaPlaylist({
      initUri: 'init.mp4',
      segments: [
        {
          uri: 'seg_00000.m4s',
          durationSeconds: 2,
          key: { method: 'AES-128', uri: '/k/0', iv: `0x${'0'.repeat(32)}` },
        },
      ],
    });
    assert.equal(isPrivatePlaylist(aes), false);
    assert.equal(isPrivatePlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhd/index.m3u8\n'), false);
  });
});

void describe('parseAttributeList and periodFromKeyUri', () => {
  void it('parses quoted strings with commas, and unquoted values', () => {
    const attrs = parseAttributeList('METHOD=X,URI="a,b=c",IV=0x01,RESOLUTION=1x2');
    assert.deepEqual(
      [...attrs],
      [
        ['METHOD', 'X'],
        ['URI', 'a,b=c'],
        ['IV', '0x01'],
        ['RESOLUTION', '1x2'],
      ],
    );
  });
  void it('refuses repeated names and trailing commas', () => {
    assert.throws(() => parseAttributeList('A=1,A=2'), /appears twice/);
    assert.throws(() => parseAttributeList('A=1,'), /ends with a comma/);
  });
  void it('takes the period from the last path segment only', () => {
    assert.equal(periodFromKeyUri('https://h/keys/private/v/s/12?period=3'), 12);
    assert.equal(periodFromKeyUri('https://h/keys/private/v/s/4294967295'), 4294967295);
    for (const bad of [
      'https://h/keys/private/v/s/',
      'https://h/k/01',
      'https://h/k/4294967296',
      'https://h/k/-1',
    ]) {
      assert.throws(() => periodFromKeyUri(bad), PrivatePlaylistError, bad);
    }
  });
});
