import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FfmpegProgressParser, type FfmpegProgress } from '../src/ffmpeg-progress.js';

// Captured verbatim from ffmpeg 5.1 `-progress pipe:1` (4 s of 720p + sine, libx264 medium):
// includes `speed=   0x`, `bitrate=N/A`, out_time 0 in the first blocks, and `progress=end`.
const SAMPLE = readFileSync(new URL('./fixtures/progress-sample.txt', import.meta.url), 'utf8');

test('parses every block of real ffmpeg progress output', () => {
  const reports = new FfmpegProgressParser().push(SAMPLE);
  assert.equal(reports.length, SAMPLE.match(/^progress=/gm)?.length);
  assert.ok(reports.length >= 4);

  const first = reports[0] as FfmpegProgress;
  assert.equal(first.frame, 1);
  assert.equal(first.outTimeSeconds, 0);
  assert.equal(first.done, false);
  assert.equal(first.percent, undefined);

  const third = reports[2] as FfmpegProgress;
  assert.equal(third.frame, 60);
  assert.equal(third.fps, 54.25);
  assert.equal(third.outTimeSeconds, 0.650159);
  assert.equal(third.speed, 0.588);

  const last = reports.at(-1) as FfmpegProgress;
  assert.equal(last.done, true);
  assert.equal(last.frame, 100);
  assert.ok(Math.abs(last.outTimeSeconds - 4) < 0.1, `final out time ${last.outTimeSeconds}`);
  assert.ok(reports.slice(0, -1).every((r) => !r.done));
});

test('out time never decreases and frames grow', () => {
  const reports = new FfmpegProgressParser().push(SAMPLE);
  for (let i = 1; i < reports.length; i++) {
    assert.ok(
      (reports[i] as FfmpegProgress).outTimeSeconds >= (reports[i - 1] as FfmpegProgress).outTimeSeconds,
    );
    assert.ok((reports[i] as FfmpegProgress).frame >= (reports[i - 1] as FfmpegProgress).frame);
  }
});

test('gives the same reports whatever the chunking (byte by byte, odd sizes)', () => {
  const whole = new FfmpegProgressParser(4).push(SAMPLE);
  for (const size of [1, 7, 64]) {
    const parser = new FfmpegProgressParser(4);
    const got: FfmpegProgress[] = [];
    for (let i = 0; i < SAMPLE.length; i += size) got.push(...parser.push(SAMPLE.slice(i, i + size)));
    assert.deepEqual(got, whole, `chunk size ${size}`);
  }
});

test('percent follows out time when the duration is known, 100 at the end', () => {
  const reports = new FfmpegProgressParser(4).push(SAMPLE);
  const third = reports[2] as FfmpegProgress;
  assert.equal(third.percent, 16.3); // 0.650159 / 4
  assert.equal(reports.at(-1)?.percent, 100);
  assert.ok(reports.every((r) => r.percent !== undefined && r.percent >= 0 && r.percent <= 100));
});

test('N/A speed is undefined; negative and missing out times count as 0 or the last value', () => {
  const parser = new FfmpegProgressParser(10);
  const [a] = parser.push(
    'frame=0\nfps=0.00\nout_time_us=-23220\nout_time=-00:00:00.023220\nspeed=N/A\nprogress=continue\n',
  );
  assert.equal(a?.speed, undefined);
  assert.equal(a?.outTimeSeconds, 0);
  const [b] = parser.push('frame=50\nout_time_us=2000000\nspeed=1.5x\nprogress=continue\n');
  assert.equal(b?.outTimeSeconds, 2);
  assert.equal(b?.speed, 1.5);
  assert.equal(b?.percent, 20);
  // A block without any out time keeps the previous position.
  const [c] = parser.push('frame=60\nout_time_us=N/A\nout_time=N/A\nprogress=continue\n');
  assert.equal(c?.outTimeSeconds, 2);
  // out_time alone (HH:MM:SS.micro) is understood.
  const [d] = parser.push('frame=90\nout_time=00:00:03.500000\nprogress=continue\n');
  assert.equal(d?.outTimeSeconds, 3.5);
});

test('a report is emitted only once its block is complete', () => {
  const parser = new FfmpegProgressParser();
  assert.deepEqual(parser.push('frame=5\nout_time_us=1000000\nprogr'), []);
  const reports = parser.push('ess=continue\n');
  assert.equal(reports.length, 1);
  assert.equal(reports[0]?.outTimeSeconds, 1);
});
