/**
 * Leak tracing, embedding side (docs/tracing.md, "Embedding and delivery"), with the real ffmpeg:
 * - a traced rendition goes through the same streaming path as any other (one ffmpeg run, HTTP
 *   sink, streaming packager) and is stored as `init.mp4` (shared), `a/seg_N`, `b/seg_N` and an
 *   `index.m3u8` naming A;
 * - A and B differ in every segment, and have the same segments: any mix of them decodes to the
 *   same frames as all-A;
 * - private (AES-256-GCM) variants never repeat a (period key, nonce) pair, found by scanning
 *   what storage holds;
 * - variants whose init segments differ are refused (one stored init.mp4 must serve both);
 * - the mark itself, before encoding: PSNR ≥ 45 dB and SSIM ≥ 0.999 against the source, and no
 *   global luma step between A and B (watermark.md §6.5 item 5).
 */
import { buildHlsLadderArgs, runFfmpeg, type HlsRendition } from '@securevod/ffmpeg';
import {
  PRIVATE_SEGMENT_HEADER_LENGTH,
  decryptAes128Segment,
  decryptPrivateSegment,
  deriveSegmentKey,
  hexToBytes,
} from '@securevod/crypto';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { writeTracePattern } from '../../src/trace/trace-pattern.js';
import { encodeAndPackage, type StreamedRendition } from '../../src/transcode/streaming-packager.js';
import { decodeVideo, makeClip } from '../support/media.js';
import { removeDir } from '../support/server-process.js';

const run = promisify(execFile);
const VIDEO_ID = 'c0ffee00c6d74e8f9a0b1c2d3e4f5a6b';
const ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg';
const SECONDS = 6;
const FPS = 25;
const RENDITIONS: HlsRendition[] = [
  { name: 'sd', width: 320, height: 180, videoBitrateKbps: 300, audioBitrateKbps: 64, traced: true },
  { name: 'ld', width: 256, height: 144, videoBitrateKbps: 150, audioBitrateKbps: 48, traced: true },
  { name: 'od', width: 256, height: 144, videoBitrateKbps: 150, audioBitrateKbps: 48 },
];
const SCHEMES = { sd: 'aes-128', ld: 'aes-256-gcm', od: 'aes-128' } as const;
const ROTATION = 2;

async function readBytes(store: ObjectStore, key: string): Promise<Buffer> {
  const { body } = await store.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('A/B transcode (ffmpeg → HTTP sink → streaming packager)', () => {
  let dir: string;
  let clip: string;
  let store: ObjectStore;
  const dataKey = new Uint8Array(randomBytes(32));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ab-transcode-'));
    clip = join(dir, 'clip.mp4');
    await makeClip(clip, { seconds: SECONDS, width: 320, height: 180, fps: FPS });
    store = await createLocalDirectoryStore({ root: join(dir, 'store') });
  });
  after(() => removeDir(dir));

  test('stores init.mp4, a/ and b/ segments and a playlist naming a/; A ≠ B; mixes decode; no nonce repeats', async () => {
    const pattern = await writeTracePattern(join(dir, 'pattern.yuv'), { fps: FPS, segmentSeconds: 1 });
    const specs: StreamedRendition[] = RENDITIONS.map((r) => ({
      name: r.name,
      storedName: `job1-${r.name}`,
      scheme: SCHEMES[r.name as keyof typeof SCHEMES],
      keyRotationSegments: ROTATION,
      keyUri: (period) => `/keys/${r.name}/${period}`,
      outputPrefix: `out/${r.name}/`,
      traced: r.traced,
    }));
    const result = await encodeAndPackage({
      store,
      dataKey,
      videoId: VIDEO_ID,
      renditions: specs,
      masterKey: 'out/master.m3u8',
      encode: (outputUrl, signal) =>
        runFfmpeg(
          buildHlsLadderArgs({
            input: clip,
            outputUrl,
            renditions: RENDITIONS,
            hasAudio: true,
            segmentSeconds: 1,
            x264Preset: 'ultrafast',
            tracePattern: pattern,
          }),
          { ffmpegPath, signal },
        ),
    });

    const master = (await readBytes(store, 'out/master.m3u8')).toString('utf8');
    assert.deepEqual(
      master.split('\n').filter((l) => l && !l.startsWith('#')),
      ['sd/index.m3u8', 'ld/index.m3u8', 'od/index.m3u8'],
      'the master names each rendition once; B is no choice for a player',
    );

    const nonces = new Set<string>();
    for (const r of RENDITIONS) {
      const packaged = result.renditions.get(r.name)!;
      const scheme = SCHEMES[r.name as keyof typeof SCHEMES];
      assert.equal(packaged.segmentCount, SECONDS, `${r.name}: 1 s segments`);
      const keys: string[] = [];
      for await (const o of store.list(`out/${r.name}/`)) keys.push(o.key.slice(`out/${r.name}/`.length));
      keys.sort();
      const ext = scheme === 'aes-256-gcm' ? 'svs' : 'm4s';
      const names = Array.from({ length: SECONDS }, (_, i) => `seg_${String(i).padStart(5, '0')}.${ext}`);
      assert.deepEqual(
        keys,
        r.traced
          ? [...names.map((n) => `a/${n}`), ...names.map((n) => `b/${n}`), 'index.m3u8', 'init.mp4'].sort()
          : [...names, 'index.m3u8', 'init.mp4'].sort(),
        `${r.name}: storage layout`,
      );
      const playlist = (await readBytes(store, packaged.playlistKey)).toString('utf8');
      const uris = playlist.split('\n').filter((l) => l && !l.startsWith('#'));
      assert.deepEqual(uris, r.traced ? names.map((n) => `a/${n}`) : names, `${r.name}: playlist names A`);
      if (!r.traced) continue;

      // Per segment: the variants' ciphertexts and plaintexts differ; decrypt every one.
      const ivs = [...playlist.matchAll(/IV=0x([0-9a-f]{32})/g)].map((m) => hexToBytes(m[1]!));
      const clear: Record<'a' | 'b', Buffer[]> = { a: [], b: [] };
      for (let i = 0; i < SECONDS; i++) {
        const period = Math.floor(i / ROTATION);
        const key = await deriveSegmentKey(dataKey, {
          videoId: VIDEO_ID,
          rendition: `job1-${r.name}`,
          period,
          scheme,
        });
        for (const v of ['a', 'b'] as const) {
          const cipher = await readBytes(store, `out/${r.name}/${v}/${names[i]}`);
          if (scheme === 'aes-256-gcm') {
            const nonce = cipher.subarray(8, PRIVATE_SEGMENT_HEADER_LENGTH).toString('hex');
            const pair = `${r.name}/${period}/${nonce}`;
            assert.ok(!nonces.has(pair), `(key, nonce) repeats at ${v}/${names[i]}`);
            nonces.add(pair);
          }
          clear[v].push(
            Buffer.from(
              scheme === 'aes-256-gcm'
                ? await decryptPrivateSegment(key, cipher, {
                    videoId: VIDEO_ID,
                    rendition: `job1-${r.name}`,
                    segmentIndex: i,
                  })
                : // The playlist's IV serves both variants (docs/tracing.md: the prefix-equality leak).
                  await decryptAes128Segment(key, ivs[i]!, cipher),
            ),
          );
        }
        const [a, b] = [
          await readBytes(store, `out/${r.name}/a/${names[i]}`),
          await readBytes(store, `out/${r.name}/b/${names[i]}`),
        ];
        assert.notDeepEqual(a, b, `${r.name} segment ${i}: stored A = B`);
        assert.notDeepEqual(clear.a[i], clear.b[i], `${r.name} segment ${i}: clear A = B`);
      }
      // Same cut: all-A, all-B and an alternating mix decode to the same number of frames.
      const init = await readBytes(store, packaged.initKey);
      const frames: number[] = [];
      for (const pick of [() => 'a', () => 'b', (i: number) => (i % 2 ? 'b' : 'a')] as const) {
        const file = join(dir, `${r.name}-mix-${frames.length}.mp4`);
        await writeFile(
          file,
          Buffer.concat([init, ...clear.a.map((_, i) => clear[pick(i) as 'a' | 'b'][i]!)]),
        );
        frames.push((await decodeVideo(file)).frames);
      }
      assert.deepEqual(frames, [SECONDS * FPS, SECONDS * FPS, SECONDS * FPS], `${r.name}: A, B and a mix`);
    }
    assert.equal(nonces.size, 2 * SECONDS, 'every private segment was scanned');
  });

  test('A and B init segments that differ fail the job', async () => {
    const spec: StreamedRendition = {
      name: 'sd',
      storedName: 'job2-sd',
      scheme: 'none',
      keyRotationSegments: 0,
      outputPrefix: 'bad/sd/',
      traced: true,
    };
    await assert.rejects(
      encodeAndPackage({
        store,
        videoId: VIDEO_ID,
        renditions: [spec],
        masterKey: 'bad/master.m3u8',
        // What ffmpeg would PUT first, but with init segments that are not byte-identical. Like
        // ffmpeg, it does not wait for answers; it stops when packaging fails (`signal`).
        encode: (outputUrl, signal) =>
          new Promise<void>((resolve) => {
            signal.addEventListener('abort', () => resolve(), { once: true });
            const puts = [
              ['sd_ta/init_sd_ta.mp4', 'init A'],
              ['sd_tb/init_sd_tb.mp4', 'init B'],
            ].map(([path, body]) =>
              fetch(`${outputUrl}/${path}`, { method: 'PUT', body, signal }).catch(() => undefined),
            );
            // Without the check, both are accepted: "ffmpeg" exits and the output is incomplete.
            void Promise.all(puts).then(() => resolve());
          }),
      }),
      /the A and B init segments of sd differ/,
    );
  });

  test('the mark before encoding: PSNR ≥ 45 dB, SSIM ≥ 0.999, no global luma step between A and B', async () => {
    const source = join(dir, 'quality.mp4');
    await makeClip(source, { seconds: 4, width: 640, height: 360, fps: FPS, audio: false });
    const pattern = await writeTracePattern(join(dir, 'quality.yuv'), { fps: FPS, segmentSeconds: 1 });
    const patternInput = [
      '-stream_loop',
      '-1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'yuv420p',
      '-s',
      `${pattern.width}x${pattern.height}`,
      '-r',
      String(FPS),
      '-i',
      pattern.path,
    ];
    // The same chain buildHlsLadderArgs builds for the variants (scale2ref + blend).
    const marked = (mode: string) =>
      `[0:v:0]format=yuv420p,split=2[src][ref];[1:v][src]scale2ref=flags=bicubic[pat][src2];[src2][pat]blend=all_mode=${mode}:shortest=1[m]`;
    const measure = async (graph: string): Promise<string> =>
      (
        await run(
          ffmpegPath,
          ['-hide_banner', '-i', source, ...patternInput, '-filter_complex', graph, '-f', 'null', '-'],
          { maxBuffer: 8 << 20 },
        )
      ).stderr;

    const psnrSsim = await measure(`${marked('grainmerge')};[ref]split[r1][r2];[m][r1]psnr[p];[p][r2]ssim`);
    const psnr = Number(/PSNR y:([\d.]+|inf)/.exec(psnrSsim)?.[1]);
    const ssim = Number(/SSIM Y:([\d.]+)/.exec(psnrSsim)?.[1]);
    assert.ok(psnr >= 45, `luma PSNR ${psnr} dB < 45`);
    assert.ok(ssim >= 0.999, `luma SSIM ${ssim} < 0.999`);

    const yavg = async (mode: string): Promise<number[]> => {
      const out = await measure(
        `${marked(mode)};[ref]nullsink;[m]signalstats,metadata=print:key=lavfi.signalstats.YAVG`,
      );
      const values = [...out.matchAll(/YAVG=([\d.]+)/g)].map((m) => Number(m[1]));
      assert.equal(values.length, 4 * FPS);
      return values;
    };
    // Frame by frame: a switch between A and B at any segment boundary must not change brightness.
    const [a, b] = [await yavg('grainmerge'), await yavg('grainextract')];
    const steps = a.map((v, i) => Math.abs(v - b[i]!));
    assert.ok(Math.max(...steps) < 0.5, `mean luma of A and B differs by up to ${Math.max(...steps)}`);
  });
});
