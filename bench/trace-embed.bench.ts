/**
 * Leak tracing, embedding cost (issue 13; docs/tracing.md "Cost"): the same source through the
 * same encrypted ladder, once with `TraceWatermark` on every rung (A/B variants, 1 s segments) and
 * once without (same 1 s segments, so only tracing differs), in the same run on the same server.
 *
 * - Time: the transcode job's `finishedAt − createdAt` (upload complete → Normal).
 * - CPU: the server process plus its reaped children (ffmpeg) over the same span.
 * - Storage: bytes under `videos/<id>/` in the local object store (segments, inits, playlists).
 * - Runs alternate untraced, traced, untraced, …; medians are reported. "ours" is traced, the
 *   anchor untraced; the ratio is the cost factor (goal from the issue: about 2×).
 *
 * `BENCH_TRACE_SECONDS` (default 60) sets the source length; `BENCH_TRACE_RUNS` (default 2) the
 * runs per kind. The ladder is 720p (standard HLS encryption), 480p and 360p (private), x264 veryfast.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createDbJobQueue } from '../packages/server/src/jobs/db-job-queue.js';
import { openDatabase } from '../packages/server/src/store/database.js';
import { addGroup } from '../packages/server/test/support/fixtures.js';
import { makeClip } from '../packages/server/test/support/media.js';
import { vodClient } from '../packages/server/test/support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus } from '../packages/server/test/support/vod-upload.js';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { servicePid, startService } from './securevod-service.js';

const PRESET = 'veryfast';
const TICKS_PER_SECOND = 100;

const rung = (definition: string, height: number, bitrate: number, encryptType: string, traced: boolean) => ({
  Definition: definition,
  TemplateName: `${definition} ${traced ? 'traced' : 'plain'}`,
  Video: { Codec: 'H.264', Bitrate: String(bitrate), Height: String(height) },
  Audio: { Codec: 'AAC', Bitrate: '128' },
  Container: { Format: 'm3u8' },
  MuxConfig: { Segment: { Duration: '1' } },
  EncryptSetting: { EncryptType: encryptType },
  ...(traced ? { TraceWatermark: { Enabled: 'true', SegmentSeconds: '1' } } : {}),
});

const ladder = (traced: boolean) => [
  rung('HD', 720, 2500, 'HLSEncryption', traced),
  rung('SD', 480, 1200, 'AliyunVoDEncryption', traced),
  rung('LD', 360, 700, 'AliyunVoDEncryption', traced),
];

/** user + system CPU seconds of `pid` plus its reaped children (Linux /proc). */
async function cpuWithChildren(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await bytesUnder(path) : (await stat(path)).size;
  }
  return total;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Measured {
  seconds: number;
  cpu: number;
  bytes: number;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const seconds = Number(process.env.BENCH_TRACE_SECONDS ?? 60);
  const runs = Number(process.env.BENCH_TRACE_RUNS ?? 2);
  if (!Number.isInteger(seconds) || seconds < 4 || seconds > 600) {
    throw new Error(`BENCH_TRACE_SECONDS must be an integer from 4 to 600; got ${seconds}`);
  }
  if (!Number.isInteger(runs) || runs < 1 || runs > 9) {
    throw new Error(`BENCH_TRACE_RUNS must be an integer from 1 to 9; got ${runs}`);
  }
  const source = join(ctx.workDir, 'source.mp4');
  ctx.log(`generating a ${seconds} s 1280x720 25 fps source…`);
  await makeClip(source, { seconds, width: 1280, height: 720 });
  const server = await startService({
    dataDir: join(ctx.workDir, 'data'),
    env: { SECUREVOD_X264_PRESET: PRESET },
  });
  const results: Record<'plain' | 'traced', Measured[]> = { plain: [], traced: [] };
  try {
    const vod = vodClient(server.url);
    const pid = servicePid(server);
    const groups = {
      plain: await addGroup(vod, 'bench plain', ladder(false)),
      traced: await addGroup(vod, 'bench traced', ladder(true)),
    };
    const db = await openDatabase({ sqlitePath: join(server.dataDir, 'securevod.sqlite') });
    const jobs = createDbJobQueue(db);
    try {
      for (let i = 0; i < runs; i++) {
        for (const kind of ['plain', 'traced'] as const) {
          const ticket = await createUpload(vod, {
            Title: `bench ${kind} ${i}`,
            FileName: 'source.mp4',
            TemplateGroupId: groups[kind],
          });
          await ossClientFor(ticket).put(ticket.address.FileName, source);
          const cpuBefore = await cpuWithChildren(pid);
          const video = await waitForStatus(vod, ticket.videoId, ['Normal', 'TranscodeFail'], 30 * 60_000);
          if (video.Status !== 'Normal') throw new Error(`transcoding failed: ${video.StatusReason}`);
          let job;
          for (let tries = 0; !job?.finishedAt; tries++) {
            if (tries > 100) throw new Error(`the transcode job of ${ticket.videoId} did not finish`);
            if (tries > 0) await new Promise((r) => setTimeout(r, 100));
            const recent = await jobs.list({ type: 'transcode', limit: 10 });
            job = recent.find((j) => j.type === 'transcode' && j.payload.videoId === ticket.videoId);
          }
          const measured = {
            seconds: (Date.parse(job.finishedAt) - Date.parse(job.createdAt)) / 1000,
            cpu: (await cpuWithChildren(pid)) - cpuBefore,
            bytes: await bytesUnder(
              join(server.dataDir, 'storage', 'objects', 'videos', ticket.videoId, 'hls'),
            ),
          };
          results[kind].push(measured);
          ctx.log(
            `${kind} #${i + 1}: ${measured.seconds.toFixed(2)} s, ${measured.cpu.toFixed(1)} CPU s, ` +
              `${(measured.bytes / 1e6).toFixed(2)} MB`,
          );
        }
      }
    } finally {
      await db.close();
    }
  } finally {
    await server.stop();
  }
  const of = (kind: 'plain' | 'traced', key: keyof Measured) => median(results[kind].map((r) => r[key]));
  return {
    name: 'trace-embed',
    title: `Leak tracing: A/B transcode of a ${seconds} s 720p source into a 3-rung encrypted ladder`,
    ours: 'traced ladder (TraceWatermark on every rung: variants A and B)',
    anchor: 'the same ladder without tracing (same 1 s segments)',
    rows: [
      compare(`job time, median of ${runs}`, 's', of('traced', 'seconds'), of('plain', 'seconds'), {
        kind: 'ratio-at-most',
        value: 2.2,
      }),
      compare(`CPU seconds, median of ${runs}`, 's', of('traced', 'cpu'), of('plain', 'cpu'), {
        kind: 'ratio-at-most',
        value: 2.2,
      }),
      compare('stored bytes', 'MB', of('traced', 'bytes') / 1e6, of('plain', 'bytes') / 1e6, {
        kind: 'ratio-at-most',
        value: 2.2,
      }),
    ],
    notes: [
      `source: ${seconds} s 1280x720 25 fps testsrc2 + sine (H.264/AAC); x264 preset ${PRESET}`,
      'one ffmpeg run per job: one decode, the mark added once per variant before the ladder split, 2 × 3 encodes when traced',
      'CPU: server process + its ffmpeg/ffprobe, from upload-complete to Normal',
      'stored bytes: everything under the job prefix (segments, init, playlists, master)',
    ],
    details: { seconds, runs, results },
  };
}

const benchmark: Benchmark = {
  name: 'trace-embed',
  title: 'Leak tracing: extra encode time and storage (A/B)',
  run,
};
export default benchmark;
