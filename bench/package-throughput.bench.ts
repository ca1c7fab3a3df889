/**
 * Offline-package streaming throughput: `encryptPackageStream` (@securevod/crypto, the writer the
 * download endpoint runs) encrypting 512 MiB of pseudo-random plaintext into a package, in a
 * Node process of its own (package-stream-process.ts), against `openssl speed -evp aes-256-gcm` on
 * the same machine. The plaintext is cut from an 8 MiB random pool in 64 KiB pieces, never held
 * whole, so producing it costs next to nothing. Then, end to end, the real `GET /download/<vid>` in Secure mode on a
 * really transcoded private (AES-256-GCM) video, read by an HTTP client in this process.
 */
import { join } from 'node:path';
import { opensslAes256Gcm, type OpensslCipherSpeed } from './anchors/openssl-aes-gcm-speed.js';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { formatProfile, monotonicMicros, readProfileFrom, type ProfileSummary } from './cpu-profile.js';
import { processCpuSeconds } from './process-cpu.js';
import { PIECE_BYTES, runPackageStreamProcess } from './package-stream-process.js';
import {
  BENCH_APP,
  drainDownload,
  enableSecureDownloads,
  makeNoisyClip,
  secureDownloadUrl,
  uploadHighBitrateVideo,
  type DrainedDownload,
} from './secure-download.js';
import { servicePid, startService } from './securevod-service.js';

const TITLE = 'Package streaming throughput vs openssl speed -evp aes-256-gcm';
const MiB = 2 ** 20;
const STREAM_BYTES = 512 * MiB;
/** Measured passes of STREAM_BYTES; the median (by wall time) is reported. */
const PASSES = 7;
const WARMUP_BYTES = 32 * MiB;
const OPENSSL_SECONDS = 3;
/** ≈ 190 MB at 50 Mbit/s: long enough to measure, short enough to transcode in about a minute. */
const E2E_CLIP_SECONDS = 30;
const MB = 1e6;
const GOAL = { kind: 'ratio-at-least', value: 0.7 } as const;

interface EndToEnd {
  download: DrainedDownload;
  serverCpuSeconds: number;
  segmentSeconds: number;
  clipSeconds: number;
  /** With --profile: where the server's main thread spent a second, profiled download. */
  profile?: ProfileSummary;
}

async function endToEnd(ctx: BenchContext): Promise<EndToEnd> {
  const dataDir = join(ctx.workDir, 'data');
  const clipPath = join(ctx.workDir, 'clip.mp4');
  const segmentSeconds = 4;
  ctx.log(`end to end: a ${E2E_CLIP_SECONDS} s 720p clip, transcoded at 50 Mbit/s (AliyunVoDEncryption)…`);
  await makeNoisyClip(clipPath, E2E_CLIP_SECONDS);
  const server = await startService({ dataDir });
  let result: EndToEnd;
  let videoId: string;
  try {
    videoId = await uploadHighBitrateVideo(server, {
      clipPath,
      segmentSeconds,
      encryptType: 'AliyunVoDEncryption',
      timeoutMs: 10 * 60_000,
      log: ctx.log,
    });
    await enableSecureDownloads(server);
    const url = await secureDownloadUrl(server, videoId);
    const pid = servicePid(server);
    ctx.log('end to end: warm-up download (not measured)…');
    await drainDownload(url, { bytes: 0 });
    ctx.log('end to end: measured download…');
    const cpuBefore = processCpuSeconds(pid);
    const download = await drainDownload(url, { bytes: 0 });
    const serverCpuSeconds = processCpuSeconds(pid) - cpuBefore;
    result = { download, serverCpuSeconds, segmentSeconds, clipSeconds: E2E_CLIP_SECONDS };
  } finally {
    await server.stop();
  }
  if (ctx.options.profile) result.profile = await profiledDownload(ctx, dataDir, videoId);
  return result;
}

/** One more download from a second server process on the same data, under the V8 profiler. */
async function profiledDownload(
  ctx: BenchContext,
  dataDir: string,
  videoId: string,
): Promise<ProfileSummary> {
  const profileDir = join(ctx.workDir, 'profile');
  const server = await startService({ dataDir, cpuProfileDir: profileDir });
  let window;
  try {
    const url = await secureDownloadUrl(server, videoId);
    ctx.log('profiling a download (V8 CPU profiler in the server process)…');
    const fromUs = monotonicMicros();
    await drainDownload(url, { bytes: 0 });
    window = { fromUs, toUs: monotonicMicros() };
  } finally {
    await server.stop();
  }
  const summary = await readProfileFrom(profileDir, window);
  ctx.log(formatProfile(summary));
  return summary;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  ctx.log(`anchor: openssl speed -evp aes-256-gcm -seconds ${OPENSSL_SECONDS} (CPU time, then -elapsed)…`);
  const opensslCpu: OpensslCipherSpeed = await opensslAes256Gcm(OPENSSL_SECONDS);
  const opensslWall: OpensslCipherSpeed = await opensslAes256Gcm(OPENSSL_SECONDS, { elapsed: true });
  ctx.log(
    `anchor: ${(opensslCpu.bytesPerSecond / MB).toFixed(0)} MB/CPU-s, ${(opensslWall.bytesPerSecond / MB).toFixed(0)} MB/s wall`,
  );

  ctx.log(
    `ours: encryptPackageStream in its own process, ${WARMUP_BYTES / MiB} MiB warm-up, then ${PASSES} × ${STREAM_BYTES / MiB} MiB…`,
  );
  const passes = await runPackageStreamProcess(STREAM_BYTES, PASSES, WARMUP_BYTES);
  const ours = [...passes].sort((a, b) => a.wallSeconds - b.wallSeconds)[Math.floor(PASSES / 2)]!;
  const oursWall = ours.plaintextBytes / ours.wallSeconds;
  const oursCpu = ours.plaintextBytes / ours.cpuSeconds;
  ctx.log(
    `ours: ${(oursWall / MB).toFixed(0)} MB/s wall, ${(oursCpu / MB).toFixed(0)} MB/CPU-s (${ours.wallSeconds.toFixed(2)} s, ${ours.cpuSeconds.toFixed(2)} CPU-s)`,
  );

  const e2e = await endToEnd(ctx);
  const e2eWall = e2e.download.bytes / e2e.download.seconds;
  const e2eCpu = e2e.download.bytes / e2e.serverCpuSeconds;
  ctx.log(
    `end to end: ${(e2e.download.bytes / MB).toFixed(0)} MB in ${e2e.download.seconds.toFixed(2)} s = ${(e2eWall / MB).toFixed(0)} MB/s, server ${e2e.serverCpuSeconds.toFixed(2)} CPU-s`,
  );

  const notes: string[] = [];
  if (e2e.profile) {
    const top = e2e.profile.topFunctions.slice(0, 6).map((f) => `${f.name} ${(f.share * 100).toFixed(1)} %`);
    notes.push(
      `Profiled download (--profile, a separate pass): server main thread ${e2e.profile.busyMs} ms busy of ${e2e.profile.wallMs} ms; top self time: ${top.join('; ')}.`,
    );
  }
  return {
    name: 'package-throughput',
    title: TITLE,
    ours: 'encryptPackageStream (1 MiB chunks, WebCrypto AES-256-GCM) in a process of its own; GET /download/<vid> in Secure mode',
    anchor: `openssl speed -evp aes-256-gcm -seconds ${OPENSSL_SECONDS}, 16384-byte blocks, one thread`,
    rows: [
      compare(
        'encryptPackageStream, per CPU second',
        'MB/s',
        oursCpu / MB,
        opensslCpu.bytesPerSecond / MB,
        GOAL,
      ),
      compare(
        'encryptPackageStream, wall clock',
        'MB/s',
        oursWall / MB,
        opensslWall.bytesPerSecond / MB,
        GOAL,
      ),
      compare('GET /download (Secure), wall clock', 'MB/s', e2eWall / MB, opensslWall.bytesPerSecond / MB),
      compare(
        'GET /download (Secure), per server CPU second',
        'MB/s',
        e2eCpu / MB,
        opensslCpu.bytesPerSecond / MB,
      ),
    ],
    notes: [
      `encryptPackageStream, in a Node process of its own: ${PASSES} passes of ${STREAM_BYTES / MiB} MiB of plaintext (after a ${WARMUP_BYTES / MiB} MiB warm-up) in ${PIECE_BYTES / 1024} KiB pieces cut from an 8 MiB random pool, each a ${ours.packageBytes}-byte package; the median pass took ${ours.wallSeconds.toFixed(2)} s wall, ${ours.cpuSeconds.toFixed(2)} s CPU (user + system of that process, all threads); all passes: ${passes.map((p) => `${p.wallSeconds.toFixed(2)} s`).join(', ')}.`,
      `Anchor: "${opensslCpu.command}" divides by its own user CPU time; "${opensslWall.command}" by wall-clock time. Both encrypt 16 KiB blocks on one thread with no I/O.`,
      `End to end: a ${e2e.clipSeconds} s 1280×720 clip transcoded by the server at 50 Mbit/s into ${e2e.segmentSeconds} s AES-256-GCM private segments; GET /download/<vid>?PlayAuth=…&AppIdentification=${BENCH_APP} read in full by fetch in the bench process (after one unmeasured download). ${e2e.download.bytes} package bytes in ${e2e.download.seconds.toFixed(2)} s; server CPU ${e2e.serverCpuSeconds.toFixed(2)} s. Per byte the server reads each segment from disk, decrypts it (AES-256-GCM), re-encrypts it into the package and writes it to the socket, so the anchor is a single pass of what ours does twice.`,
      ...notes,
    ],
    details: { opensslCpu, opensslWall, ours, passes, endToEnd: e2e },
  };
}

const benchmark: Benchmark = { name: 'package-throughput', title: TITLE, run };
export default benchmark;
