import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRIVATE_HLS_KEY_METHOD } from '@securevod/crypto';
import {
  PlaylistRewriteError,
  rewritePlaylist,
  type PlaylistUriInfo,
  type UriSigner,
} from '../../src/playback/playlist-rewriter.js';
import { buildMediaPlaylist } from '../../src/transcode/playlist-writer.js';

const VID = '9f2c4e1a7b3d4c8e9a0b1c2d3e4f5a6b';
const BASE = `/media/${VID}`;

/** Records every call and answers `sig=<kind>`. */
function recorder(): { sign: UriSigner; calls: [string, PlaylistUriInfo][] } {
  const calls: [string, PlaylistUriInfo][] = [];
  return {
    calls,
    sign: (path, info) => {
      calls.push([path, info]);
      return `sig=${info.kind}`;
    },
  };
}

const MASTER = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",DEFAULT=YES,AUTOSELECT=YES,LANGUAGE="en",URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=2149280,AVERAGE-BANDWIDTH=2000000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,AUDIO="aud"
hd/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=836280,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,AUDIO="aud"
sd/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=86000,CODECS="avc1.64001f",URI="hd/iframes.m3u8"
`;

const AES_MEDIA = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init.mp4"
#EXT-X-KEY:METHOD=AES-128,URI="/keys/hls/${VID}/hd/0",IV=0x88c1a98540d9ea549664f2573c96f03c
#EXTINF:2.000000,
seg_00000.m4s
#EXT-X-KEY:METHOD=AES-128,URI="/keys/hls/${VID}/hd/0",IV=0x49dc91281383b3b0df8929ff5d6e86e5
#EXTINF:2.000000,
seg_00001.m4s
#EXT-X-KEY:METHOD=AES-128,URI="/keys/hls/${VID}/hd/1",IV=0x2c4dbb0d7bfbd84c8ab8b3c47d1c76a4
#EXTINF:2.000000,
seg_00002.m4s
#EXT-X-KEY:METHOD=AES-128,URI="/keys/hls/${VID}/hd/1",IV=0xf4bcd81c7d5e604de4755f75e9a5c5cf
#EXTINF:1.480000,
seg_00003.m4s
#EXT-X-ENDLIST
`;

void describe('rewritePlaylist: master playlists', () => {
  void it('signs variant lines, EXT-X-MEDIA and EXT-X-I-FRAME-STREAM-INF URIs as absolute paths', () => {
    const { sign, calls } = recorder();
    const out = rewritePlaylist(MASTER, { playlistPath: `${BASE}/master.m3u8`, sign });
    assert.equal(
      out,
      MASTER.replace('URI="audio/index.m3u8"', `URI="${BASE}/audio/index.m3u8?sig=playlist"`)
        .replace('\nhd/index.m3u8\n', `\n${BASE}/hd/index.m3u8?sig=playlist\n`)
        .replace('\nsd/index.m3u8\n', `\n${BASE}/sd/index.m3u8?sig=playlist\n`)
        .replace('URI="hd/iframes.m3u8"', `URI="${BASE}/hd/iframes.m3u8?sig=playlist"`),
    );
    assert.deepEqual(
      calls.map(([p, i]) => [p, i.kind, i.tag]),
      [
        [`${BASE}/audio/index.m3u8`, 'playlist', 'EXT-X-MEDIA'],
        [`${BASE}/hd/index.m3u8`, 'playlist', null],
        [`${BASE}/sd/index.m3u8`, 'playlist', null],
        [`${BASE}/hd/iframes.m3u8`, 'playlist', 'EXT-X-I-FRAME-STREAM-INF'],
      ],
    );
  });
});

void describe('rewritePlaylist: media playlists', () => {
  void it('signs EXT-X-MAP, every EXT-X-KEY period and every segment of an fMP4 AES-128 playlist', () => {
    const { sign, calls } = recorder();
    const out = rewritePlaylist(AES_MEDIA, { playlistPath: `${BASE}/hd/index.m3u8`, sign });
    const lines = out.split('\n');
    assert.equal(lines.filter((l) => l.startsWith('#EXT-X-KEY:')).length, 4);
    assert.ok(lines.includes(`#EXT-X-MAP:URI="${BASE}/hd/init.mp4?sig=init"`));
    assert.ok(
      lines.includes(
        `#EXT-X-KEY:METHOD=AES-128,URI="/keys/hls/${VID}/hd/1?sig=key",IV=0xf4bcd81c7d5e604de4755f75e9a5c5cf`,
      ),
    );
    for (let i = 0; i < 4; i++)
      assert.ok(lines.includes(`${BASE}/hd/seg_0000${i}.m4s?sig=segment`), String(i));
    // Everything else is untouched.
    assert.equal(out.replace(/\?sig=\w+/g, '').replaceAll(`${BASE}/hd/`, ''), AES_MEDIA);
    assert.deepEqual(
      calls.map(([, i]) => i.kind),
      ['init', 'key', 'segment', 'key', 'segment', 'key', 'segment', 'key', 'segment'],
    );
  });

  void it("rewrites what the packager's playlist writer produces (private SVS1, key rotation)", () => {
    const text = buildMediaPlaylist({
      initUri: 'init.mp4',
      independentSegments: true,
      privateContext: { videoId: VID, rendition: 'hd' },
      segments: [0, 1, 2, 3, 4].map((i) => ({
        uri: `seg_0000${i}.svs`,
        durationSeconds: 2,
        key: { method: PRIVATE_HLS_KEY_METHOD, uri: `/keys/private/${VID}/hd/${Math.floor(i / 2)}` },
      })),
    });
    const { sign } = recorder();
    const out = rewritePlaylist(text, { playlistPath: `${BASE}/hd/index.m3u8`, sign });
    const lines = out.split('\n');
    // The context tag has no URI and stays as it is.
    assert.ok(lines.includes(`#EXT-X-SECUREVOD-PRIVATE:VERSION=1,VIDEO-ID="${VID}",RENDITION="hd"`));
    const keys = lines.filter((l) => l.startsWith('#EXT-X-KEY:'));
    assert.deepEqual(
      keys,
      [0, 1, 2].map(
        (p) =>
          `#EXT-X-KEY:METHOD=${PRIVATE_HLS_KEY_METHOD},URI="/keys/private/${VID}/hd/${p}?sig=key",KEYFORMAT="com.securevod.svs1",KEYFORMATVERSIONS="1"`,
      ),
    );
    const uriLines = lines.filter((l) => l !== '' && !l.startsWith('#'));
    assert.equal(uriLines.length, 5);
    for (const l of uriLines) assert.match(l, new RegExp(`^${BASE}/hd/seg_0000\\d\\.svs\\?sig=segment$`));
  });

  void it('treats any #EXT tag with a URI attribute generically; custom key tags are keys', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-SESSION-KEY:METHOD=AES-128,URI="k/session"',
      '#EXT-X-SECUREVOD-KEY:VERSION=1,URI="k/custom",NOTE="a,b=c"',
      '#EXT-X-SESSION-DATA:DATA-ID="com.example",URI="data.json"',
      '#EXT-X-PART:DURATION=0.5,URI="part0.m4s"',
      '#EXT-X-FUTURE:X-URI="not-me",URI="me"',
      '#EXTINF:2.0,Title with URI="not a uri"',
      'seg.m4s',
    ].join('\n');
    const { sign, calls } = recorder();
    const out = rewritePlaylist(text, { playlistPath: `${BASE}/hd/index.m3u8`, sign }).split('\n');
    assert.equal(out[1], `#EXT-X-SESSION-KEY:METHOD=AES-128,URI="${BASE}/hd/k/session?sig=key"`);
    assert.equal(out[2], `#EXT-X-SECUREVOD-KEY:VERSION=1,URI="${BASE}/hd/k/custom?sig=key",NOTE="a,b=c"`);
    assert.equal(out[3], `#EXT-X-SESSION-DATA:DATA-ID="com.example",URI="${BASE}/hd/data.json?sig=other"`);
    assert.equal(out[4], `#EXT-X-PART:DURATION=0.5,URI="${BASE}/hd/part0.m4s?sig=segment"`);
    assert.equal(out[5], `#EXT-X-FUTURE:X-URI="not-me",URI="${BASE}/hd/me?sig=other"`);
    assert.equal(out[6], '#EXTINF:2.0,Title with URI="not a uri"');
    assert.equal(out[7], `${BASE}/hd/seg.m4s?sig=segment`);
    assert.deepEqual(
      calls.map(([, i]) => i.tag),
      ['EXT-X-SESSION-KEY', 'EXT-X-SECUREVOD-KEY', 'EXT-X-SESSION-DATA', 'EXT-X-PART', 'EXT-X-FUTURE', null],
    );
  });
});

void describe('rewritePlaylist: URI forms', () => {
  const rewriteOne = (
    uri: string,
    extra: Partial<Parameters<typeof rewritePlaylist>[1]> = {},
    key = false,
  ) => {
    const { sign, calls } = recorder();
    const line = key ? `#EXT-X-KEY:METHOD=AES-128,URI="${uri}"` : uri;
    const out = rewritePlaylist(`#EXTM3U\n${line}\n`, {
      playlistPath: `${BASE}/hd/index.m3u8`,
      sign,
      ...extra,
    });
    return { out: out.split('\n')[1]!, calls };
  };

  void it('resolves relative paths against the playlist, collapsing dot segments', () => {
    assert.equal(rewriteOne('../sd/seg.m4s').out, `${BASE}/sd/seg.m4s?sig=segment`);
    assert.equal(rewriteOne('./a/./b/../c.m4s').out, `${BASE}/hd/a/c.m4s?sig=segment`);
    assert.equal(rewriteOne('/media/x/y.m4s').out, '/media/x/y.m4s?sig=segment');
    // `sign` sees the collapsed path, so it can refuse one outside its scope.
    assert.equal(rewriteOne('../../../../etc/passwd').calls[0]![0], '/etc/passwd');
  });

  void it('keeps an existing query and hands it to sign', () => {
    const { out, calls } = rewriteOne('seg.m4s?range=0-99');
    assert.equal(out, `${BASE}/hd/seg.m4s?range=0-99&sig=segment`);
    assert.equal(calls[0]![1].query, 'range=0-99');
  });

  void it('appends nothing when sign returns an empty query', () => {
    const out = rewritePlaylist('#EXTM3U\nseg.m4s\n', {
      playlistPath: `${BASE}/hd/index.m3u8`,
      sign: () => '',
    });
    assert.equal(out, `#EXTM3U\n${BASE}/hd/seg.m4s\n`);
  });

  void it('leaves foreign http(s) URIs and other schemes alone', () => {
    for (const uri of [
      'https://cdn.example.com/other/seg.m4s',
      'http://cdn.example.com/seg.m4s?x=1',
      '//cdn.example.com/seg.m4s',
      'data:text/plain;base64,AAAA',
    ]) {
      const { out, calls } = rewriteOne(uri);
      assert.equal(out, uri);
      assert.equal(calls.length, 0);
    }
    const skd = rewriteOne('skd://key-id-123', {}, true);
    assert.equal(skd.out, '#EXT-X-KEY:METHOD=AES-128,URI="skd://key-id-123"');
  });

  void it("passes the application's MtsHlsUriToken through to foreign key URIs only", () => {
    const foreignKeyToken = { value: 'tok/with+chars=' };
    const key = rewriteOne(
      'https://keys.customer.example/decrypt?Ciphertext=ZjJm',
      { foreignKeyToken },
      true,
    );
    assert.equal(
      key.out,
      '#EXT-X-KEY:METHOD=AES-128,URI="https://keys.customer.example/decrypt?Ciphertext=ZjJm&MtsHlsUriToken=tok%2Fwith%2Bchars%3D"',
    );
    assert.equal(key.calls.length, 0);
    const bare = rewriteOne(
      'https://keys.customer.example/k',
      { foreignKeyToken: { name: 'Token', value: 'v' } },
      true,
    );
    assert.equal(bare.out, '#EXT-X-KEY:METHOD=AES-128,URI="https://keys.customer.example/k?Token=v"');
    // Not on segments on another host.
    assert.equal(
      rewriteOne('https://cdn.example.com/seg.m4s', { foreignKeyToken }).out,
      'https://cdn.example.com/seg.m4s',
    );
  });

  void it('treats absolute URLs on our own origins as our paths', () => {
    const { out, calls } = rewriteOne('https://vod.example.com/media/abc/hd/seg.m4s?q=1', {
      ownOrigins: ['https://vod.example.com'],
    });
    assert.equal(out, '/media/abc/hd/seg.m4s?q=1&sig=segment');
    assert.equal(calls[0]![0], '/media/abc/hd/seg.m4s');
    assert.equal(
      rewriteOne('https://vod.example.com:8443/x.m4s', { ownOrigins: ['https://vod.example.com'] }).out,
      'https://vod.example.com:8443/x.m4s',
    );
  });

  void it('normalises CRLF and a BOM, keeps blank lines and comments', () => {
    const text = '\uFEFF#EXTM3U\r\n# a comment with URI="x"\r\n\r\n#EXTINF:1,\r\nseg.m4s\r\n';
    const out = rewritePlaylist(text, { playlistPath: `${BASE}/hd/index.m3u8`, sign: () => 's=1' });
    assert.equal(out, `#EXTM3U\n# a comment with URI="x"\n\n#EXTINF:1,\n${BASE}/hd/seg.m4s?s=1\n`);
  });
});

void describe('rewritePlaylist: refusals', () => {
  const malformed = (error: unknown) => error instanceof PlaylistRewriteError && error.code === 'Malformed';
  const invalid = (error: unknown) =>
    error instanceof PlaylistRewriteError && error.code === 'InvalidArgument';
  const path = `${BASE}/hd/index.m3u8`;

  void it('refuses text that is not a playlist, and broken attribute lists', () => {
    const sign = () => '';
    assert.throws(() => rewritePlaylist('seg.m4s\n', { playlistPath: path, sign }), malformed);
    assert.throws(() => rewritePlaylist('', { playlistPath: path, sign }), malformed);
    assert.throws(
      () => rewritePlaylist('#EXTM3U\n#EXT-X-MAP:URI="init.mp4\n', { playlistPath: path, sign }),
      malformed,
    );
    assert.throws(
      () => rewritePlaylist('#EXTM3U\n#EXT-X-MAP:uri=1,URI="a"\n', { playlistPath: path, sign }),
      malformed,
    );
    assert.throws(
      () => rewritePlaylist('#EXTM3U\n#EXT-X-MAP:URI="a"x,B=1\n', { playlistPath: path, sign }),
      malformed,
    );
    assert.throws(
      () => rewritePlaylist('#EXTM3U\nhttp://[bad/seg\n', { playlistPath: path, sign }),
      malformed,
    );
    // Found by the fuzzer: backslashes make a relative URI name a host (`\\[` reads as `//[`).
    for (const uri of ['\\\\[', '/\\[x']) {
      assert.throws(() => rewritePlaylist(`#EXTM3U\n${uri}\n`, { playlistPath: path, sign }), malformed, uri);
    }
  });

  void it('reads URIs as URL parsing does: spaces trimmed, tabs dropped (found by the fuzzer)', () => {
    const { sign, calls } = recorder();
    const text =
      '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=" A:"\n#EXT-X-MAP:URI="\thttps://cdn.example.net/i.mp4"\n';
    // ` A:` is the scheme `a:` and `\thttps://…` another host: neither is ours to sign.
    assert.equal(rewritePlaylist(text, { playlistPath: path, sign }), text);
    assert.deepEqual(calls, []);
  });

  void it('refuses a bad playlist path and a sign() that returns something unsafe', () => {
    assert.throws(
      () => rewritePlaylist('#EXTM3U\n', { playlistPath: 'hd/index.m3u8', sign: () => '' }),
      invalid,
    );
    assert.throws(
      () => rewritePlaylist('#EXTM3U\n', { playlistPath: `${path}?x=1`, sign: () => '' }),
      invalid,
    );
    for (const hostLike of ['//', '//evil.example/x', '/\\evil.example/x']) {
      assert.throws(() => rewritePlaylist('#EXTM3U\n', { playlistPath: hostLike, sign: () => '' }), invalid);
    }
    for (const bad of ['?a=1', 'a="1"', 'a=1 b', 'a=1#x']) {
      assert.throws(
        () => rewritePlaylist('#EXTM3U\n#EXT-X-MAP:URI="i.mp4"\n', { playlistPath: path, sign: () => bad }),
        invalid,
        bad,
      );
    }
  });

  void it('passes on what sign() throws (how a caller refuses a URI)', () => {
    const boom = new Error('outside scope');
    assert.throws(
      () =>
        rewritePlaylist('#EXTM3U\nseg.m4s\n', {
          playlistPath: path,
          sign: () => {
            throw boom;
          },
        }),
      (e) => e === boom,
    );
  });
});
