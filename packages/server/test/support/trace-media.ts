/**
 * Synthetic A/B watermark fixtures for detector tests, made with ffmpeg directly (watermark.md
 * §3.3): a keyed 16×9 ±1 luma grid, smoothly interpolated, faded in and out at segment edges,
 * added (+δ, variant A: `blend` grainmerge) or subtracted (−δ, variant B: grainextract) from a
 * source, encoded as 1 s MPEG-TS segments; a "session" is a concat list of A/B segments.
 * Independent of the transcoder's own embedding: these only exercise the detector.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface AbFixture {
  dir: string;
  seconds: number;
  fps: number;
  /** The same source encoded once without any mark. */
  clearPath: string;
  /** `a_00000.ts` … and `b_…`: segment k covers [k, k+1) seconds. */
  segmentPath: (variant: 'a' | 'b', index: number) => string;
}

const GRID_W = 16;
const GRID_H = 9;
const PATTERNS = 4;

function grid(seed: string, j: number): Int8Array {
  const bytes = createHash('sha256').update(`${seed}/${j}`).digest();
  const more = createHash('sha256').update(`${seed}/${j}/2`).digest();
  const all = Buffer.concat([bytes, more]);
  const out = new Int8Array(GRID_W * GRID_H);
  for (let i = 0; i < out.length; i++) out[i] = ((all[i >> 3]! >> (i & 7)) & 1) === 1 ? 1 : -1;
  return out;
}

/** Raised-cosine interpolation of a grid at pixel (x, y). */
function sample(g: Int8Array, x: number, y: number, width: number, height: number): number {
  const gx = Math.min(GRID_W - 1, Math.max(0, ((x + 0.5) * GRID_W) / width - 0.5));
  const gy = Math.min(GRID_H - 1, Math.max(0, ((y + 0.5) * GRID_H) / height - 0.5));
  const x0 = Math.floor(gx);
  const y0 = Math.floor(gy);
  const x1 = Math.min(GRID_W - 1, x0 + 1);
  const y1 = Math.min(GRID_H - 1, y0 + 1);
  const wx = (1 - Math.cos(Math.PI * (gx - x0))) / 2;
  const wy = (1 - Math.cos(Math.PI * (gy - y0))) / 2;
  const v = (xx: number, yy: number) => g[yy * GRID_W + xx]!;
  return (1 - wy) * ((1 - wx) * v(x0, y0) + wx * v(x1, y0)) + wy * ((1 - wx) * v(x0, y1) + wx * v(x1, y1));
}

/** A raw yuv420p loop of PATTERNS one-second segments: Y = 128 + δ·env·P, U = V = 128. */
async function writePatternLoop(path: string, width: number, height: number, fps: number, delta: number) {
  const ySize = width * height;
  const frame = Buffer.alloc(ySize + 2 * ((width / 2) * (height / 2)), 128);
  const frames: Buffer[] = [];
  const fade = Math.max(1, Math.round(fps * 0.2));
  for (let j = 0; j < PATTERNS; j++) {
    const g = grid('fixture', j);
    const plane = new Float32Array(ySize);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) plane[y * width + x] = sample(g, x, y, width, height);
    for (let f = 0; f < fps; f++) {
      const env = Math.min(1, (f + 0.5) / fade, (fps - f - 0.5) / fade);
      const out = Buffer.from(frame);
      for (let p = 0; p < ySize; p++) out[p] = Math.round(128 + delta * env * plane[p]!);
      frames.push(out);
    }
  }
  await writeFile(path, Buffer.concat(frames));
}

/**
 * Source (testsrc2 + grain) → variant A and B segment sets under `dir`. 1 s segments, keyframe
 * every segment, x264 ultrafast CRF 20.
 */
export async function makeAbFixture(
  dir: string,
  options: { seconds?: number; width?: number; height?: number; fps?: number; delta?: number } = {},
): Promise<AbFixture> {
  const { seconds = 120, width = 320, height = 180, fps = 25, delta = 2 } = options;
  const pattern = join(dir, 'pattern.yuv');
  await writePatternLoop(pattern, width, height, fps, delta);
  const source = `testsrc2=size=${width}x${height}:rate=${fps},noise=alls=6:allf=t`;
  const encode = (mode: string, variant: string) =>
    run('ffmpeg', [
      '-y',
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      source,
      '-stream_loop',
      '-1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'yuv420p',
      '-s',
      `${width}x${height}`,
      '-r',
      String(fps),
      '-i',
      pattern,
      '-filter_complex',
      `[0:v]format=yuv420p[s];[s][1:v]blend=all_mode=${mode}:shortest=1[v]`,
      '-map',
      '[v]',
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '20',
      '-g',
      String(fps),
      '-keyint_min',
      String(fps),
      '-sc_threshold',
      '0',
      '-force_key_frames',
      'expr:gte(t,n_forced*1)',
      '-f',
      'segment',
      '-segment_time',
      '1',
      '-reset_timestamps',
      '0',
      '-segment_format',
      'mpegts',
      join(dir, `${variant}_%05d.ts`),
    ]);
  await encode('grainmerge', 'a');
  await encode('grainextract', 'b');
  await run('ffmpeg', [
    '-y',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    source,
    '-t',
    String(seconds),
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '20',
    join(dir, 'clear.mp4'),
  ]);
  return {
    dir,
    seconds,
    fps,
    clearPath: join(dir, 'clear.mp4'),
    segmentPath: (variant, index) => join(dir, `${variant}_${String(index).padStart(5, '0')}.ts`),
  };
}

/** A concat list naming, for every segment k, `variantOf(k)`'s file. */
export async function writeSessionList(
  fixture: AbFixture,
  path: string,
  variantOf: (index: number) => 'a' | 'b',
): Promise<string> {
  const lines = Array.from(
    { length: fixture.seconds },
    (_, k) => `file '${fixture.segmentPath(variantOf(k), k)}'`,
  );
  await writeFile(path, `ffconcat version 1.0\n${lines.join('\n')}\n`);
  return path;
}

/**
 * A leak of a session: the concat list re-encoded by ffmpeg with `filters` (e.g. crop, scale,
 * fps), starting `trimSeconds` in, x264 ultrafast at `crf`.
 */
export async function makeLeak(
  list: string | { file: string },
  out: string,
  options: { trimSeconds?: number; filters?: string; crf?: number; durationSeconds?: number } = {},
): Promise<string> {
  const args = ['-y', '-v', 'error'];
  args.push(...(typeof list === 'string' ? ['-f', 'concat', '-safe', '0', '-i', list] : ['-i', list.file]));
  if (options.trimSeconds) args.push('-ss', String(options.trimSeconds));
  if (options.durationSeconds) args.push('-t', String(options.durationSeconds));
  if (options.filters) args.push('-vf', options.filters);
  args.push('-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', String(options.crf ?? 30), out);
  await run('ffmpeg', args);
  return out;
}

/** The bytes of every segment of one variant back to back (MPEG-TS concatenates), for piping. */
export async function* variantBytes(fixture: AbFixture, variant: 'a' | 'b'): AsyncGenerator<Uint8Array> {
  for (let k = 0; k < fixture.seconds; k++) yield await readFile(fixture.segmentPath(variant, k));
}

/** Two sessions' streams averaged frame by frame (the simplest collusion), x264 ultrafast CRF 18. */
export async function averageSessions(listA: string, listB: string, out: string): Promise<string> {
  await run('ffmpeg', [
    '-y',
    '-v',
    'error',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    listA,
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    listB,
    '-filter_complex',
    '[0:v][1:v]blend=all_mode=average',
    '-an',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '18',
    out,
  ]);
  return out;
}
