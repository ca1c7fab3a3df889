/**
 * Signed playback through a third-party player: a tiny media role and key service built from the
 * playback modules (the lead's real routes come later) serve a clear and an AES-128 rendition
 * made by ffmpeg, and ffmpeg 5.1 — which knows nothing about our tokens — plays the PlayURL. This
 * proves that the authorisation really reaches every nested playlist, init segment, segment and
 * key URI, and that requests without it are refused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  aes128SegmentIv,
  deriveSegmentKey,
  encryptAes128Segment,
  formatHlsIv,
  keyPeriodForSegment,
  randomBytes,
} from '@securevod/crypto';
import {
  HLS_KEY_TOKEN_PARAM,
  issueHlsKeyToken,
  verifyHlsKeyToken,
} from '../../src/playback/hls-key-token.js';
import {
  authorizeMediaRequest,
  mediaCacheControl,
  rewriteMediaPlaylist,
  type MediaAccessPolicy,
} from '../../src/playback/media-access.js';
import { issueMediaToken } from '../../src/playback/media-token.js';
import { PlaybackError } from '../../src/playback/playback-error.js';
import { signPath } from '../../src/playback/url-signing.js';
import { buildMediaPlaylist } from '../../src/transcode/playlist-writer.js';
import { OTHER_VIDEO_ID, SECRET, VIDEO_ID } from './playback-fixtures.js';

const run = promisify(execFile);
const URL_KEY = 'ffmpegTestKey42';
const POLICY: MediaAccessPolicy = { secrets: SECRET, urlSigning: { privateKeys: [URL_KEY] } };
const CLEAR_ID = VIDEO_ID;
const AES_ID = OTHER_VIDEO_ID;
const DK = randomBytes(32);
const KEY_PATH = /^\/keys\/hls\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)\/(\d+)$/;

let dir: string;
let server: Server;
let origin: string;
const log: { path: string; status: number; code?: string }[] = [];

function unix(): number {
  return Math.floor(Date.now() / 1000);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const clientIp = req.socket.remoteAddress;
  const now = unix();
  const key = KEY_PATH.exec(url.pathname);
  if (key) {
    const [, videoId, rendition, period] = key as unknown as [string, string, string, string];
    verifyHlsKeyToken(SECRET, url.searchParams.get(HLS_KEY_TOKEN_PARAM) ?? undefined, {
      now,
      videoId,
      rendition,
      period: Number(period),
      ...(clientIp ? { clientIp } : {}),
    });
    const bytes = await deriveSegmentKey(DK, {
      videoId,
      rendition,
      period: Number(period),
      scheme: 'aes-128',
    });
    res
      .writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' })
      .end(bytes);
    return;
  }
  const grant = authorizeMediaRequest(
    { path: url.pathname, query: url.searchParams, now, ...(clientIp ? { clientIp } : {}) },
    POLICY,
  );
  const file = join(dir, grant.videoId, ...grant.object.split('/'));
  const headers = { 'cache-control': mediaCacheControl(grant.object) };
  if (grant.object.endsWith('.m3u8')) {
    const text = rewriteMediaPlaylist(await readFile(file, 'utf8'), grant, {
      urlSigning: { privateKey: URL_KEY },
      signKeyUri: (path) => {
        const [, videoId, rendition] = KEY_PATH.exec(path)!;
        const t = issueHlsKeyToken(SECRET, {
          videoId: videoId!,
          rendition: rendition!,
          expiresAt: grant.claims.exp,
          ...(grant.claims.ip ? { clientIp: grant.claims.ip } : {}),
        });
        return `${HLS_KEY_TOKEN_PARAM}=${t}`;
      },
    });
    res.writeHead(200, { ...headers, 'content-type': 'application/vnd.apple.mpegurl' }).end(text);
    return;
  }
  res.writeHead(200, headers);
  createReadStream(file).pipe(res);
}

/** What GetPlayInfo would return as PlayURL. */
function playUrl(videoId: string, tokenVideoId = videoId): string {
  const expiresAt = unix() + 300;
  const path = `/media/${videoId}/master.m3u8`;
  const token = issueMediaToken(SECRET, { videoId: tokenVideoId, expiresAt, clientIp: '127.0.0.1' });
  return `${origin}${path}?auth_key=${signPath(path, { privateKey: URL_KEY, expiresAt })}&token=${token}`;
}

/** Decodes every video frame of `url` with ffmpeg; returns the per-frame checksums. */
async function framemd5(url: string): Promise<string[]> {
  const { stdout } = await run(
    'ffmpeg',
    ['-hide_banner', '-v', 'error', '-nostdin', '-i', url, '-map', '0:v', '-f', 'framemd5', '-'],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)!.trim());
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'securevod-playback-'));
  const scratch = join(dir, 'scratch');
  await mkdir(scratch);
  await run('ffmpeg', [
    ...[
      '-hide_banner',
      '-v',
      'error',
      '-nostdin',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x90:rate=10',
      '-t',
      '4',
    ],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-f', 'hls', '-hls_time', '1'],
    ...['-hls_segment_type', 'fmp4', '-hls_playlist_type', 'vod'],
    ...['-hls_segment_filename', join(scratch, 'seg_%05d.m4s'), join(scratch, 'index.m3u8')],
  ]);
  const segments = (await readdir(scratch)).filter((f) => f.endsWith('.m4s')).sort();
  assert.ok(segments.length >= 4, `ffmpeg made ${segments.length} segments`);
  const durations = [
    ...(await readFile(join(scratch, 'index.m3u8'), 'utf8')).matchAll(/#EXTINF:([\d.]+),/g),
  ].map((m) => Number(m[1]));
  const master =
    '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=160x90\nhd/index.m3u8\n';

  // Clear video: ffmpeg's rendition as it is.
  for (const id of [CLEAR_ID, AES_ID]) {
    await mkdir(join(dir, id, 'hd'), { recursive: true });
    await writeFile(join(dir, id, 'master.m3u8'), master);
    await writeFile(join(dir, id, 'hd', 'init.mp4'), await readFile(join(scratch, 'init.mp4')));
  }
  await writeFile(join(dir, CLEAR_ID, 'hd', 'index.m3u8'), await readFile(join(scratch, 'index.m3u8')));
  for (const s of segments) await writeFile(join(dir, CLEAR_ID, 'hd', s), await readFile(join(scratch, s)));

  // AES-128 video: a new key every 2 segments, key URIs on the key service.
  const entries = [];
  for (const [i, s] of segments.entries()) {
    const period = keyPeriodForSegment(i, 2);
    const key = await deriveSegmentKey(DK, { videoId: AES_ID, rendition: 'hd', period, scheme: 'aes-128' });
    const iv = await aes128SegmentIv(key, i);
    await writeFile(
      join(dir, AES_ID, 'hd', s),
      await encryptAes128Segment(key, iv, await readFile(join(scratch, s))),
    );
    entries.push({
      uri: s,
      durationSeconds: durations[i]!,
      key: { method: 'AES-128' as const, uri: `/keys/hls/${AES_ID}/hd/${period}`, iv: formatHlsIv(iv) },
    });
  }
  await writeFile(
    join(dir, AES_ID, 'hd', 'index.m3u8'),
    buildMediaPlaylist({ initUri: 'init.mp4', segments: entries }),
  );

  server = createServer((req, res) => {
    const entry: (typeof log)[number] = { path: new URL(req.url ?? '/', 'http://x').pathname, status: 200 };
    log.push(entry);
    handle(req, res).catch((error: unknown) => {
      entry.status = error instanceof PlaybackError ? error.httpStatus : 500;
      if (error instanceof PlaybackError) entry.code = error.code;
      else console.error(error);
      res.writeHead(entry.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

void describe('ffmpeg plays signed PlayURLs', () => {
  void it('plays a clear and an AES-128 video (with key rotation) to the same frames', async () => {
    log.length = 0;
    const clear = await framemd5(playUrl(CLEAR_ID));
    assert.equal(clear.length, 40, 'four seconds at 10 fps');
    assert.ok(
      log.every((e) => e.status === 200),
      JSON.stringify(log.filter((e) => e.status !== 200)),
    );
    assert.ok(log.some((e) => e.path.endsWith('/hd/init.mp4')));
    assert.ok(log.filter((e) => e.path.endsWith('.m4s')).length >= 4);

    log.length = 0;
    const encrypted = await framemd5(playUrl(AES_ID));
    assert.deepEqual(encrypted, clear);
    assert.ok(
      log.every((e) => e.status === 200),
      JSON.stringify(log.filter((e) => e.status !== 200)),
    );
    const keys = new Set(log.filter((e) => e.path.startsWith('/keys/')).map((e) => e.path));
    assert.deepEqual([...keys].sort(), [`/keys/hls/${AES_ID}/hd/0`, `/keys/hls/${AES_ID}/hd/1`]);
  });

  void it('refuses the same URLs without their authorisation, or with another video', async () => {
    const good = new URL(playUrl(CLEAR_ID));
    const attempts: [string, string][] = [
      [`${origin}${good.pathname}`, 'AuthKeyMissing'],
      [`${origin}${good.pathname}?auth_key=${good.searchParams.get('auth_key')}`, 'MediaTokenMissing'],
      [playUrl(CLEAR_ID, AES_ID), 'MediaTokenWrongVideo'],
    ];
    for (const [url, code] of attempts) {
      log.length = 0;
      await assert.rejects(framemd5(url), code);
      assert.deepEqual(log, [{ path: good.pathname, status: 403, code }]);
    }
  });

  void it('refuses a segment or key URL lifted out of a playlist and pointed elsewhere', async () => {
    const text = await (await fetch(playUrl(AES_ID))).text();
    const variant = text.split('\n').find((l) => l.startsWith('/media/'))!;
    const media = await (await fetch(`${origin}${variant}`)).text();
    const segment = new URL(
      media.split('\n').find((l) => l.startsWith('/media/'))!,
      origin,
    );
    const keyUri = /URI="(\/keys\/[^"]+)"/.exec(media)![1]!;
    assert.equal((await fetch(segment)).status, 200);
    assert.equal((await fetch(`${origin}${keyUri}`)).status, 200);

    const attempts: [string, string][] = [
      [segment.pathname.replace(AES_ID, CLEAR_ID) + segment.search, 'AuthKeyInvalid'],
      [segment.pathname.replace('seg_00000', 'seg_00001') + segment.search, 'AuthKeyInvalid'],
      [keyUri.replace('/hd/', '/sd/'), 'HlsKeyTokenWrongRendition'],
      [keyUri.replace(AES_ID, CLEAR_ID), 'HlsKeyTokenWrongVideo'],
      [keyUri.split('?')[0]!, 'HlsKeyTokenMissing'],
    ];
    for (const [uri, code] of attempts) {
      log.length = 0;
      assert.equal((await fetch(`${origin}${uri}`)).status, 403, code);
      assert.equal(log[0]?.code, code);
    }
  });
});
