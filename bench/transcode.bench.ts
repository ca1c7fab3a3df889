/**
 * Transcode job time (issue 12 item 7): how long securevod takes from upload-complete to Normal
 * for a generated 1080p source into a 4-rung encrypted ladder, against plain ffmpeg run with the
 * same arguments writing clear HLS to local disk.
 *
 * - Ours: the real `securevod server` (SQLite, local storage) transcodes an upload made with
 *   ali-oss. Its time comes from the job record: `finishedAt − createdAt` of the `transcode` job,
 *   which is enqueued when the upload completes and finishes once the video is Normal. Its CPU is
 *   the server process's user + system time plus that of its reaped children (ffmpeg), from the
 *   end of the upload until the job record is finished. The idle server's CPU rate is measured
 *   first and reported, as it is part of that figure.
 * - Anchor: the exact ffmpeg command line the server ran (read from `/proc/<pid>/cmdline` during
 *   the first run of ours), with the source path put back and the HTTP output replaced by a local
 *   directory. Its CPU is ffmpeg's, read as this process's reaped-children time.
 * - Runs alternate ours, anchor, ours, …, 3 each; medians are reported.
 *
 * `BENCH_TRANSCODE_SECONDS` (default 60) sets the source length; the ladder is 1080p, 720p, 480p
 * and 360p, two rungs with standard HLS encryption and two with private encryption, 4 s
 * segments, the server's default x264 preset (veryfast).
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDbJobQueue } from '../packages/server/src/jobs/db-job-queue.js';
import { openDatabase } from '../packages/server/src/store/database.js';
import { addGroup } from '../packages/server/test/support/fixtures.js';
import { makeClip } from '../packages/server/test/support/media.js';
import { vodClient } from '../packages/server/test/support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus } from '../packages/server/test/support/vod-upload.js';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { servicePid, startService } from './securevod-service.js';

const RUNS = 3;
const IDLE_SECONDS = 10;
const PRESET = 'veryfast';
const TICKS_PER_SECOND = 100;

const rung = (definition: string, height: number, bitrate: number, encryptType: string) => ({
  Definition: definition,
  TemplateName: `${definition} bench`,
  Video: { Codec: 'H.264', Bitrate: String(bitrate), Height: String(height) },
  Audio: { Codec: 'AAC', Bitrate: '128' },
  Container: { Format: 'm3u8' },
  MuxConfig: { Segment: { Duration: '4' } },
  EncryptSetting: { EncryptType: encryptType },
});

const LADDER = [
  rung('FHD', 1080, 4500, 'HLSEncryption'),
  rung('HD', 720, 2500, 'HLSEncryption'),
  rung('SD', 480, 1200, 'AliyunVoDEncryption'),
  rung('LD', 360, 700, 'AliyunVoDEncryption'),
];

/** user + system CPU seconds of `pid` itself plus its reaped children (Linux /proc). */
async function cpuWithChildren(pid: number): Promise<number> {
  const { own, children } = await cpuSplit(pid);
  return own + children;
}

/** `own`: the process's user + system seconds; `children`: those of its reaped children. */
async function cpuSplit(pid: number): Promise<{ own: number; children: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14–17; f[0] is field 3.
  return {
    own: (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND,
    children: (Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND,
  };
}

async function childrenCpu(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
}

/** The command line of the first ffmpeg below `root`, or undefined. */
async function ffmpegCommandBelow(root: number): Promise<string[] | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m?.[1] === 'ffmpeg' && Number(m[2]) === root) {
        const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
        return args.slice(0, args.at(-1) === '' ? -1 : undefined);
      }
    } catch {
      // exited meanwhile
    }
  }
  return undefined;
}

/**
 * The server's ffmpeg arguments, reading the local `source` instead of the worker's loopback
 * source endpoint and writing clear HLS under `outputDir` instead of the loopback sink.
 */
function anchorArgs(serverArgs: string[], source: string, outputDir: string): string[] {
  const args = serverArgs.slice(1);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-method' || a === '-protocol_whitelist') {
      i++; // PUT for the HTTP output; http,tcp for the loopback source endpoint
      continue;
    }
    if (a === '-i') {
      out.push(a, `file:${source}`);
      i++;
      continue;
    }
    out.push(a.replace(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+/, outputDir));
  }
  return out;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const seconds = Number(process.env.BENCH_TRANSCODE_SECONDS ?? 60);
  if (!Number.isInteger(seconds) || seconds < 4 || seconds > 600) {
    throw new Error(`BENCH_TRANSCODE_SECONDS must be an integer from 4 to 600; got ${seconds}`);
  }
  const source = join(ctx.workDir, 'source.mp4');
  ctx.log(`generating a ${seconds} s 1920x1080 25 fps source…`);
  await makeClip(source, { seconds, width: 1920, height: 1080 });

  const server = await startService({
    dataDir: join(ctx.workDir, 'data'),
    env: { SECUREVOD_X264_PRESET: PRESET },
  });
  const ours: Array<{ seconds: number; cpu: number; serverCpu: number }> = [];
  const anchor: Array<{ seconds: number; cpu: number }> = [];
  let command: string[] | undefined;
  let idleCpuPerSecond = 0;
  try {
    const vod = vodClient(server.url);
    const pid = servicePid(server);
    const group = await addGroup(vod, 'bench ladder', LADDER);
    // What the idle server costs per second (timers, job polling): part of ours, not of the job.
    const idleStart = await cpuWithChildren(pid);
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    idleCpuPerSecond = ((await cpuWithChildren(pid)) - idleStart) / IDLE_SECONDS;
    const db = await openDatabase({ sqlitePath: join(server.dataDir, 'securevod.sqlite') });
    const jobs = createDbJobQueue(db);
    try {
      for (let i = 0; i < RUNS; i++) {
        // Ours.
        let watching = command === undefined;
        const watcher = (async () => {
          while (watching) {
            command = await ffmpegCommandBelow(pid);
            if (command) break;
            await new Promise((r) => setTimeout(r, 50));
          }
        })();
        const ticket = await createUpload(vod, {
          Title: `bench ${i}`,
          FileName: 'source.mp4',
          TemplateGroupId: group,
        });
        await ossClientFor(ticket).put(ticket.address.FileName, source);
        // From upload-complete on, like the job time (the upload itself is not the job).
        const cpuBefore = await cpuSplit(pid);
        const videoId = ticket.videoId;
        const video = await waitForStatus(vod, videoId, ['Normal', 'TranscodeFail'], 30 * 60_000);
        if (video.Status !== 'Normal') throw new Error(`transcoding failed: ${video.StatusReason}`);
        watching = false;
        await watcher;
        // The job is marked succeeded just after the video turns Normal.
        let job;
        for (let tries = 0; !job?.finishedAt; tries++) {
          if (tries > 100) throw new Error(`the transcode job of ${videoId} did not finish`);
          if (tries > 0) await new Promise((r) => setTimeout(r, 100));
          const recent = await jobs.list({ type: 'transcode', limit: 10 });
          job = recent.find((j) => j.type === 'transcode' && j.payload.videoId === videoId);
        }
        const cpuAfter = await cpuSplit(pid);
        const serverCpu = cpuAfter.own - cpuBefore.own;
        const cpu = serverCpu + cpuAfter.children - cpuBefore.children;
        const jobSeconds = (Date.parse(job.finishedAt) - Date.parse(job.createdAt)) / 1000;
        ours.push({ seconds: jobSeconds, cpu, serverCpu });
        ctx.log(
          `ours #${i + 1}: ${jobSeconds.toFixed(2)} s, ${cpu.toFixed(1)} CPU s ` +
            `(server process ${serverCpu.toFixed(1)}, ffprobe + ffmpeg ${(cpu - serverCpu).toFixed(1)})`,
        );
        if (!command) throw new Error("could not read the server's ffmpeg command line");

        // Anchor: the same arguments, clear HLS to local disk.
        const outputDir = join(ctx.workDir, `anchor-${i}`);
        const args = anchorArgs(command, source, outputDir);
        const childCpuBefore = await childrenCpu();
        const started = performance.now();
        await new Promise<void>((resolve, reject) => {
          const child = spawn(command![0]!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
          child.on('error', reject);
          child.on('close', (code) =>
            code === 0 ? resolve() : reject(new Error(`anchor ffmpeg exited ${code}: ${stderr}`)),
          );
        });
        const anchorSeconds = (performance.now() - started) / 1000;
        const anchorCpu = (await childrenCpu()) - childCpuBefore;
        anchor.push({ seconds: anchorSeconds, cpu: anchorCpu });
        ctx.log(`anchor #${i + 1}: ${anchorSeconds.toFixed(2)} s, ${anchorCpu.toFixed(1)} CPU s`);
        await rm(outputDir, { recursive: true, force: true });
      }
    } finally {
      await jobs.close();
      await db.close();
    }
  } finally {
    await server.stop();
  }

  const oursTime = median(ours.map((r) => r.seconds));
  const anchorTime = median(anchor.map((r) => r.seconds));
  const oursCpu = median(ours.map((r) => r.cpu));
  const anchorCpu = median(anchor.map((r) => r.cpu));
  return {
    name: 'transcode',
    title: `Transcode job, ${seconds} s 1080p source → 4-rung encrypted ladder`,
    ours: 'securevod job (upload complete → Normal, from the job record)',
    anchor: 'plain ffmpeg, same arguments, clear HLS to local disk',
    rows: [
      compare('job time, median of 3', 's', oursTime, anchorTime, { kind: 'ratio-at-most', value: 1.03 }),
      compare('CPU seconds, median of 3', 's', oursCpu, anchorCpu),
    ],
    notes: [
      `source: ${seconds} s 1920x1080 25 fps testsrc2 + sine (H.264/AAC); x264 preset ${PRESET}`,
      'ours includes the job pick-up, the header probe, encryption and storage of every segment, and the publish transaction',
      'CPU: ours = server process + its ffmpeg, from upload-complete to Normal; anchor = ffmpeg',
      `the idle server used ${idleCpuPerSecond.toFixed(3)} CPU s per second (included in ours)`,
      `median CPU of the server process itself (sink, encryption, storage, DB, idle work): ${median(ours.map((r) => r.serverCpu)).toFixed(1)} s`,
    ],
    details: {
      ours,
      anchor,
      idleCpuPerSecond,
      anchorCommand: command ? anchorArgs(command, source, '<dir>') : undefined,
    },
  };
}

const benchmark: Benchmark = {
  name: 'transcode',
  title: 'Transcode job time vs plain ffmpeg',
  run,
};
export default benchmark;
