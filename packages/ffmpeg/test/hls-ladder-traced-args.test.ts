/**
 * Traced renditions in the ladder (leak tracing, docs/tracing.md): the pattern clip is a second,
 * looped raw input; the mark is added once per variant before the split; each traced rendition
 * is written twice (`<name>_ta`, `<name>_tb`); untraced renditions keep the clean source.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FfmpegError } from '../src/ffmpeg-error.js';
import { buildHlsLadderArgs, tracedVariantName, type HlsLadderPlan } from '../src/hls-ladder-args.js';

const PATTERN = { path: '/scratch/job1/trace-pattern.yuv', width: 160, height: 90, fps: 25 };

const plan = (over: Partial<HlsLadderPlan> = {}): HlsLadderPlan => ({
  input: '/scratch/job1/source.mp4',
  outputDir: '/scratch/job1/hls',
  hasAudio: true,
  segmentSeconds: 1,
  tracePattern: PATTERN,
  renditions: [
    { name: 'hd', width: 1280, height: 720, videoBitrateKbps: 2500, audioBitrateKbps: 128, traced: true },
    { name: 'sd', width: 960, height: 540, videoBitrateKbps: 1500, audioBitrateKbps: 96, traced: true },
    { name: 'ld', width: 640, height: 360, videoBitrateKbps: 800, audioBitrateKbps: 64 },
  ],
  ...over,
});

const after = (args: string[], flag: string): string => args[args.indexOf(flag) + 1]!;

test('traced renditions: a looped pattern input, one mark per variant before the split, two outputs each', () => {
  const args = buildHlsLadderArgs(plan());
  const inputs = args.flatMap((a, i) => (a === '-i' ? [args[i + 1]] : []));
  assert.deepEqual(inputs, ['file:/scratch/job1/source.mp4', `file:${PATTERN.path}`]);
  const patternAt = args.indexOf(`file:${PATTERN.path}`);
  assert.deepEqual(args.slice(patternAt - 11, patternAt - 1), [
    '-stream_loop',
    '-1',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    '-s',
    '160x90',
    '-r',
    '25',
  ]);

  const graph = after(args, '-filter_complex').split(';');
  assert.equal(graph.filter((c) => c.includes('grainmerge')).length, 1, 'A is marked once');
  assert.equal(graph.filter((c) => c.includes('grainextract')).length, 1, 'B is marked once');
  assert.ok(graph.includes('[0:v:0]split=2[src_c][src_m]'), 'the clean source is split off first');
  assert.ok(graph.some((c) => c.startsWith('[src_m]format=yuv420p,split=2[src_a][src_b]')));
  assert.ok(graph.includes('[mark_a]split=2[ma0][ma1]') && graph.includes('[mark_b]split=2[mb0][mb1]'));
  // Outputs in order: hd A, hd B, sd A, sd B, ld (clean).
  assert.deepEqual(
    graph.filter((c) => /\[v\d\]$/.test(c)).map((c) => c.replace(/^(\[\w+\]|\[0:v:0\]).*(\[v\d\])$/, '$1$2')),
    ['[ma0][v0]', '[mb0][v1]', '[ma1][v2]', '[mb1][v3]', '[src_c][v4]'],
  );
  assert.equal(
    after(args, '-var_stream_map'),
    'v:0,a:0,name:hd_ta v:1,a:1,name:hd_tb v:2,a:2,name:sd_ta v:3,a:3,name:sd_tb v:4,a:4,name:ld',
  );
  assert.equal(tracedVariantName('hd', 'b'), 'hd_tb');
  // Both variants of a rendition get its bitrate.
  assert.equal(after(args, '-b:v:0'), '2500k');
  assert.equal(after(args, '-b:v:1'), '2500k');
  assert.equal(after(args, '-b:v:4'), '800k');
});

test('a ladder with only traced renditions marks the source directly; without tracing nothing changes', () => {
  const onlyTraced = buildHlsLadderArgs(plan({ renditions: plan().renditions.slice(0, 1) }));
  const graph = after(onlyTraced, '-filter_complex');
  assert.match(graph, /^\[0:v:0\]format=yuv420p,split=2\[src_a\]\[src_b\];/);
  assert.ok(!graph.includes('src_c'));

  const untraced = plan({ renditions: plan().renditions.map((r) => ({ ...r, traced: false })) });
  const args = buildHlsLadderArgs(untraced);
  assert.equal(args.filter((a) => a === '-i').length, 1, 'no pattern input');
  assert.ok(!after(args, '-filter_complex').includes('blend'));
});

test('refuses a traced plan without a usable pattern, or whose variant names collide', () => {
  const invalid = (over: Partial<HlsLadderPlan>, message: RegExp) =>
    assert.throws(
      () => buildHlsLadderArgs(plan(over)),
      (e: unknown) => e instanceof FfmpegError && e.code === 'InvalidPlan' && message.test(e.message),
    );
  invalid({ tracePattern: undefined }, /traced renditions need a tracePattern/);
  invalid({ tracePattern: { ...PATTERN, width: 161 } }, /even dimensions/);
  invalid({ tracePattern: { ...PATTERN, path: '/x%d.yuv' } }, /without "%"/);
  invalid(
    {
      renditions: [
        { name: 'hd', width: 1280, height: 720, videoBitrateKbps: 2500, audioBitrateKbps: 128, traced: true },
        { name: 'hd_ta', width: 640, height: 360, videoBitrateKbps: 800, audioBitrateKbps: 64 },
      ],
    },
    /duplicate rendition name "hd_ta"/,
  );
});
