import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FfmpegError } from '../src/ffmpeg-error.js';
import type { FfmpegProgress } from '../src/ffmpeg-progress.js';
import { runFfmpeg } from '../src/ffmpeg-runner.js';
import type { FfmpegLogger } from '../src/logger.js';
import { PATHS, makeTempDir, processesMentioning } from './helpers/media-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;

before(async () => {
  ({ dir, cleanup } = await makeTempDir('securevod-runner-'));
});
after(() => cleanup());

function recordingLogger(): FfmpegLogger & { lines: Array<[string, string, unknown]> } {
  const lines: Array<[string, string, unknown]> = [];
  const at = (level: string) => (msg: string, data?: unknown) => lines.push([level, msg, data]);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** An endless encode that only stops when killed; `marker` makes its process findable. */
function endlessArgs(marker: string): string[] {
  return [
    ...['-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mp4', '-y', join(dir, `${marker}.mp4`)],
  ];
}

test('runs ffmpeg, reports increasing progress with percent, logs stderr', async () => {
  const progress: FfmpegProgress[] = [];
  const logger = recordingLogger();
  await runFfmpeg(
    [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25',
      '-t',
      '3',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-f',
      'null',
      '-',
    ],
    { ffmpegPath: PATHS.ffmpegPath, durationSeconds: 3, onProgress: (p) => progress.push(p), logger },
  );
  assert.ok(progress.length >= 1);
  const last = progress.at(-1) as FfmpegProgress;
  assert.equal(last.done, true);
  assert.equal(last.percent, 100);
  assert.equal(last.frame, 75);
  assert.ok(Math.abs(last.outTimeSeconds - 3) < 0.1);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(
      (progress[i] as FfmpegProgress).outTimeSeconds >= (progress[i - 1] as FfmpegProgress).outTimeSeconds,
    );
  }
  assert.ok(logger.lines.some(([level, msg]) => level === 'debug' && msg === 'ffmpeg stderr'));
  // -hide_banner is added: no banner reached the logger.
  assert.ok(!logger.lines.some(([, , data]) => JSON.stringify(data ?? '').includes('Copyright')));
});

test('a failing run rejects with FfmpegFailed, exit code and the stderr tail', async () => {
  await assert.rejects(
    runFfmpeg(['-i', join(dir, 'missing.mp4'), '-f', 'null', '-'], { ffmpegPath: PATHS.ffmpegPath }),
    (err: unknown) => {
      assert.ok(err instanceof FfmpegError);
      assert.equal(err.code, 'FfmpegFailed');
      assert.equal(err.permanent, false);
      assert.notEqual(err.exitCode, 0);
      assert.equal(typeof err.exitCode, 'number');
      assert.match(err.message, /exited with code \d+: .*No such file or directory/);
      assert.match(err.stderrTail, /missing\.mp4/);
      assert.ok(err.stderrTail.split('\n').length <= 50);
      return true;
    },
  );
});

test('a missing ffmpeg binary is NotFound and says how to fix it', async () => {
  await assert.rejects(
    runFfmpeg(['-version'], { ffmpegPath: join(dir, 'bin', 'ffmpeg') }),
    (err: unknown) => {
      assert.ok(err instanceof FfmpegError && err.code === 'NotFound');
      assert.match(err.message, /FFMPEG_PATH/);
      assert.match(err.message, /[Ii]nstall ffmpeg/);
      return true;
    },
  );
});

test('aborting after start kills ffmpeg and rejects with Aborted once it is gone', async () => {
  const marker = `abort-${process.pid}-${Date.now()}`;
  const controller = new AbortController();
  let reports = 0;
  const started = Date.now();
  const run = runFfmpeg(endlessArgs(marker), {
    ffmpegPath: PATHS.ffmpegPath,
    signal: controller.signal,
    onProgress: () => {
      reports++;
      if (reports === 2) controller.abort(new Error('cancelled by test'));
    },
  });
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof FfmpegError && err.code === 'Aborted');
    assert.equal((err.cause as Error).message, 'cancelled by test');
    return true;
  });
  assert.equal(reports, 2, 'ffmpeg was running (two progress reports) when aborted');
  assert.ok(Date.now() - started < 10_000);
  assert.deepEqual(await processesMentioning(marker), []);
});

test('a process that ignores SIGTERM is SIGKILLed after the grace period', async () => {
  const fake = join(dir, 'stubborn-ffmpeg');
  const pidFile = join(dir, 'stubborn.pid');
  // Ignored signals stay ignored across exec, so `sleep` itself ignores SIGTERM; exec keeps the pid.
  await writeFile(fake, `#!/bin/sh\ntrap '' TERM\necho $$ > '${pidFile}'\nexec sleep 30\n`);
  await chmod(fake, 0o755);
  const controller = new AbortController();
  const run = runFfmpeg([], { ffmpegPath: fake, signal: controller.signal, killGraceMs: 300 });
  let pid = 0;
  for (let i = 0; i < 50 && !pid; i++) {
    await new Promise((r) => setTimeout(r, 50));
    pid = Number(await readFile(pidFile, 'utf8').catch(() => '0'));
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(pid > 0 && isAlive(pid), 'the stub is running');
  const abortedAt = Date.now();
  controller.abort();
  await assert.rejects(run, (err: unknown) => err instanceof FfmpegError && err.code === 'Aborted');
  const waited = Date.now() - abortedAt;
  assert.ok(waited >= 250 && waited < 5000, `rejected after ${waited} ms`);
  assert.equal(isAlive(pid), false);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('an already aborted signal never spawns', async () => {
  await assert.rejects(
    runFfmpeg(['-version'], { ffmpegPath: join(dir, 'does-not-exist'), signal: AbortSignal.abort() }),
    (err: unknown) => err instanceof FfmpegError && err.code === 'Aborted',
  );
});

test('countInputFrames: the frames decoded from the input, from the run itself', async () => {
  // 2 s at 25 fps = 50 frames decoded; the output keeps every 5th frame only, so the answer is
  // the input's count, not the output's.
  const summary = await runFfmpeg(
    [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=2'],
      ...['-vf', 'fps=5', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'null', '-'],
    ],
    { ffmpegPath: PATHS.ffmpegPath, countInputFrames: true },
  );
  assert.equal(summary.inputVideoFrames, 50);
  assert.ok(Math.abs(summary.outTimeSeconds - 2) < 0.3, String(summary.outTimeSeconds));
  const plain = await runFfmpeg(
    ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=1', '-f', 'null', '-'],
    { ffmpegPath: PATHS.ffmpegPath },
  );
  assert.equal(plain.inputVideoFrames, undefined, 'only when asked');
});
