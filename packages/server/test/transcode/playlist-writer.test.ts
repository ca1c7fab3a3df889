import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRIVATE_HLS_KEY_METHOD } from '@securevod/crypto';
import {
  PlaylistWriterError,
  buildMediaPlaylist,
  rewriteMasterPlaylist,
} from '../../src/transcode/playlist-writer.js';

const IV0 = '0x000102030405060708090a0b0c0d0e0f';
const IV1 = '0x101112131415161718191a1b1c1d1e1f';

describe('buildMediaPlaylist', () => {
  it('writes a clear VOD fMP4 playlist', () => {
    const text = buildMediaPlaylist({
      initUri: 'init.mp4',
      independentSegments: true,
      segments: [
        { uri: 'seg_00000.m4s', durationSeconds: 2 },
        { uri: 'seg_00001.m4s', durationSeconds: 1.48 },
      ],
    });
    assert.equal(
      text,
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-MAP:URI="init.mp4"',
        '#EXTINF:2.000000,',
        'seg_00000.m4s',
        '#EXTINF:1.480000,',
        'seg_00001.m4s',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });

  it('puts an AES-128 EXT-X-KEY with its IV after the map and before every segment', () => {
    const text = buildMediaPlaylist({
      initUri: 'init.mp4',
      segments: [
        { uri: 'a.m4s', durationSeconds: 2.5, key: { method: 'AES-128', uri: '/key?period=0', iv: IV0 } },
        { uri: 'b.m4s', durationSeconds: 2, key: { method: 'AES-128', uri: '/key?period=0', iv: IV1 } },
      ],
    });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[2], '#EXT-X-TARGETDURATION:3');
    assert.ok(!text.includes('INDEPENDENT-SEGMENTS'));
    assert.deepEqual(lines.slice(5, 11), [
      '#EXT-X-MAP:URI="init.mp4"',
      `#EXT-X-KEY:METHOD=AES-128,URI="/key?period=0",IV=${IV0}`,
      '#EXTINF:2.500000,',
      'a.m4s',
      `#EXT-X-KEY:METHOD=AES-128,URI="/key?period=0",IV=${IV1}`,
      '#EXTINF:2.000000,',
    ]);
  });

  it('writes the private context and one EXT-X-KEY per key period', () => {
    const key = (period: number) => ({ method: PRIVATE_HLS_KEY_METHOD, uri: `k/${period}` }) as const;
    const text = buildMediaPlaylist({
      initUri: 'init.mp4',
      privateContext: { videoId: 'vid1', rendition: 'hd' },
      segments: [
        { uri: 's0.svs', durationSeconds: 2, key: key(0) },
        { uri: 's1.svs', durationSeconds: 2, key: key(0) },
        { uri: 's2.svs', durationSeconds: 2, key: key(1) },
      ],
    });
    const keyLines = text.split('\n').filter((l) => l.startsWith('#EXT-X-KEY:'));
    assert.deepEqual(keyLines, [
      '#EXT-X-KEY:METHOD=SECUREVOD-AES-256-GCM,URI="k/0",KEYFORMAT="com.securevod.svs1",KEYFORMATVERSIONS="1"',
      '#EXT-X-KEY:METHOD=SECUREVOD-AES-256-GCM,URI="k/1",KEYFORMAT="com.securevod.svs1",KEYFORMATVERSIONS="1"',
    ]);
    assert.ok(
      text.includes('#EXT-X-SECUREVOD-PRIVATE:VERSION=1,VIDEO-ID="vid1",RENDITION="hd"\n#EXT-X-MAP:'),
    );
    assert.ok(text.indexOf('#EXT-X-MAP:') < text.indexOf('#EXT-X-KEY:'));
    assert.ok(text.indexOf('k/1') > text.indexOf('s1.svs') && text.indexOf('k/1') < text.indexOf('s2.svs'));
  });

  it('refuses mixed, unsafe or incomplete input', () => {
    const iv = { method: 'AES-128', uri: 'k', iv: IV0 } as const;
    const cases = [
      {
        initUri: 'i',
        segments: [
          { uri: 'a', durationSeconds: 1, key: iv },
          { uri: 'b', durationSeconds: 1 },
        ],
      },
      { initUri: 'i', segments: [{ uri: 'a', durationSeconds: 1, key: { ...iv, uri: 'k"x' } }] },
      { initUri: 'i', segments: [{ uri: 'a', durationSeconds: 1, key: { ...iv, iv: '0x12' } }] },
      { initUri: 'i', segments: [{ uri: 'a\n#EXT-X-ENDLIST', durationSeconds: 1 }] },
      { initUri: 'i', segments: [{ uri: 'a', durationSeconds: 0 }] },
      {
        initUri: 'i',
        segments: [{ uri: 'a', durationSeconds: 1, key: { method: PRIVATE_HLS_KEY_METHOD, uri: 'k' } }],
      },
    ] as const;
    for (const spec of cases)
      assert.throws(() => buildMediaPlaylist(spec), PlaylistWriterError, JSON.stringify(spec));
  });
});

describe('rewriteMasterPlaylist', () => {
  const master = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"',
    'hd/index.m3u8',
    '',
    '#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"',
    'sd/index.m3u8',
    '',
  ].join('\n');

  it('maps every variant URI and keeps the other lines', () => {
    const out = rewriteMasterPlaylist(
      master,
      new Map([
        ['hd/index.m3u8', 'r-hd/index.m3u8'],
        ['sd/index.m3u8', 'r-sd/index.m3u8'],
      ]),
    );
    assert.equal(
      out,
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"',
        'r-hd/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"',
        'r-sd/index.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('maps URI attributes of EXT-X-MEDIA', () => {
    const text = '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="audio/index.m3u8"\n';
    const out = rewriteMasterPlaylist(text, new Map([['audio/index.m3u8', 'aac/index.m3u8']]));
    assert.equal(out, '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="aac/index.m3u8"\n');
  });

  it('refuses an unmapped variant, an unused mapping and a non-playlist', () => {
    assert.throws(
      () => rewriteMasterPlaylist(master, new Map([['hd/index.m3u8', 'x/index.m3u8']])),
      /sd\/index.m3u8, which has no mapping/,
    );
    assert.throws(
      () =>
        rewriteMasterPlaylist(
          master,
          new Map([
            ['hd/index.m3u8', 'a'],
            ['sd/index.m3u8', 'b'],
            ['ld/index.m3u8', 'c'],
          ]),
        ),
      /ld\/index.m3u8 is not in the master/,
    );
    assert.throws(() => rewriteMasterPlaylist('hello', new Map()), PlaylistWriterError);
  });
});
