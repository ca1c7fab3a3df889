/**
 * The real service for benchmarks: the `securevod server` binary started exactly as the
 * integration tests start it (packages/server/test/support), with warn-level logging so logging
 * does not dominate, and ready-made transcoded videos to ask keys for.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addGroup, encryptedTemplate, uploadVideo } from '../packages/server/test/support/fixtures.js';
import { makeClip } from '../packages/server/test/support/media.js';
import { startServerProcess, type ServerProcess } from '../packages/server/test/support/server-process.js';
import { vodClient } from '../packages/server/test/support/vod-client.js';
import { findPid } from './process-cpu.js';

const PROFILE_PRELOAD = fileURLToPath(new URL('./profiling/cpu-profile-preload.mjs', import.meta.url));

/**
 * The key benchmarks measure the key service itself, one client and one token at line rate,
 * which the default `/keys/` rate limits would refuse within a second; what the limits cost is
 * key-service-limits.bench.ts's subject.
 */
export const NO_KEY_RATE_LIMITS = {
  SECUREVOD_RATE_LIMIT_KEYS: '0',
  SECUREVOD_RATE_LIMIT_KEYS_PER_TOKEN: '0',
};

export interface StartOptions {
  dataDir: string;
  /** Write a V8 CPU profile (`.cpuprofile`) of the server process into this directory when it stops. */
  cpuProfileDir?: string;
  /** More settings for the server (e.g. SECUREVOD_S3_*). */
  env?: Record<string, string>;
}

export async function startService(options: StartOptions): Promise<ServerProcess> {
  const env: Record<string, string> = {
    SECUREVOD_LOG_LEVEL: 'warn',
    SECUREVOD_X264_PRESET: 'ultrafast',
    ...options.env,
  };
  if (options.cpuProfileDir) {
    await mkdir(options.cpuProfileDir, { recursive: true });
    env.NODE_OPTIONS = `--import=${PROFILE_PRELOAD}`;
    env.SECUREVOD_BENCH_CPU_PROFILE_DIR = options.cpuProfileDir;
  }
  // A loaded machine (other benchmarks, test suites) can take more than the tests' 30 s to start it.
  return startServerProcess({ dataDir: options.dataDir, env, startTimeoutMs: 90_000 });
}

/** The pid of the server process started on `dataDir` (for its CPU time). */
export function servicePid(server: ServerProcess): number {
  return findPid(['securevod.mjs', 'server', '--data-dir', server.dataDir]);
}

/** Uploads a short lavfi clip into a one-rendition group with `encryptType`; returns the VideoId. */
export async function transcodedVideo(
  server: ServerProcess,
  encryptType: 'HLSEncryption' | 'AliyunVoDEncryption',
): Promise<string> {
  const vod = vodClient(server.url);
  const clip = join(server.dataDir, `bench-${encryptType}.mp4`);
  await makeClip(clip, { seconds: 4, width: 320, height: 240 });
  const group = await addGroup(vod, `bench ${encryptType}`, [encryptedTemplate('LD', 240, encryptType)]);
  return uploadVideo(vod, clip, group, `bench ${encryptType}`);
}

/** The first `#EXT-X-KEY` URI of a media playlist, absolute. */
export async function firstKeyUri(playlistUrl: string): Promise<string> {
  const res = await fetch(playlistUrl);
  if (res.status !== 200) throw new Error(`playlist answered ${res.status}: ${await res.text()}`);
  const match = /#EXT-X-KEY:[^\n]*URI="([^"]+)"/.exec(await res.text());
  if (!match) throw new Error('the media playlist names no key URI');
  return new URL(match[1]!, playlistUrl).href;
}

/** A standard-encryption key URI (`/keys/hls/…?MtsHlsUriToken=…`) as GetPlayInfo's playlist names it. */
export async function standardKeyUri(server: ServerProcess, videoId: string): Promise<string> {
  const vod = vodClient(server.url);
  const res = await vod.request<{ PlayInfoList: { PlayInfo: Array<{ PlayURL: string }> } }>('GetPlayInfo', {
    VideoId: videoId,
    AuthTimeout: '3600',
  });
  const playUrl = res.PlayInfoList.PlayInfo[0]?.PlayURL;
  if (!playUrl) throw new Error('GetPlayInfo returned no stream');
  return firstKeyUri(playUrl);
}

export interface PrivateKeyEndpoint {
  /** `/keys/private/<vid>/<stream>/<period>` without a query. */
  url: string;
  /** Player session token (valid 10 minutes). */
  token: string;
  context: { videoId: string; rendition: string; period: number };
}

/** What the player SDK does: PlayAuth → /play/info → session token and the private key URI. */
export async function privateKeyEndpoint(
  server: ServerProcess,
  videoId: string,
): Promise<PrivateKeyEndpoint> {
  const vod = vodClient(server.url);
  const { PlayAuth } = await vod.request<{ PlayAuth: string }>('GetVideoPlayAuth', { VideoId: videoId });
  const res = await fetch(`${server.url}/play/info`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ VideoId: videoId, PlayAuth }),
  });
  if (res.status !== 200) throw new Error(`/play/info answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as {
    Session: { Token: string };
    PlayInfoList: { PlayInfo: Array<{ PlayURL: string; StreamId: string }> };
  };
  const play = body.PlayInfoList.PlayInfo[0];
  if (!play) throw new Error('/play/info returned no stream');
  const url = new URL(await firstKeyUri(play.PlayURL));
  url.search = '';
  return {
    url: url.href,
    token: body.Session.Token,
    context: { videoId, rendition: play.StreamId, period: Number(url.pathname.split('/').pop()) },
  };
}

/** How many key deliveries the audit log holds for `videoId` (ListKeyDeliveries' Total). */
export async function auditedDeliveries(server: ServerProcess, videoId: string): Promise<number> {
  const vod = vodClient(server.url);
  const res = await vod.request<{ Total: number }>('ListKeyDeliveries', { VideoId: videoId, PageSize: '1' });
  return res.Total;
}

/** `url` with its origin replaced by `origin` (the server listens on a new port after a restart). */
export function onOrigin(url: string, origin: string): string {
  const moved = new URL(url);
  const target = new URL(origin);
  moved.protocol = target.protocol;
  moved.host = target.host;
  return moved.href;
}
