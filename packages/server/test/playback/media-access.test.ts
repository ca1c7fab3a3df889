import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issueHlsKeyToken, verifyHlsKeyToken } from '../../src/playback/hls-key-token.js';
import {
  CACHE_IGNORED_QUERY_PARAMS,
  authorizeMediaRequest,
  createMediaUriSigner,
  mediaCacheControl,
  parseMediaPath,
  rewriteMediaPlaylist,
  type MediaAccessPolicy,
  type MediaGrant,
} from '../../src/playback/media-access.js';
import { issueMediaToken } from '../../src/playback/media-token.js';
import { PlaylistRewriteError } from '../../src/playback/playlist-rewriter.js';
import { signPath } from '../../src/playback/url-signing.js';
import { NOW, OLD_SECRET, OTHER_VIDEO_ID, SECRET, VIDEO_ID, playbackError } from './playback-fixtures.js';

const EXP = NOW + 1800;
const URL_KEY = 'mediaSigningKey1';
const SIGNED: MediaAccessPolicy = { secrets: [SECRET, OLD_SECRET], urlSigning: { privateKeys: [URL_KEY] } };
const UNSIGNED: MediaAccessPolicy = { secrets: SECRET };
const MASTER_PATH = `/media/${VIDEO_ID}/master.m3u8`;

function token(opts: { videoId?: string; expiresAt?: number; clientIp?: string } = {}): string {
  return issueMediaToken(SECRET, { videoId: VIDEO_ID, expiresAt: EXP, ...opts });
}

/** A PlayURL as GetPlayInfo would build it. */
function playUrl(path = MASTER_PATH, t = token()): { path: string; query: URLSearchParams } {
  const query = new URLSearchParams({
    auth_key: signPath(path, { privateKey: URL_KEY, expiresAt: EXP }),
    token: t,
  });
  return { path, query };
}

/** Splits a rewritten URI into what the media role would receive. */
function request(uri: string): { path: string; query: URLSearchParams } {
  const url = new URL(uri, 'http://vod.test');
  return { path: url.pathname, query: url.searchParams };
}

const MASTER = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-STREAM-INF:BANDWIDTH=2149280,RESOLUTION=1280x720
hd/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=836280,RESOLUTION=640x360
sd/index.m3u8
`;
const MEDIA = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init.mp4"
#EXT-X-KEY:METHOD=AES-128,URI="/keys/hls/${VIDEO_ID}/hd/0",IV=0x88c1a98540d9ea549664f2573c96f03c
#EXTINF:2.000000,
seg_00000.m4s
#EXT-X-KEY:METHOD=AES-128,URI="/keys/hls/${VIDEO_ID}/hd/1",IV=0x49dc91281383b3b0df8929ff5d6e86e5
#EXTINF:2.000000,
seg_00001.m4s
#EXT-X-ENDLIST
`;

void describe('parseMediaPath', () => {
  void it('accepts /media/<vid>/<object> and nothing that could escape it', () => {
    assert.deepEqual(parseMediaPath(`/media/${VIDEO_ID}/hd/seg_00001.m4s`), {
      videoId: VIDEO_ID,
      object: 'hd/seg_00001.m4s',
    });
    assert.deepEqual(parseMediaPath(MASTER_PATH), { videoId: VIDEO_ID, object: 'master.m3u8' });
    for (const bad of [
      `/media/${VIDEO_ID}/`,
      `/media/${VIDEO_ID}`,
      `/media/${VIDEO_ID}/../other/x.m4s`,
      `/media/${VIDEO_ID}/hd/../../x`,
      `/media/${VIDEO_ID}/.hidden`,
      `/media/${VIDEO_ID}/hd//seg.m4s`,
      `/media/${VIDEO_ID}/%2e%2e/x`,
      `/media/${VIDEO_ID}/hd/seg.m4s?x`,
      '/media//hd/x.m4s',
      `/keys/${VIDEO_ID}/hd/0`,
      `media/${VIDEO_ID}/x`,
    ]) {
      assert.equal(parseMediaPath(bad), null, bad);
    }
  });
});

void describe('authorizeMediaRequest', () => {
  void it('grants a PlayURL with token and auth_key, and remembers what to pass on', () => {
    const t = token();
    const { path, query } = playUrl(MASTER_PATH, t);
    query.set('MtsHlsUriToken', 'customer-token');
    const grant = authorizeMediaRequest({ path, query, now: NOW }, SIGNED);
    assert.equal(grant.videoId, VIDEO_ID);
    assert.equal(grant.object, 'master.m3u8');
    assert.equal(grant.token, t);
    assert.equal(grant.claims.exp, EXP);
    assert.equal(grant.hlsKeyToken, 'customer-token');
  });

  void it('takes fastify-style query records too', () => {
    const t = token();
    const grant = authorizeMediaRequest({ path: MASTER_PATH, query: { token: t }, now: NOW }, UNSIGNED);
    assert.equal(grant.token, t);
    assert.throws(
      () => authorizeMediaRequest({ path: MASTER_PATH, query: { token: [t, t] }, now: NOW }, UNSIGNED),
      playbackError('MediaTokenInvalid'),
    );
  });

  void it('without URL signing needs only the token; with it, needs a valid auth_key for this exact path', () => {
    const t = token();
    authorizeMediaRequest(
      { path: MASTER_PATH, query: new URLSearchParams({ token: t }), now: NOW },
      UNSIGNED,
    );
    assert.throws(
      () =>
        authorizeMediaRequest(
          { path: MASTER_PATH, query: new URLSearchParams({ token: t }), now: NOW },
          SIGNED,
        ),
      playbackError('AuthKeyMissing'),
    );
    const other = playUrl(`/media/${VIDEO_ID}/hd/index.m3u8`, t);
    assert.throws(
      () => authorizeMediaRequest({ path: MASTER_PATH, query: other.query, now: NOW }, SIGNED),
      playbackError('AuthKeyInvalid'),
    );
    const { path, query } = playUrl();
    assert.throws(
      () => authorizeMediaRequest({ path, query, now: EXP + 1 }, SIGNED),
      playbackError('AuthKeyExpired'),
    );
    query.append('auth_key', query.get('auth_key')!);
    assert.throws(
      () => authorizeMediaRequest({ path, query, now: NOW }, SIGNED),
      playbackError('AuthKeyInvalid'),
    );
  });

  void it('refuses every kind of bad token with its own code', () => {
    const cases: [string | undefined, Parameters<typeof playbackError>[0], string?][] = [
      [undefined, 'MediaTokenMissing'],
      ['forged.token.here', 'MediaTokenInvalid'],
      [
        issueMediaToken(new Uint8Array(32).fill(9), { videoId: VIDEO_ID, expiresAt: EXP }),
        'MediaTokenInvalid',
      ],
      [token({ expiresAt: NOW }), 'MediaTokenExpired'],
      [token({ videoId: OTHER_VIDEO_ID }), 'MediaTokenWrongVideo'],
      [token({ clientIp: '192.0.2.1' }), 'MediaTokenWrongClient', '192.0.2.2'],
    ];
    for (const [t, code, clientIp] of cases) {
      const query = new URLSearchParams(t === undefined ? {} : { token: t });
      assert.throws(
        () =>
          authorizeMediaRequest(
            { path: MASTER_PATH, query, now: NOW, ...(clientIp ? { clientIp } : {}) },
            UNSIGNED,
          ),
        playbackError(code),
        code,
      );
    }
    authorizeMediaRequest(
      {
        path: MASTER_PATH,
        query: new URLSearchParams({ token: token({ clientIp: '192.0.2.1' }) }),
        now: NOW,
        clientIp: '192.0.2.1',
      },
      UNSIGNED,
    );
  });

  void it('answers not-found for paths that are not media paths, before looking at credentials', () => {
    for (const path of ['/media/x', `/media/${VIDEO_ID}/../x/y`, '/']) {
      assert.throws(
        () => authorizeMediaRequest({ path, query: new URLSearchParams(), now: NOW }, SIGNED),
        playbackError('MediaNotFound'),
      );
    }
  });

  void it("does not let video A's token or auth_key open video B's objects", () => {
    const a = playUrl();
    const bPath = `/media/${OTHER_VIDEO_ID}/master.m3u8`;
    assert.throws(
      () => authorizeMediaRequest({ path: bPath, query: a.query, now: NOW }, SIGNED),
      playbackError('AuthKeyInvalid'),
    );
    const bSigned = playUrl(bPath);
    bSigned.query.set('token', token());
    assert.throws(
      () => authorizeMediaRequest({ path: bPath, query: bSigned.query, now: NOW }, SIGNED),
      playbackError('MediaTokenWrongVideo'),
    );
  });
});

void describe('playlists served under a grant', () => {
  const signKeyUri = (grant: MediaGrant) => (path: string) => {
    const [, , , vid, rendition] = path.split('/');
    assert.equal(vid, grant.videoId);
    const t = issueHlsKeyToken(SECRET, { videoId: vid!, rendition: rendition!, expiresAt: grant.claims.exp });
    return `MtsHlsUriToken=${t}`;
  };

  void it('authorise every child: master → media playlist → init, segments and keys', () => {
    const entry = playUrl();
    entry.query.set('MtsHlsUriToken', 'app-token');
    const grant = authorizeMediaRequest({ ...entry, now: NOW }, SIGNED);
    const master = rewriteMediaPlaylist(MASTER, grant, { urlSigning: { privateKey: URL_KEY } });
    const variants = master.split('\n').filter((l) => l.startsWith('/media/'));
    assert.equal(variants.length, 2);

    for (const variant of variants) {
      const child = request(variant);
      assert.equal(child.query.get('MtsHlsUriToken'), 'app-token', 'child playlists carry the pass-through');
      const childGrant = authorizeMediaRequest({ ...child, now: NOW + 10 }, SIGNED);
      assert.equal(childGrant.hlsKeyToken, 'app-token');
      const media = rewriteMediaPlaylist(MEDIA, childGrant, {
        urlSigning: { privateKey: URL_KEY },
        signKeyUri: signKeyUri(childGrant),
      });
      const lines = media.split('\n');
      const objects = [
        ...lines.filter((l) => l.startsWith('/media/')),
        ...[...media.matchAll(/EXT-X-MAP:URI="([^"]+)"/g)].map((m) => m[1]!),
      ];
      assert.equal(objects.length, 3);
      for (const uri of objects) {
        const r = request(uri);
        assert.equal(r.query.get('MtsHlsUriToken'), null, 'segments carry only auth_key and token');
        const g = authorizeMediaRequest({ ...r, now: NOW + 20 }, SIGNED);
        assert.equal(g.videoId, VIDEO_ID);
        // After the token expires, so does every URL signed with it.
        assert.throws(
          () => authorizeMediaRequest({ ...r, now: EXP + 1 }, SIGNED),
          playbackError('AuthKeyExpired'),
        );
        assert.throws(
          () => authorizeMediaRequest({ ...r, now: EXP }, { secrets: SECRET }),
          playbackError('MediaTokenExpired'),
        );
      }
      const keyUris = [...media.matchAll(/EXT-X-KEY:[^\n]*URI="([^"]+)"/g)].map((m) => m[1]!);
      assert.deepEqual(
        keyUris.map((u) => request(u).path),
        [`/keys/hls/${VIDEO_ID}/hd/0`, `/keys/hls/${VIDEO_ID}/hd/1`],
      );
      for (const [period, uri] of keyUris.entries()) {
        const r = request(uri);
        verifyHlsKeyToken(SECRET, r.query.get('MtsHlsUriToken') ?? undefined, {
          now: NOW + 30,
          videoId: VIDEO_ID,
          rendition: 'hd',
          period,
        });
      }
    }
  });

  void it('sign only the token when URL signing is off', () => {
    const t = token();
    const grant = authorizeMediaRequest(
      { path: MASTER_PATH, query: new URLSearchParams({ token: t }), now: NOW },
      UNSIGNED,
    );
    const out = rewriteMediaPlaylist(MASTER, grant);
    assert.ok(out.includes(`/media/${VIDEO_ID}/hd/index.m3u8?token=${t}\n`));
    assert.ok(!out.includes('auth_key'));
  });

  void it('pass the application token to a foreign DecryptKeyUri', () => {
    const entry = playUrl(`/media/${VIDEO_ID}/hd/index.m3u8`);
    entry.query.set('MtsHlsUriToken', 'app token');
    const grant = authorizeMediaRequest({ ...entry, now: NOW }, SIGNED);
    const text = MEDIA.replace(
      /URI="\/keys\/hls\/[^"]+"/g,
      'URI="https://keys.customer.example/?Ciphertext=ZjJm"',
    );
    const out = rewriteMediaPlaylist(text, grant, { urlSigning: { privateKey: URL_KEY } });
    assert.equal(
      [...out.matchAll(/URI="(https:[^"]+)"/g)].map((m) => m[1]).join(' '),
      'https://keys.customer.example/?Ciphertext=ZjJm&MtsHlsUriToken=app%20token '.repeat(2).trim(),
    );
  });

  void it('refuse to sign a URI of another video or outside the media path', () => {
    const grant = authorizeMediaRequest({ ...playUrl(), now: NOW }, SIGNED);
    const sign = createMediaUriSigner(grant, { urlSigning: { privateKey: URL_KEY } });
    const info = { kind: 'segment', tag: null, query: '' } as const;
    for (const path of [`/media/${OTHER_VIDEO_ID}/hd/seg.m4s`, '/etc/passwd', `/keys/hls/${VIDEO_ID}/hd/0`]) {
      assert.throws(() => sign(path, info), PlaylistRewriteError, path);
    }
    assert.throws(() => sign(`/keys/hls/${VIDEO_ID}/hd/0`, { ...info, kind: 'key' }), PlaylistRewriteError);
    assert.throws(
      () => rewriteMediaPlaylist(`#EXTM3U\n../${OTHER_VIDEO_ID}/hd/index.m3u8\n`, grant),
      PlaylistRewriteError,
    );
  });
});

void describe('caching', () => {
  void it('names the query parameters a cache must ignore', () => {
    assert.deepEqual([...CACHE_IGNORED_QUERY_PARAMS].sort(), ['MtsHlsUriToken', 'auth_key', 'token']);
  });

  void it('never caches playlists; caches segments and init segments by path', () => {
    assert.equal(mediaCacheControl('hd/index.m3u8'), 'private, no-store');
    assert.equal(mediaCacheControl('master.m3u8'), 'private, no-store');
    assert.equal(mediaCacheControl('hd/seg_00001.m4s'), 'public, max-age=86400');
    assert.equal(mediaCacheControl('hd/init.mp4', 600), 'public, max-age=600');
  });
});
