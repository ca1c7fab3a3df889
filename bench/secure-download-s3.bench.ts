/**
 * Secure download throughput from S3 against the local directory, in the same run (issue 10:
 * goal ≥ 0.8×). One high-bitrate private video is transcoded by a server on the embedded
 * defaults; its stored objects are then copied byte for byte into a bucket on an S3-protocol
 * server (s3rver, in this process) with the store adapters — as an operator migrating would —
 * and a second server starts on a copy of the same database and key ring with SECUREVOD_S3_*
 * set. Both serve the same `GET /download/<vid>` in Secure mode, read in full by fetch here:
 * the only difference is where the segments come from.
 *
 * s3rver is a test server that keeps objects in files and runs on this process's event loop,
 * next to the HTTP client; a real S3 or MinIO is on other machines. Its CPU is reported apart.
 */
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalDirectoryStore } from '../packages/server/src/storage/local-directory-store.js';
import { createS3ObjectStore } from '../packages/server/src/storage/s3-object-store.js';
import type { ServerProcess } from '../packages/server/test/support/server-process.js';
import { startS3Server, type S3TestServer } from '../packages/server/test/support/s3-server.js';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { processCpuSeconds } from './process-cpu.js';
import {
  BENCH_APP,
  drainDownload,
  enableSecureDownloads,
  makeNoisyClip,
  secureDownloadUrl,
  uploadHighBitrateVideo,
} from './secure-download.js';
import { servicePid, startService } from './securevod-service.js';

const TITLE = 'Secure download throughput: S3 (s3rver) vs the local directory';
const CLIP_SECONDS = 20;
/** Measured downloads per store; the median (by wall time) is reported. */
const PASSES = 3;
const MB = 1e6;
const GOAL = { kind: 'ratio-at-least', value: 0.8 } as const;

interface Measured {
  bytes: number;
  /** Wall seconds of each measured pass. */
  seconds: number[];
  medianSeconds: number;
  serverCpuSeconds: number;
  /** CPU of this process (s3rver + the HTTP client) over the measured passes. */
  benchCpuSeconds: number;
}

async function measure(
  server: ServerProcess,
  videoId: string,
  log: (line: string) => void,
): Promise<Measured> {
  const url = await secureDownloadUrl(server, videoId);
  log('  warm-up download (not measured)…');
  const warm = await drainDownload(url, { bytes: 0 });
  const pid = servicePid(server);
  const seconds: number[] = [];
  const cpuBefore = processCpuSeconds(pid);
  const benchBefore = process.cpuUsage();
  for (let i = 0; i < PASSES; i++) seconds.push((await drainDownload(url, { bytes: 0 })).seconds);
  const serverCpuSeconds = (processCpuSeconds(pid) - cpuBefore) / PASSES;
  const bench = process.cpuUsage(benchBefore);
  const sorted = [...seconds].sort((a, b) => a - b);
  return {
    bytes: warm.bytes,
    seconds,
    medianSeconds: sorted[Math.floor(PASSES / 2)]!,
    serverCpuSeconds,
    benchCpuSeconds: (bench.user + bench.system) / 1e6 / PASSES,
  };
}

/** Copies every object of the local store into the bucket, as a migration to S3 would. */
async function copyObjects(localRoot: string, s3: S3TestServer, bucket: string): Promise<number> {
  const local = await createLocalDirectoryStore({ root: localRoot });
  const remote = await createS3ObjectStore({
    bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    forcePathStyle: true,
  });
  let count = 0;
  for await (const info of local.list('')) {
    const { body } = await local.get(info.key);
    await remote.put(info.key, body, { contentType: info.contentType });
    count += 1;
  }
  return count;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const localDir = join(ctx.workDir, 'local');
  const s3Dir = join(ctx.workDir, 's3-node');
  const clipPath = join(ctx.workDir, 'clip.mp4');
  ctx.log(
    `a ${CLIP_SECONDS} s 720p clip, transcoded at 50 Mbit/s (AliyunVoDEncryption) on the embedded defaults…`,
  );
  await makeNoisyClip(clipPath, CLIP_SECONDS);

  let videoId: string;
  let local: Measured;
  const localServer = await startService({ dataDir: localDir });
  try {
    videoId = await uploadHighBitrateVideo(localServer, {
      clipPath,
      segmentSeconds: 4,
      encryptType: 'AliyunVoDEncryption',
      timeoutMs: 10 * 60_000,
      log: ctx.log,
    });
    await enableSecureDownloads(localServer);
    ctx.log('local directory: measuring…');
    local = await measure(localServer, videoId, ctx.log);
  } finally {
    await localServer.stop();
  }

  const s3 = await startS3Server();
  let remote: Measured;
  let objects: number;
  try {
    const bucket = await s3.createBucket('securevod-bench');
    ctx.log('copying the stored objects into the bucket…');
    objects = await copyObjects(join(localDir, 'storage'), s3, bucket);
    await mkdir(s3Dir, { recursive: true });
    for (const name of ['securevod.sqlite', 'kms', 'root-credentials.json']) {
      await cp(join(localDir, name), join(s3Dir, name), { recursive: true }).catch(() => undefined);
    }
    const s3Server = await startService({
      dataDir: s3Dir,
      env: {
        SECUREVOD_S3_BUCKET: bucket,
        SECUREVOD_S3_ENDPOINT: s3.endpoint,
        SECUREVOD_S3_REGION: s3.region,
        SECUREVOD_S3_ACCESS_KEY_ID: s3.accessKeyId,
        SECUREVOD_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      },
    });
    try {
      ctx.log('S3: measuring…');
      remote = await measure(s3Server, videoId, ctx.log);
    } finally {
      await s3Server.stop();
    }
  } finally {
    await s3.close();
  }

  const rate = (m: Measured) => m.bytes / m.medianSeconds / MB;
  const perCpu = (m: Measured) => m.bytes / m.serverCpuSeconds / MB;
  ctx.log(`local: ${rate(local).toFixed(0)} MB/s; S3: ${rate(remote).toFixed(0)} MB/s`);
  const passes = (m: Measured) => m.seconds.map((s) => `${s.toFixed(2)} s`).join(', ');
  return {
    name: 'secure-download-s3',
    title: TITLE,
    ours: 'GET /download/<vid> (Secure) with SECUREVOD_S3_* (segments from an S3-protocol server)',
    anchor: 'the same download from the embedded local directory store',
    rows: [
      compare('GET /download (Secure), wall clock', 'MB/s', rate(remote), rate(local), GOAL),
      compare('GET /download (Secure), per server CPU second', 'MB/s', perCpu(remote), perCpu(local)),
    ],
    notes: [
      `One ${CLIP_SECONDS} s 1280×720 clip transcoded at 50 Mbit/s into 4 s AES-256-GCM segments; a ${local.bytes}-byte package for ${BENCH_APP}. The ${objects} stored objects were copied into the bucket with the store adapters; the S3 server then ran on a copy of the same database and key ring.`,
      `Median of ${PASSES} measured downloads after one warm-up each. Local: ${passes(local)}; S3: ${passes(remote)}. Server CPU per download: local ${local.serverCpuSeconds.toFixed(2)} s, S3 ${remote.serverCpuSeconds.toFixed(2)} s.`,
      `s3rver and the HTTP client share the benchmark process (${remote.benchCpuSeconds.toFixed(2)} CPU-s per S3 download, ${local.benchCpuSeconds.toFixed(2)} for local) on this 2-core machine, so the S3 number is a floor: a real S3 or MinIO runs elsewhere and serves objects from native code.`,
    ],
    details: { local, s3: remote, objects },
  };
}

const benchmark: Benchmark = { name: 'secure-download-s3', title: TITLE, run };
export default benchmark;
