/**
 * Large videos and secure downloads for the packaging benchmarks, made only through the real
 * service: a high-bitrate clip is uploaded with ali-oss and transcoded by the server's own worker
 * (ffmpeg → packager → publish), downloads are switched on with SetCustomerConfig and
 * GenerateDownloadSecretKey, and `GET /download/<vid>` is read by a plain HTTP client. Nothing is
 * written into the server's storage or database behind its back, so the download path measured is
 * exactly production's (download-routes.ts → ClearRenditionReader → writePackageStream).
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { addGroup, encryptedTemplate } from '../packages/server/test/support/fixtures.js';
import type { ServerProcess } from '../packages/server/test/support/server-process.js';
import { vodClient } from '../packages/server/test/support/vod-client.js';
import { createUpload, ossClientFor, type VideoInfo } from '../packages/server/test/support/vod-upload.js';

const run = promisify(execFile);

/** The app downloads are packaged for (any accepted AppIdentification form). */
export const BENCH_APP = 'com.example.bench';
/** Used once, to register BENCH_APP; the key file it protects is not needed by these benchmarks. */
const BENCH_APP_DECRYPT_KEY = 'BenchDecryptKey0123456789aB';

/** The highest video bitrate a template accepts (transcode-template.ts), so few frames make many bytes. */
export const MAX_TEMPLATE_KBPS = 50_000;
const BASE_CLIP_SECONDS = 10;

/**
 * A 1280×720 H.264/AAC clip of `seconds` whose picture is testsrc2 plus temporal noise, so that
 * re-encoding it at 50 Mbit/s really spends 50 Mbit/s. Ten seconds are encoded once and looped
 * with `-c copy`, which takes no time.
 */
export async function makeNoisyClip(path: string, seconds: number): Promise<void> {
  const base = `${path}.base.mp4`;
  await run('ffmpeg', [
    '-y',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=25,noise=alls=40:allf=t',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    String(BASE_CLIP_SECONDS),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-b:v',
    '25M',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    base,
  ]);
  const loops = Math.ceil(seconds / BASE_CLIP_SECONDS) - 1;
  await run('ffmpeg', [
    '-y',
    '-v',
    'error',
    '-stream_loop',
    String(loops),
    '-i',
    base,
    '-t',
    String(seconds),
    '-c',
    'copy',
    path,
  ]);
  await rm(base, { force: true });
}

export interface HighBitrateOptions {
  clipPath: string;
  /** Segment duration of the template (MuxConfig.Segment.Duration); the server's default is 4. */
  segmentSeconds: number;
  encryptType: 'HLSEncryption' | 'AliyunVoDEncryption';
  timeoutMs: number;
  log(line: string): void;
}

/**
 * Uploads `clipPath` into a one-rendition group (720p, 50 Mbit/s, `encryptType`) and waits until
 * the server has transcoded it, logging progress; returns the VideoId.
 */
export async function uploadHighBitrateVideo(
  server: ServerProcess,
  opts: HighBitrateOptions,
): Promise<string> {
  const vod = vodClient(server.url);
  const template = {
    ...encryptedTemplate('HD', 720, opts.encryptType),
    Video: { Codec: 'H.264', Bitrate: String(MAX_TEMPLATE_KBPS), Height: '720' },
    Audio: { Codec: 'AAC', Bitrate: '64' },
    MuxConfig: { Segment: { Duration: String(opts.segmentSeconds) } },
  };
  const group = await addGroup(vod, `bench ${opts.encryptType} 50M`, [template]);
  const ticket = await createUpload(vod, {
    Title: 'bench high bitrate',
    FileName: 'clip.mp4',
    TemplateGroupId: group,
  });
  opts.log('uploading the source with ali-oss…');
  await ossClientFor(ticket).put(ticket.address.FileName, opts.clipPath);
  const started = Date.now();
  let lastLog = started;
  for (;;) {
    const { Video } = await vod.request<{ Video: VideoInfo & { TranscodeProgress?: number } }>(
      'GetVideoInfo',
      { VideoId: ticket.videoId },
      // pop-core's default 3 s read timeout is too short for a server busy transcoding on a loaded machine.
      { timeout: 30_000 },
    );
    if (Video.Status === 'Normal') break;
    if (Video.Status === 'TranscodeFail') throw new Error(`transcoding failed: ${Video.StatusReason}`);
    const now = Date.now();
    if (now - started > opts.timeoutMs) {
      throw new Error(`video still ${Video.Status} after ${opts.timeoutMs / 1000} s`);
    }
    if (now - lastLog >= 15_000) {
      lastLog = now;
      const progress = Video.TranscodeProgress === undefined ? '' : `, ${Video.TranscodeProgress} %`;
      opts.log(`  transcoding: ${Video.Status}${progress}, ${Math.round((now - started) / 1000)} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  opts.log(`  transcoded in ${Math.round((Date.now() - started) / 1000)} s`);
  return ticket.videoId;
}

/** Downloads on, in Secure mode, with BENCH_APP registered (GenerateDownloadSecretKey). */
export async function enableSecureDownloads(server: ServerProcess): Promise<void> {
  const vod = vodClient(server.url);
  await vod.request('SetCustomerConfig', { DownloadSwitch: 'on', DownloadMode: 'Secure' });
  await vod.request('GenerateDownloadSecretKey', {
    AppIdentification: BENCH_APP,
    AppDecryptKey: BENCH_APP_DECRYPT_KEY,
  });
}

/** `GET /download/<vid>?PlayAuth=…&AppIdentification=…`, as the CLI and the SDK build it. */
export async function secureDownloadUrl(server: ServerProcess, videoId: string): Promise<string> {
  const { PlayAuth } = await vodClient(server.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
    VideoId: videoId,
    AuthInfoTimeout: '3000',
  });
  const url = new URL(`${server.url}/download/${videoId}`);
  url.searchParams.set('PlayAuth', PlayAuth);
  url.searchParams.set('AppIdentification', BENCH_APP);
  return url.href;
}

export interface DrainedDownload {
  contentType: string;
  /** From Content-Length. */
  declaredBytes: number;
  bytes: number;
  seconds: number;
}

/**
 * Reads the whole body and throws it away (the client's /dev/null); `received` is kept current
 * for a sampler. Fails unless the answer is a complete package.
 */
export async function drainDownload(
  url: string,
  received: { bytes: number },
  log?: (line: string) => void,
): Promise<DrainedDownload> {
  const started = performance.now();
  const res = await fetch(url);
  if (res.status !== 200 || !res.body) {
    throw new Error(`GET /download answered ${res.status}: ${await res.text()}`);
  }
  const contentType = res.headers.get('content-type') ?? '';
  const declaredBytes = Number(res.headers.get('content-length'));
  let nextLog = 0.25;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received.bytes += value.length;
    if (log && received.bytes >= nextLog * declaredBytes) {
      log(`  downloaded ${Math.round(nextLog * 100)} % (${(received.bytes / 1e6).toFixed(0)} MB)`);
      nextLog += 0.25;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (received.bytes !== declaredBytes) {
    throw new Error(`the download ended after ${received.bytes} of ${declaredBytes} bytes`);
  }
  return { contentType, declaredBytes, bytes: received.bytes, seconds };
}
