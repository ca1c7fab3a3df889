/**
 * Peak resident memory of the server while it packages a 1 GB rendition: the real server process
 * answering `GET /download/<vid>` in Secure mode (download-routes.ts → ClearRenditionReader →
 * writePackageStream) for a private (AES-256-GCM) rendition of about 1 GB, read to the end by an
 * HTTP client that throws the bytes away. The rendition is made by the server itself — a 170 s
 * noisy 720p clip uploaded with ali-oss and transcoded by its worker at 50 Mbit/s, the highest
 * bitrate a template allows — so nothing is planted in its storage or database.
 *
 * The server is restarted after transcoding so its peak (VmHWM) covers only the download, then
 * measured idle for two seconds, then during the download (VmRSS every 100 ms, VmHWM at the end).
 * Anchors: the same process idle, and `openssl enc` streaming the same number of bytes.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { MB, readMemory, rssAtProgress, sampleRss, type RssSampling } from './process-memory.js';
import {
  drainDownload,
  enableSecureDownloads,
  makeNoisyClip,
  secureDownloadUrl,
  uploadHighBitrateVideo,
  type DrainedDownload,
} from './secure-download.js';
import { servicePid, startService } from './securevod-service.js';
import { vodClient } from '../packages/server/test/support/vod-client.js';

const TITLE = 'Peak RSS packaging a 1 GB rendition';
/** 170 s at 50 Mbit/s ≈ 1.06 GB. */
const CLIP_SECONDS = 170;
/** The server's default segment duration (transcode-template.ts): ≈ 25 MB segments at 50 Mbit/s. */
const SEGMENT_SECONDS = 4;
const SAMPLE_MS = 100;
const IDLE_MS = 2000;
const GOAL_MB = 150;

interface RenditionFacts {
  sizeBytes: number;
  segmentCount: number;
  bitrateKbps: number;
  durationSeconds: number;
}

/** From GetPlayInfo (ResultType=Multiple: a private stream is not listed otherwise) and its playlist. */
async function renditionFacts(serverUrl: string, videoId: string): Promise<RenditionFacts> {
  const res = await vodClient(serverUrl).request<{
    PlayInfoList: { PlayInfo: Array<{ PlayURL: string; Size: number; Bitrate: string; Duration: string }> };
  }>('GetPlayInfo', { VideoId: videoId, ResultType: 'Multiple' });
  const info = res.PlayInfoList.PlayInfo[0];
  if (!info) throw new Error('GetPlayInfo returned no stream');
  const playlist = await fetch(info.PlayURL);
  if (playlist.status !== 200) throw new Error(`the media playlist answered ${playlist.status}`);
  const segmentCount = (await playlist.text()).split('\n').filter((l) => l.trim() && !l.startsWith('#')).length;
  return {
    sizeBytes: Number(info.Size),
    segmentCount,
    bitrateKbps: Number(info.Bitrate),
    durationSeconds: Number(info.Duration),
  };
}

/** `openssl enc` fed `bytes` pseudo-random bytes on stdin, output to /dev/null; its RSS sampled. */
async function opensslStream(bytes: number): Promise<{ sampling: RssSampling; seconds: number; command: string }> {
  const args = ['enc', '-aes-256-ctr', '-pbkdf2', '-pass', 'pass:bench-anchor', '-out', '/dev/null'];
  const child = spawn('openssl', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const fed = { bytes: 0 };
  const sampler = sampleRss(child.pid!, SAMPLE_MS, () => fed.bytes);
  const pool = new Uint8Array(randomBytes(8 * 2 ** 20));
  const started = performance.now();
  async function* source() {
    const piece = 64 * 1024;
    for (let at = 0; at < bytes; at += piece) {
      const offset = at % pool.length;
      const view = pool.subarray(offset, offset + Math.min(piece, bytes - at));
      fed.bytes += view.length;
      yield view;
    }
  }
  await pipeline(Readable.from(source()), child.stdin);
  const code = await exited;
  const seconds = (performance.now() - started) / 1000;
  const sampling = sampler.stop();
  if (code !== 0) throw new Error(`openssl ${args.join(' ')} exited with ${code}: ${stderr}`);
  return { sampling, seconds, command: `openssl ${args.join(' ')}` };
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

async function run(ctx: BenchContext): Promise<BenchResult> {
  const dataDir = join(ctx.workDir, 'data');
  const clipPath = join(ctx.workDir, 'clip.mp4');
  ctx.log(`making a ${CLIP_SECONDS} s noisy 1280×720 source clip…`);
  await makeNoisyClip(clipPath, CLIP_SECONDS);

  ctx.log('starting securevod; the server transcodes the clip at 50 Mbit/s into a ~1 GB private rendition…');
  let server = await startService({ dataDir });
  let videoId: string;
  let transcodePeakRss: number;
  try {
    videoId = await uploadHighBitrateVideo(server, {
      clipPath,
      segmentSeconds: SEGMENT_SECONDS,
      encryptType: 'AliyunVoDEncryption',
      timeoutMs: 30 * 60_000,
      log: ctx.log,
    });
    transcodePeakRss = readMemory(servicePid(server))?.peakRss ?? NaN;
    await enableSecureDownloads(server);
  } finally {
    await server.stop();
  }

  ctx.log('restarting securevod, so its peak RSS covers only the download…');
  server = await startService({ dataDir });
  let idle: RssSampling;
  let during: RssSampling;
  let download: DrainedDownload;
  let rendition: RenditionFacts;
  try {
    const pid = servicePid(server);
    rendition = await renditionFacts(server.url, videoId);
    const url = await secureDownloadUrl(server, videoId);
    const idleSampler = sampleRss(pid, SAMPLE_MS);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    idle = idleSampler.stop();
    ctx.log(`idle: VmRSS ${mb(idle.maxSampledRss)}, VmHWM ${mb(idle.peakRss)}`);

    ctx.log(`downloading the package (${(rendition.sizeBytes / 1e9).toFixed(2)} GB rendition, ${rendition.segmentCount} segments)…`);
    const received = { bytes: 0 };
    const sampler = sampleRss(pid, SAMPLE_MS, () => received.bytes);
    try {
      download = await drainDownload(url, received, ctx.log);
    } finally {
      during = sampler.stop();
    }
    ctx.log(
      `download: ${mb(download.bytes)} in ${download.seconds.toFixed(1)} s; peak VmHWM ${mb(during.peakRss)}, max sampled VmRSS ${mb(during.maxSampledRss)}`,
    );
  } finally {
    await server.stop();
  }

  ctx.log(`anchor: openssl enc streaming ${mb(download.bytes)} from a pipe…`);
  const openssl = await opensslStream(download.bytes);
  ctx.log(`anchor: peak VmHWM ${mb(openssl.sampling.peakRss)} in ${openssl.seconds.toFixed(1)} s`);

  const idleRss = idle.samples.reduce((a, s) => a + s.rss, 0) / idle.samples.length;
  const curve = rssAtProgress(during.samples, download.bytes, [0.1, 0.25, 0.5, 0.75, 1]);
  const segmentBytes = rendition.sizeBytes / rendition.segmentCount;
  return {
    name: 'package-rss',
    title: TITLE,
    ours: 'securevod server process streaming GET /download/<vid> (Secure) of a ~1 GB private rendition',
    anchor: 'the same server process idle just before; openssl enc streaming the same bytes',
    rows: [
      compare('peak RSS (VmHWM) vs the same server idle', 'MB', during.peakRss / MB, idleRss / MB, {
        kind: 'ours-below',
        value: GOAL_MB,
        unit: 'MB',
      }),
      compare('peak RSS vs openssl enc streaming the same bytes', 'MB', during.peakRss / MB, openssl.sampling.peakRss / MB),
    ],
    notes: [
      `Rendition: ${rendition.sizeBytes} bytes stored (${rendition.bitrateKbps} kbit/s reported), ${rendition.segmentCount} segments of ${SEGMENT_SECONDS} s, ≈ ${mb(segmentBytes)} each; made by the server's own worker from a ${CLIP_SECONDS} s 1280×720 upload (template HD, 720p, Bitrate 50000, AliyunVoDEncryption). Package: ${download.bytes} bytes, ${download.contentType}, read in ${download.seconds.toFixed(1)} s (${(download.bytes / MB / download.seconds).toFixed(0)} MB/s) by fetch in the bench process.`,
      `Server RSS: idle ${mb(idleRss)} (mean of ${idle.samples.length} samples over ${IDLE_MS / 1000} s after a restart and one GetVideoPlayAuth); during the download VmRSS at 10/25/50/75/100 % of the bytes: ${curve.map((c) => mb(c.rss)).join(' / ')}; largest 100 ms sample ${mb(during.maxSampledRss)}; VmHWM ${mb(during.peakRss)}.`,
      `The same server process while transcoding and packaging the rendition (worker role, before the restart): VmHWM ${mb(transcodePeakRss)}.`,
      `Anchor: "${openssl.command}" fed ${mb(download.bytes)} through a pipe from the bench process: VmHWM ${mb(openssl.sampling.peakRss)}, ${openssl.seconds.toFixed(1)} s. (openssl enc has no GCM mode; CTR is the same stream cipher without the tag.)`,
    ],
    details: {
      rendition,
      transcodePeakRss,
      idle,
      download,
      during: { peakRss: during.peakRss, maxSampledRss: during.maxSampledRss, curve, samples: during.samples },
      openssl: { command: openssl.command, seconds: openssl.seconds, peakRss: openssl.sampling.peakRss },
    },
  };
}

const benchmark: Benchmark = { name: 'package-rss', title: TITLE, run };
export default benchmark;
