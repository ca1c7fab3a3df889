/**
 * Peak resident memory of the server while it packages a 1 GB rendition: the real server process
 * answering `GET /download/<vid>` in Secure mode (download-routes.ts → ClearRenditionReader →
 * writePackageStream) for a private (AES-256-GCM) rendition of about 1 GB, read to the end by an
 * HTTP client that throws the bytes away. The renditions are made by the server itself — a noisy
 * 720p clip uploaded with ali-oss and transcoded by its worker at 50 Mbit/s, the highest bitrate
 * a template allows — so nothing is planted in its storage or database.
 *
 * The reader holds one whole segment at a time, so the segment size matters as much as the file
 * size: three renditions are measured, 1 GB with the default 4 s segments (≈ 25 MB each), 1 GB
 * with 1 s segments (≈ 6 MB, the size of a 1080p segment at usual bitrates) and 190 MB with 4 s
 * segments (same segments, a fifth of the bytes).
 *
 * Each download runs in a server process started for it alone after transcoding (VmHWM is a
 * lifetime peak): two seconds idle, then the download with VmRSS sampled every 100 ms. Anchors:
 * the same process idle, and `openssl enc` streaming the same number of bytes through a pipe.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { vodClient } from '../packages/server/test/support/vod-client.js';
import {
  compare,
  type Benchmark,
  type BenchContext,
  type BenchResult,
  type ComparisonRow,
} from './benchmark.js';
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

const TITLE = 'Peak RSS packaging a 1 GB rendition';
/** 170 s at 50 Mbit/s ≈ 1.06 GB. */
const LONG_SECONDS = 170;
const SHORT_SECONDS = 30;
const SAMPLE_MS = 100;
const IDLE_MS = 2000;
const GOAL_MB = 150;

interface Case {
  label: string;
  clipSeconds: number;
  segmentSeconds: number;
  goal: boolean;
}

const CASES: Case[] = [
  { label: '1 GB, 4 s segments', clipSeconds: LONG_SECONDS, segmentSeconds: 4, goal: true },
  { label: '1 GB, 1 s segments', clipSeconds: LONG_SECONDS, segmentSeconds: 1, goal: true },
  { label: '190 MB, 4 s segments', clipSeconds: SHORT_SECONDS, segmentSeconds: 4, goal: false },
];

interface Measured {
  case: Case;
  videoId: string;
  segmentCount: number;
  /** Mean VmRSS over the idle seconds before the download. */
  idleRss: number;
  /** VmHWM at the end of the idle seconds (start-up included). */
  idlePeakRss: number;
  download: DrainedDownload;
  sampling: RssSampling;
  curve: Array<{ fraction: number; rss: number }>;
}

/** Segments in the media playlist GetPlayInfo names (ResultType=Multiple lists private streams). */
async function segmentCount(serverUrl: string, videoId: string): Promise<number> {
  const res = await vodClient(serverUrl).request<{ PlayInfoList: { PlayInfo: Array<{ PlayURL: string }> } }>(
    'GetPlayInfo',
    { VideoId: videoId, ResultType: 'Multiple' },
  );
  const url = res.PlayInfoList.PlayInfo[0]?.PlayURL;
  if (!url) throw new Error('GetPlayInfo returned no stream');
  const playlist = await fetch(url);
  if (playlist.status !== 200) throw new Error(`the media playlist answered ${playlist.status}`);
  return (await playlist.text()).split('\n').filter((l) => l.trim() && !l.startsWith('#')).length;
}

/** `openssl enc` fed `bytes` pseudo-random bytes on stdin, output to /dev/null; its RSS sampled. */
async function opensslStream(
  bytes: number,
): Promise<{ sampling: RssSampling; seconds: number; command: string }> {
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

/**
 * One download from a server process started for it alone, so its VmHWM (a lifetime peak) covers
 * start-up, two seconds idle and this download — nothing else.
 */
async function measureDownload(
  ctx: BenchContext,
  dataDir: string,
  c: Case,
  videoId: string,
): Promise<Measured> {
  const server = await startService({ dataDir });
  try {
    const pid = servicePid(server);
    const url = await secureDownloadUrl(server, videoId);
    const count = await segmentCount(server.url, videoId);
    const idleSampler = sampleRss(pid, SAMPLE_MS);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idle = idleSampler.stop();
    const received = { bytes: 0 };
    const sampler = sampleRss(pid, SAMPLE_MS, () => received.bytes);
    let download: DrainedDownload;
    let sampling: RssSampling;
    try {
      download = await drainDownload(url, received, ctx.log);
    } finally {
      sampling = sampler.stop();
    }
    return {
      case: c,
      videoId,
      segmentCount: count,
      idleRss: idle.samples.reduce((a, s) => a + s.rss, 0) / idle.samples.length,
      idlePeakRss: idle.peakRss,
      download,
      sampling,
      curve: rssAtProgress(sampling.samples, download.bytes, [0.1, 0.25, 0.5, 0.75, 1]),
    };
  } finally {
    await server.stop();
  }
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

async function run(ctx: BenchContext): Promise<BenchResult> {
  const dataDir = join(ctx.workDir, 'data');
  const clips = new Map<number, string>();
  for (const seconds of new Set(CASES.map((c) => c.clipSeconds))) {
    ctx.log(`making a ${seconds} s noisy 1280×720 source clip…`);
    const path = join(ctx.workDir, `clip-${seconds}.mp4`);
    await makeNoisyClip(path, seconds);
    clips.set(seconds, path);
  }

  ctx.log('starting securevod; its worker transcodes each clip at 50 Mbit/s into a private rendition…');
  const server = await startService({ dataDir });
  const videoIds: string[] = [];
  let transcodePeakRss: number;
  try {
    for (const c of CASES) {
      ctx.log(`${c.label}: upload and transcode…`);
      videoIds.push(
        await uploadHighBitrateVideo(server, {
          clipPath: clips.get(c.clipSeconds)!,
          segmentSeconds: c.segmentSeconds,
          encryptType: 'AliyunVoDEncryption',
          timeoutMs: 30 * 60_000,
          log: ctx.log,
        }),
      );
    }
    transcodePeakRss = readMemory(servicePid(server))?.peakRss ?? NaN;
    await enableSecureDownloads(server);
  } finally {
    await server.stop();
  }

  const measured: Measured[] = [];
  for (const [i, c] of CASES.entries()) {
    ctx.log(`${c.label}: a fresh server process, idle for ${IDLE_MS / 1000} s, then the download…`);
    measured.push(await measureDownload(ctx, dataDir, c, videoIds[i]!));
    const m = measured.at(-1)!;
    ctx.log(
      `${c.label}: ${mb(m.download.bytes)} in ${m.download.seconds.toFixed(1)} s; VmHWM ${mb(m.sampling.peakRss)} (idle ${mb(m.idleRss)})`,
    );
  }

  const largest = measured.reduce((a, b) => (b.download.bytes > a.download.bytes ? b : a));
  ctx.log(`anchor: openssl enc streaming ${mb(largest.download.bytes)} from a pipe…`);
  const openssl = await opensslStream(largest.download.bytes);
  ctx.log(`anchor: VmHWM ${mb(openssl.sampling.peakRss)} in ${openssl.seconds.toFixed(1)} s`);

  const rows: ComparisonRow[] = measured.map((m) =>
    compare(
      `peak RSS, ${m.case.label} (≈ ${(m.download.bytes / m.segmentCount / MB).toFixed(0)} MB each), vs idle`,
      'MB',
      m.sampling.peakRss / MB,
      m.idleRss / MB,
      m.case.goal ? { kind: 'ours-below', value: GOAL_MB, unit: 'MB' } : undefined,
    ),
  );
  const main = measured[0]!;
  rows.push(
    compare(
      `peak RSS, ${main.case.label}, vs openssl enc streaming as many bytes`,
      'MB',
      main.sampling.peakRss / MB,
      openssl.sampling.peakRss / MB,
    ),
  );
  return {
    name: 'package-rss',
    title: TITLE,
    ours: 'securevod server process streaming GET /download/<vid> (Secure) of a private 50 Mbit/s rendition',
    anchor: 'the same server process idle, just before; openssl enc streaming the same bytes',
    rows,
    notes: [
      `Renditions made by the server's own worker from ${[...clips.keys()].join(' s and ')} s 1280×720 uploads (template HD, 720p, Bitrate 50000, AliyunVoDEncryption, MuxConfig Segment Duration 4 or 1). Sizes below are the package's Content-Length (header + fMP4 + 16 B per 1 MiB chunk), read in full by fetch in the bench process.`,
      ...measured.map(
        (m) =>
          `${m.case.label}: ${m.download.bytes} bytes, ${m.segmentCount} segments, read in ${m.download.seconds.toFixed(1)} s (${(m.download.bytes / MB / m.download.seconds).toFixed(0)} MB/s); idle ${mb(m.idleRss)} (VmHWM ${mb(m.idlePeakRss)} after start-up); VmRSS at 10/25/50/75/100 % of the bytes ${m.curve.map((c) => mb(c.rss)).join(' / ')}; largest 100 ms sample ${mb(m.sampling.maxSampledRss)}; VmHWM ${mb(m.sampling.peakRss)}.`,
      ),
      `Each download ran in a server process started for it alone (after transcoding, on the same data); "idle" is the mean VmRSS over the ${IDLE_MS / 1000} s before the download, after GetVideoPlayAuth and GetPlayInfo calls.`,
      `The same server process while its worker transcoded and packaged these renditions (before the restart): VmHWM ${mb(transcodePeakRss)}.`,
      `Anchor: "${openssl.command}" fed ${mb(largest.download.bytes)} through a pipe from the bench process: VmHWM ${mb(openssl.sampling.peakRss)}, ${openssl.seconds.toFixed(1)} s. (openssl enc has no GCM mode; CTR is the same stream cipher without the tag.)`,
    ],
    details: {
      transcodePeakRss,
      measured,
      openssl: { command: openssl.command, seconds: openssl.seconds, peakRss: openssl.sampling.peakRss },
    },
  };
}

const benchmark: Benchmark = { name: 'package-rss', title: TITLE, run };
export default benchmark;
