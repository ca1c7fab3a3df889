/**
 * Leak tracing detector (issue 13): detector time for a 2-minute leak, and detection rate over
 * random sessions × 3 attacks, with false accusations counted.
 *
 * - Set-up: the real `securevod server` transcodes a synthetic source (BENCH_TRACE_SOURCE_SECONDS,
 *   default 300 s, 640×360, testsrc2) with one traced rendition (1 s segments, clear storage),
 *   and 200 trace IDs are issued with GetPlayInfo `Trace`.
 * - Detector time (ours): one 2-minute leak (480p, CRF 30, 8 px crop) through the API —
 *   ali-oss upload, SubmitDigitalWatermarkExtractJob, polling GetDigitalWatermarkExtractResult;
 *   wall time from submit to result. Anchor: the floor of any A/B detector, ffmpeg decoding the
 *   leak and the two references to 64×36 grey frames, measured in this process.
 * - Detection rate: BENCH_TRACE_SESSIONS (default 20) random trace IDs; for each, its stream
 *   (assembled from the stored A/B segments by its code word, as the media role serves it) is
 *   attacked three ways — re-encode (2 min at a random start, CRF 30), scale + crop (2 min,
 *   480p, 8 px from each edge, CRF 30), and a 3-minute capture (3 min of the 5-minute video,
 *   854×480, 30 fps, gamma 1.05, CRF 28) — and run through the detector core (the job's code)
 *   against all 200 trace IDs. Correct = exactly the right trace ID; a wrong name is a false
 *   accusation; "no match" is neither. Three re-encodes of the unmarked source are negative
 *   controls. Goal: ≥ 95 % correct, 0 false accusations.
 */
import { decodeGreyFrames, type GreyFrames } from '@securevod/ffmpeg';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ClearRenditionReader } from '../packages/server/src/download/clear-rendition-reader.js';
import { openLocalKms } from '../packages/server/src/kms/local-kms.js';
import { createLocalDirectoryStore } from '../packages/server/src/storage/local-directory-store.js';
import { openDatabase } from '../packages/server/src/store/database.js';
import { createSettingsStore } from '../packages/server/src/store/settings-store.js';
import { createStreamStore } from '../packages/server/src/store/stream-store.js';
import { createTraceSessionStore } from '../packages/server/src/store/trace-session-store.js';
import { detectLeak } from '../packages/server/src/trace/leak-detector.js';
import { TraceCode, type TraceVariant } from '../packages/server/src/trace/trace-code.js';
import {
  DETECT_FPS,
  DETECT_HEIGHT,
  DETECT_WIDTH,
} from '../packages/server/src/trace/trace-extract-job-handler.js';
import { loadTraceSecret } from '../packages/server/src/trace/trace-secret.js';
import {
  renditionSegments,
  topRendition,
  tracedRenditions,
} from '../packages/server/src/trace/trace-references.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../packages/server/test/support/fixtures.js';
import { makeClip } from '../packages/server/test/support/media.js';
import { vodClient } from '../packages/server/test/support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus } from '../packages/server/test/support/vod-upload.js';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';
import { startService } from './securevod-service.js';

const run = promisify(execFile);
const ISSUED = 200;

interface Attack {
  name: string;
  seconds: number;
  args: string[];
}

const ATTACKS: Attack[] = [
  { name: 're-encode', seconds: 120, args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '30'] },
  {
    name: 'scale + crop',
    seconds: 120,
    args: ['-vf', 'scale=-2:480,crop=iw-16:ih-16', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '30'],
  },
  {
    name: '3-minute capture',
    seconds: 180,
    args: [
      '-vf',
      'scale=854:480,fps=30,eq=gamma=1.05',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '28',
    ],
  },
];

/** Deterministic pseudo-random numbers in [0, 1), so runs are comparable. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function* bytesOf(buffer: Buffer): AsyncGenerator<Uint8Array> {
  yield buffer;
}

const bench: Benchmark = {
  name: 'trace',
  title: 'Leak tracing: detector time and detection rate',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const sourceSeconds = Number(process.env.BENCH_TRACE_SOURCE_SECONDS ?? 300);
    const sessionCount = Number(process.env.BENCH_TRACE_SESSIONS ?? 20);
    const dataDir = join(ctx.workDir, 'data');
    const server = await startService({ dataDir });
    try {
      const vod = vodClient(server.url);
      const clip = join(ctx.workDir, 'source.mp4');
      await makeClip(clip, { seconds: sourceSeconds, width: 640, height: 360 });
      const group = await addGroup(vod, 'traced bench', [
        { ...encryptedTemplate('SD', 360), TraceWatermark: { Enabled: 'true' } },
      ]);
      ctx.log(`transcoding a ${sourceSeconds} s traced source…`);
      const videoId = await uploadVideo(vod, clip, group, 'traced bench');
      const ids = Array.from({ length: ISSUED }, (_, i) => `viewer${i}`);
      for (const trace of ids) {
        await vod.request('GetPlayInfo', {
          VideoId: videoId,
          DigitalWatermarkType: 'TraceMark',
          Trace: trace,
        });
      }

      // The stored state, read as the worker reads it (clear storage: no data key needed).
      const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
      const kms = await openLocalKms({ dir: join(dataDir, 'kms') });
      const secret = await loadTraceSecret(kms, createSettingsStore(db));
      const code = new TraceCode(secret);
      secret.fill(0);
      const objects = await createLocalDirectoryStore({ root: join(dataDir, 'storage') });
      const stream = topRendition(tracedRenditions(await createStreamStore(db).listForVideo(videoId)))!;
      const candidates = await createTraceSessionStore(db).traceIds(videoId);
      await db.close();
      await kms.close();
      const segments = await renditionSegments(objects, stream);
      const read = async (variantOf: (k: number) => TraceVariant) => {
        const reader = await ClearRenditionReader.open(objects, stream, undefined, { variantOf });
        const parts: Uint8Array[] = [];
        for await (const chunk of reader.chunks()) parts.push(chunk);
        return Buffer.concat(parts);
      };
      const grid = { ffmpegPath: 'ffmpeg', width: DETECT_WIDTH, height: DETECT_HEIGHT, fps: DETECT_FPS };
      const decode = (input: Parameters<typeof decodeGreyFrames>[0]['input']) =>
        decodeGreyFrames({ ...grid, input });
      let t = performance.now();
      const refA: GreyFrames = await decode({ stream: bytesOf(await read(() => 'a')) });
      const refB: GreyFrames = await decode({ stream: bytesOf(await read(() => 'b')) });
      const refSeconds = (performance.now() - t) / 1000;
      const codeWord = (traceId: string) => code.bits(videoId, traceId, segments.length);
      const rand = random(20261207);
      const sessionFile = async (traceId: string) => {
        const file = join(ctx.workDir, 'session.mp4');
        await writeFile(file, await read((k) => code.variant(videoId, traceId, k)));
        return file;
      };
      const attack = async (input: string, a: Attack, out: string) => {
        const start = Math.floor(rand() * Math.max(1, sourceSeconds - a.seconds - 1));
        await run('ffmpeg', [
          '-y',
          '-v',
          'error',
          '-ss',
          String(start),
          '-t',
          String(a.seconds),
          '-i',
          input,
          ...a.args,
          '-an',
          out,
        ]);
        return start;
      };

      // Detector time through the API, for one 2-minute leak.
      const timedTrace = ids[Math.floor(rand() * ids.length)]!;
      const timedLeak = join(ctx.workDir, 'timed-leak.mp4');
      await attack(await sessionFile(timedTrace), ATTACKS[1]!, timedLeak);
      const ticket = await createUpload(vod, {
        Title: 'leak',
        FileName: 'leak.mp4',
        TemplateGroupId: 'VOD_NO_TRANSCODE',
      });
      await ossClientFor(ticket).put(ticket.address.FileName, timedLeak);
      await waitForStatus(vod, ticket.videoId, ['UploadSucc']);
      t = performance.now();
      const { JobId } = await vod.request<{ JobId: string }>(
        'SubmitDigitalWatermarkExtractJob',
        { MediaId: ticket.videoId, ExtractType: 'TraceMark', SourceVideoId: videoId },
        { method: 'POST' },
      );
      let apiVerdict = '';
      for (;;) {
        const { AiExtractResultList } = await vod.request<{
          AiExtractResultList: { Status: string; WaterMarkText: string }[];
        }>('GetDigitalWatermarkExtractResult', { MediaId: ticket.videoId, ExtractType: 'TraceMark', JobId });
        if (AiExtractResultList[0]!.Status !== 'Processing') {
          apiVerdict = AiExtractResultList[0]!.WaterMarkText || 'no match';
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const jobSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      await decode(timedLeak);
      const leakDecodeSeconds = (performance.now() - t) / 1000;
      ctx.log(
        `API detection of a 2-minute leak: ${jobSeconds.toFixed(1)} s → ${apiVerdict} (truth ${timedTrace})`,
      );

      // Detection rate.
      const chosen = new Set<string>();
      while (chosen.size < Math.min(sessionCount, ids.length))
        chosen.add(ids[Math.floor(rand() * ids.length)]!);
      const tally = ATTACKS.map((a) => ({
        attack: a.name,
        correct: 0,
        noMatch: 0,
        wrong: 0,
        coreSeconds: [] as number[],
      }));
      const cases: Record<string, unknown>[] = [];
      for (const traceId of chosen) {
        const file = await sessionFile(traceId);
        for (const [i, a] of ATTACKS.entries()) {
          const leakFile = join(ctx.workDir, `leak-${i}.mp4`);
          const start = await attack(file, a, leakFile);
          const t0 = performance.now();
          const leak = await decode(leakFile);
          const report = await detectLeak({ leak, refA, refB, segments, candidates, codeWord });
          const seconds = (performance.now() - t0) / 1000;
          const row = tally[i]!;
          row.coreSeconds.push(seconds);
          if (report.traceId === traceId) row.correct++;
          else if (report.traceId === null) row.noMatch++;
          else row.wrong++;
          cases.push({
            traceId,
            attack: a.name,
            start,
            named: report.traceId,
            bitsRead: report.bitsRead,
            agreements: report.score?.agreements,
            bits: report.score?.bits,
            log10P: report.score?.log10P,
          });
          ctx.log(
            `${a.name} ${traceId} @${start}s → ${report.traceId ?? 'no match'} (${report.score?.agreements}/${report.score?.bits})`,
          );
        }
      }
      // Negative controls: the unmarked source, re-encoded.
      let controlAccusations = 0;
      for (let i = 0; i < 3; i++) {
        const leakFile = join(ctx.workDir, `control-${i}.mp4`);
        await attack(clip, ATTACKS[1]!, leakFile);
        const report = await detectLeak({
          leak: await decode(leakFile),
          refA,
          refB,
          segments,
          candidates,
          codeWord,
        });
        if (report.traceId !== null) controlAccusations++;
      }

      const total = tally.reduce((n, r) => n + r.correct + r.noMatch + r.wrong, 0);
      const correct = tally.reduce((n, r) => n + r.correct, 0);
      const wrong = tally.reduce((n, r) => n + r.wrong, 0) + controlAccusations;
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      const rows = [
        compare('detector time, 2-minute leak (API job)', 's', jobSeconds, leakDecodeSeconds + refSeconds),
        ...tally.map((r) =>
          compare(
            `correct: ${r.attack}`,
            '%',
            (100 * r.correct) / Math.max(1, r.correct + r.noMatch + r.wrong),
            95,
            {
              kind: 'ratio-at-least',
              value: 1,
            },
          ),
        ),
        compare('correct: all attacks', '%', (100 * correct) / Math.max(1, total), 95, {
          kind: 'ratio-at-least',
          value: 1,
        }),
        compare('false accusations (incl. 3 unmarked controls)', 'count', wrong, 1, {
          kind: 'ours-below',
          value: 1,
          unit: 'count',
        }),
      ];
      return {
        name: 'trace',
        title: bench.title,
        ours: `securevod detector: 64×36 @ ${DETECT_FPS} fps, ${ISSUED} issued trace IDs, ${sourceSeconds} s traced source (1 s segments)`,
        anchor:
          'time: ffmpeg decoding the leak + both references to 64×36 grey; rates: the goal (95 %), false accusations: must stay below 1',
        rows,
        notes: [
          `API job verdict ${apiVerdict} (truth ${timedTrace}).`,
          `Core time per leak (decode + score, references cached): median ${tally.map((r) => `${r.attack} ${median(r.coreSeconds).toFixed(1)} s`).join(', ')}.`,
          ...tally.map(
            (r) =>
              `${r.attack}: ${r.correct} correct, ${r.noMatch} no match, ${r.wrong} wrong of ${r.correct + r.noMatch + r.wrong}.`,
          ),
          `Unmarked controls accused: ${controlAccusations} of 3.`,
        ],
        details: { cases, tally, jobSeconds, leakDecodeSeconds, refSeconds, sessionCount, sourceSeconds },
      };
    } finally {
      await server.stop();
    }
  },
};

export default bench;
