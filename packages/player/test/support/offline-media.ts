/**
 * Real fragmented MP4s for the offline tests, made the way the server makes a rendition: ffmpeg's
 * HLS muxer with `-hls_segment_type fmp4` (init.mp4 + seg_NNNNN.m4s, keyframes every segment),
 * then init + segments concatenated — the plaintext of an offline package
 * (packages/server/src/download/clear-rendition-reader.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ByteReader } from '../../src/offline/fragment-index.js';

const run = promisify(execFile);

export interface Fmp4Fixture {
  /** init + every segment, as one file. */
  readonly bytes: Uint8Array;
  readonly init: Uint8Array;
  readonly segments: readonly Uint8Array[];
  readonly segmentSeconds: number;
  readonly seconds: number;
}

export interface Fmp4Options {
  readonly seconds: number;
  readonly segmentSeconds?: number;
  readonly audio?: boolean;
  /** x264 profile and level, e.g. `main` / `3.1`. */
  readonly profile?: string;
  readonly level?: string;
  readonly bitrateKbps?: number;
}

export async function makeFmp4(options: Fmp4Options): Promise<Fmp4Fixture> {
  const { seconds, segmentSeconds = 2, audio = true, profile = 'main', level = '3.1' } = options;
  const dir = await mkdtemp(join(tmpdir(), 'securevod-offline-fmp4-'));
  try {
    const args = ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25'];
    if (audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
    args.push('-t', String(seconds), '-map', '0:v');
    if (audio) args.push('-map', '1:a', '-c:a', 'aac', '-b:a', '64k', '-ac', '2');
    args.push(
      '-c:v',
      'libx264',
      '-preset',
      'veryfast', // with B-frames, so composition offsets appear in the truns
      '-profile:v',
      profile,
      '-level:v',
      level,
      '-pix_fmt',
      'yuv420p',
      '-b:v',
      `${options.bitrateKbps ?? 400}k`,
      '-force_key_frames',
      `expr:gte(t,n_forced*${segmentSeconds})`,
      '-sc_threshold',
      '0',
      '-f',
      'hls',
      '-hls_time',
      String(segmentSeconds),
      '-hls_playlist_type',
      'vod',
      '-hls_segment_type',
      'fmp4',
      '-hls_flags',
      'independent_segments',
      '-hls_fmp4_init_filename',
      'init.mp4',
      '-hls_segment_filename',
      join(dir, 'seg_%05d.m4s'),
      join(dir, 'index.m3u8'),
    );
    await run('ffmpeg', args);
    const names = (await readdir(dir)).filter((n) => n.endsWith('.m4s')).sort();
    const init = new Uint8Array(await readFile(join(dir, 'init.mp4')));
    const segments = await Promise.all(names.map(async (n) => new Uint8Array(await readFile(join(dir, n)))));
    const bytes = new Uint8Array(init.length + segments.reduce((n, s) => n + s.length, 0));
    bytes.set(init, 0);
    let at = init.length;
    for (const segment of segments) {
      bytes.set(segment, at);
      at += segment.length;
    }
    return { bytes, init, segments, segmentSeconds, seconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A `ByteReader` over bytes in memory that counts its reads. */
export function bytesReader(bytes: Uint8Array): ByteReader & { reads: number } {
  const reader = {
    size: bytes.length,
    reads: 0,
    read(offset: number, length: number) {
      reader.reads++;
      return Promise.resolve(bytes.slice(offset, Math.min(bytes.length, offset + length)));
    },
  };
  return reader;
}

/** Every fragment an async iterable yields. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
