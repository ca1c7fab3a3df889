/**
 * The streaming packager with the real ffmpeg 5.1: ffmpeg PUTs its HLS output to the loopback
 * sink and every segment is encrypted and stored as it arrives. Checked against what the same
 * ffmpeg arguments write to a local directory (the path used before): same segment count and
 * durations per rendition, and the stored segments decrypt (with keys derived here) to the same
 * number of decodable frames. Also: a storage failure stops ffmpeg and leaves no write in flight,
 * and the sink only takes uploads under its unguessable prefix.
 */
import { buildHlsLadderArgs, readHlsOutput, runFfmpeg, type HlsRendition } from '@securevod/ffmpeg';
import {
  decryptAes128Segment,
  decryptPrivateSegment,
  deriveSegmentKey,
  hexToBytes,
  type SegmentScheme,
} from '@securevod/crypto';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { openHlsUploadSink } from '../../src/transcode/hls-upload-sink.js';
import { encodeAndPackage, type StreamedRendition } from '../../src/transcode/streaming-packager.js';
import { decodeVideo, makeClip } from '../support/media.js';
import { removeDir } from '../support/server-process.js';

const VIDEO_ID = 'b5e2f3a4c6d74e8f9a0b1c2d3e4f5a6b';
const RENDITIONS: HlsRendition[] = [
  { name: 'sd', width: 320, height: 180, videoBitrateKbps: 300, audioBitrateKbps: 64 },
  { name: 'ld', width: 256, height: 144, videoBitrateKbps: 150, audioBitrateKbps: 48 },
];
const SCHEMES: Record<string, SegmentScheme> = { sd: 'aes-128', ld: 'aes-256-gcm' };
const ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg';

async function readBytes(store: ObjectStore, key: string): Promise<Buffer> {
  const { body } = await store.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('encodeAndPackage (ffmpeg → HTTP sink → encrypted store)', () => {
  let dir: string;
  let clip: string;
  let store: ObjectStore;
  const dataKey = new Uint8Array(randomBytes(32));

  const args = (output: { outputUrl: string } | { outputDir: string }) =>
    buildHlsLadderArgs({
      input: clip,
      ...output,
      renditions: RENDITIONS,
      hasAudio: true,
      segmentSeconds: 2,
      x264Preset: 'ultrafast',
    });

  const specs = (prefix: string): StreamedRendition[] =>
    RENDITIONS.map((r) => ({
      name: r.name,
      storedName: `job1-${r.name}`,
      scheme: SCHEMES[r.name]!,
      keyRotationSegments: 2,
      keyUri: (period) => `/keys/${r.name}/${period}`,
      outputPrefix: `${prefix}${r.name}/`,
    }));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streaming-packager-'));
    clip = join(dir, 'clip.mp4');
    await makeClip(clip, { seconds: 5, width: 320, height: 180 });
    store = await createLocalDirectoryStore({ root: join(dir, 'store') });
  });
  after(() => removeDir(dir));

  test('produces the renditions the file-based path produces, encrypted', async () => {
    // Before: ffmpeg writes clear HLS into a directory.
    const clearDir = join(dir, 'clear');
    await runFfmpeg(args({ outputDir: clearDir }), { ffmpegPath });
    const before = await readHlsOutput(clearDir);

    // Now: through the sink, packaged as the segments arrive.
    const result = await encodeAndPackage({
      store,
      dataKey,
      videoId: VIDEO_ID,
      renditions: specs('out/'),
      masterKey: 'out/master.m3u8',
      encode: (outputUrl, signal) =>
        runFfmpeg(args({ outputUrl }), { ffmpegPath, signal, countInputFrames: true }),
    });
    assert.equal(result.encoded.inputVideoFrames, 125, 'ffmpeg reports the frames it decoded');
    assert.ok(Math.abs(result.encoded.outTimeSeconds - 5) < 0.2);

    const master = (await readBytes(store, 'out/master.m3u8')).toString('utf8');
    assert.deepEqual(
      master.split('\n').filter((l) => l && !l.startsWith('#')),
      ['sd/index.m3u8', 'ld/index.m3u8'],
    );
    for (const clear of before.renditions) {
      const packaged = result.renditions.get(clear.name);
      assert.ok(packaged, clear.name);
      const scheme = SCHEMES[clear.name]!;
      const playlist = (await readBytes(store, packaged.playlistKey)).toString('utf8');
      const durations = [...playlist.matchAll(/^#EXTINF:([\d.]+),/gm)].map((m) => Number(m[1]));
      assert.equal(packaged.segmentCount, clear.segments.length, `${clear.name}: segment count`);
      assert.deepEqual(
        durations.map((d) => d.toFixed(3)),
        clear.segments.map((s) => s.durationSeconds.toFixed(3)),
        `${clear.name}: segment durations`,
      );
      assert.equal(packaged.periods, 2, '3 segments, rotation every 2 → 2 key periods');

      const parts = [await readBytes(store, packaged.initKey)];
      let iv: Uint8Array | undefined;
      let period = 0;
      let index = 0;
      for (const line of playlist.split('\n')) {
        const key = /^#EXT-X-KEY:.*URI="\/keys\/\w+\/(\d+)"(?:.*IV=0x([0-9a-f]{32}))?/.exec(line);
        if (key) {
          period = Number(key[1]);
          if (key[2]) iv = hexToBytes(key[2]);
          continue;
        }
        if (!line || line.startsWith('#')) continue;
        const periodKey = await deriveSegmentKey(dataKey, {
          videoId: VIDEO_ID,
          rendition: `job1-${clear.name}`,
          period,
          scheme,
        });
        const cipher = await readBytes(store, packaged.initKey.replace(/init\.mp4$/, line.trim()));
        const context = { videoId: VIDEO_ID, rendition: `job1-${clear.name}`, segmentIndex: index++ };
        parts.push(
          Buffer.from(
            scheme === 'aes-128'
              ? await decryptAes128Segment(periodKey, iv!, cipher)
              : await decryptPrivateSegment(periodKey, cipher, context),
          ),
        );
      }
      const decrypted = join(dir, `${clear.name}-decrypted.mp4`);
      await writeFile(decrypted, Buffer.concat(parts));
      const clearJoined = join(dir, `${clear.name}-clear.mp4`);
      await writeFile(
        clearJoined,
        Buffer.concat([
          await readFile(clear.initPath),
          ...(await Promise.all(clear.segments.map((s) => readFile(s.path)))),
        ]),
      );
      const [got, want] = await Promise.all([decodeVideo(decrypted), decodeVideo(clearJoined)]);
      assert.equal(want.frames, 125);
      assert.equal(got.frames, want.frames, `${clear.name}: decodable frames`);
    }
  });

  test('a storage failure kills ffmpeg and rejects once no write is in flight', async () => {
    let puts = 0;
    let inFlight = 0;
    let ffmpegDone = false;
    const put: ObjectStore['put'] = async (...a) => {
      inFlight++;
      try {
        // Slow writes, so others are still in flight when one fails.
        await new Promise((r) => setTimeout(r, 50));
        if (++puts === 3) throw new Error('storage is down');
        return await store.put(...a);
      } finally {
        inFlight--;
      }
    };
    const failing = new Proxy(store, {
      get: (target, name) => (name === 'put' ? put : Reflect.get(target, name, target)),
    });
    await assert.rejects(
      encodeAndPackage({
        store: failing,
        dataKey,
        videoId: VIDEO_ID,
        renditions: specs('failed/'),
        masterKey: 'failed/master.m3u8',
        encode: (outputUrl, signal) =>
          runFfmpeg(args({ outputUrl }), { ffmpegPath, signal }).finally(() => (ffmpegDone = true)),
      }),
      /storage is down/,
    );
    assert.equal(ffmpegDone, true, 'ffmpeg has exited');
    assert.equal(inFlight, 0, 'no store write is still running');
  });

  test('the sink takes uploads only under its random prefix', async () => {
    const errors: Error[] = [];
    const media: string[] = [];
    const sink = await openHlsUploadSink({
      onMedia: async (path) => {
        media.push(path);
      },
      onError: (e) => errors.push(e),
    });
    try {
      const { origin, pathname } = new URL(sink.baseUrl);
      assert.match(pathname, /^\/[0-9a-f]{32}$/);
      const stray = await fetch(`${origin}/sd/seg_00000.m4s`, { method: 'PUT', body: 'x' });
      assert.equal(stray.status, 404);
      assert.equal(errors.length, 0, 'a stray request does not fail the job');
      const ok = await fetch(`${sink.baseUrl}/sd/seg_00000.m4s`, { method: 'PUT', body: 'x' });
      assert.equal(ok.status, 201);
      await fetch(`${sink.baseUrl}/sd/index.m3u8`, { method: 'PUT', body: '#EXTM3U\n' });
      assert.equal(sink.playlist('sd/index.m3u8'), '#EXTM3U\n');
      const bad = await fetch(`${sink.baseUrl}/a/b/c.m4s`, { method: 'PUT', body: 'x' });
      assert.equal(bad.status, 400);
      assert.deepEqual(media, ['sd/seg_00000.m4s']);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, /unexpected path/);
    } finally {
      await sink.close();
    }
  });
});
