/**
 * Test media for the player: one 10 s lavfi clip cut by ffmpeg into clear fMP4 HLS (two
 * renditions, 2 s segments), then packaged by the server's real packager into a real local
 * directory store three times — clear, standard (AES-128) and private (AES-256-GCM) — with key
 * rotation every 2 segments (periods 0, 0, 1, 1, 2).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bytesToHex, randomBytes } from '@securevod/crypto';
import { readHlsOutput } from '@securevod/ffmpeg';
import { createLocalDirectoryStore } from '../../../server/src/storage/local-directory-store.js';
import type { ObjectStore } from '../../../server/src/storage/object-store.js';
import {
  packageMaster,
  packageRendition,
  type PackagingScheme,
} from '../../../server/src/transcode/packager.js';

const run = promisify(execFile);

export const CLIP_SECONDS = 10;
export const KEY_ROTATION_SEGMENTS = 2;

export interface FixtureRendition {
  /** Stored rendition name ("ld", "sd"); also the stream id in key URIs of the test double. */
  readonly name: string;
  readonly definition: string;
  readonly width: number;
  readonly height: number;
  readonly bandwidth: number;
  readonly segmentCount: number;
}

export interface FixtureVideo {
  readonly videoId: string;
  readonly scheme: PackagingScheme;
  /** The video's data key; only the test double's key service uses it. */
  readonly dataKey: Uint8Array;
  readonly renditions: readonly FixtureRendition[];
}

export interface PackagedFixtures {
  readonly store: ObjectStore;
  readonly videos: Readonly<Record<PackagingScheme, FixtureVideo>>;
}

const LADDER = [
  { name: 'ld', definition: 'LD', width: 320, height: 180 },
  { name: 'sd', definition: 'SD', width: 480, height: 270 },
] as const;

/** Store key of a video's object, e.g. `videos/<vid>/hls/ld/index.m3u8`. */
export function storeKey(videoId: string, object: string): string {
  return `videos/${videoId}/hls/${object}`;
}

/** Key-service path of a period key, as written into the playlists. */
export function keyPath(
  scheme: 'aes-128' | 'aes-256-gcm',
  videoId: string,
  rendition: string,
  period: number,
): string {
  return `/keys/${scheme === 'aes-128' ? 'hls' : 'private'}/${videoId}/${rendition}/${period}`;
}

export async function makePackagedFixtures(dir: string): Promise<PackagedFixtures> {
  const scratch = join(dir, 'scratch');
  await run('ffmpeg', [
    ...['-hide_banner', '-v', 'error', '-nostdin'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=480x270:rate=25`],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ...['-t', String(CLIP_SECONDS)],
    ...['-map', '0:v', '-map', '0:v', '-map', '1:a', '-map', '1:a'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k'],
    ...LADDER.flatMap((r, i) => [`-s:v:${i}`, `${r.width}x${r.height}`, `-b:v:${i}`, `${300 + 300 * i}k`]),
    ...['-force_key_frames', 'expr:gte(t,n_forced*2)'],
    ...['-f', 'hls', '-hls_segment_type', 'fmp4', '-hls_time', '2', '-hls_playlist_type', 'vod'],
    ...['-hls_flags', 'independent_segments', '-hls_fmp4_init_filename', 'init.mp4'],
    ...['-hls_segment_filename', join(scratch, '%v', 'seg_%05d.m4s'), '-master_pl_name', 'master.m3u8'],
    ...['-var_stream_map', LADDER.map((r, i) => `v:${i},a:${i},name:${r.name}`).join(' ')],
    join(scratch, '%v', 'index.m3u8'),
  ]);
  const output = await readHlsOutput(scratch);
  const store = await createLocalDirectoryStore({ root: join(dir, 'store') });

  const videos = {} as Record<PackagingScheme, FixtureVideo>;
  for (const scheme of ['none', 'aes-128', 'aes-256-gcm'] as const) {
    const videoId = bytesToHex(randomBytes(16));
    const dataKey = randomBytes(32);
    const renditions: FixtureRendition[] = [];
    for (const rung of LADDER) {
      const rendition = output.renditions.find((r) => r.name === rung.name);
      if (!rendition) throw new Error(`ffmpeg wrote no ${rung.name} rendition`);
      const packaged = await packageRendition({
        store,
        videoId,
        rendition,
        scheme,
        keyRotationSegments: KEY_ROTATION_SEGMENTS,
        outputPrefix: storeKey(videoId, `${rung.name}/`),
        ...(scheme !== 'none' && {
          dataKey,
          keyUri: (period: number) => keyPath(scheme, videoId, rung.name, period),
        }),
      });
      renditions.push({ ...rung, bandwidth: rendition.bandwidth, segmentCount: packaged.segmentCount });
    }
    await packageMaster({
      store,
      masterPath: output.masterPath,
      outputKey: storeKey(videoId, 'master.m3u8'),
      variants: output.renditions.map((r) => ({ sourceUri: r.uri, uri: `${r.name}/index.m3u8` })),
    });
    videos[scheme] = { videoId, scheme, dataKey, renditions };
  }
  return { store, videos };
}
