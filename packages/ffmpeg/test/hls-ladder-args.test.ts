import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FfmpegError } from '../src/ffmpeg-error.js';
import { buildHlsLadderArgs, type HlsLadderPlan } from '../src/hls-ladder-args.js';

const plan = (over: Partial<HlsLadderPlan> = {}): HlsLadderPlan => ({
  input: '/scratch/job1/source.mp4',
  outputDir: '/scratch/job1/hls',
  hasAudio: true,
  segmentSeconds: 4,
  renditions: [
    {
      name: 'hd',
      width: 1280,
      height: 720,
      videoBitrateKbps: 2500,
      maxrateKbps: 2750,
      audioBitrateKbps: 128,
    },
    {
      name: 'sd',
      width: 960,
      height: 540,
      videoBitrateKbps: 1500,
      audioBitrateKbps: 96,
      profile: 'main',
      fps: 24,
    },
  ],
  ...over,
});

/** The value following `flag` (asserting the flag appears exactly once). */
function valueOf(args: string[], flag: string): string {
  const at = args.flatMap((a, i) => (a === flag ? [i] : []));
  assert.equal(at.length, 1, `${flag} appears ${at.length} times in ${args.join(' ')}`);
  const value = args[(at[0] as number) + 1];
  assert.ok(value !== undefined, `${flag} has no value`);
  return value;
}

function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] as string] : []));
}

test('one input, read as a plain file, overwriting outputs', () => {
  const args = buildHlsLadderArgs(plan());
  assert.deepEqual(valuesOf(args, '-i'), ['file:/scratch/job1/source.mp4']);
  assert.ok(args.includes('-y'));
});

test('filter graph splits the first video stream once and scales each rendition', () => {
  const graph = valueOf(buildHlsLadderArgs(plan()), '-filter_complex');
  const chains = graph.split(';');
  assert.equal(chains[0], '[0:v:0]split=2[s0][s1]');
  assert.equal(chains[1], '[s0]scale=1280:720,setsar=1,format=yuv420p[v0]');
  assert.equal(chains[2], '[s1]scale=960:540,setsar=1,fps=24,format=yuv420p[v1]');
  assert.equal(chains.length, 3);
});

test('a single rendition needs no split', () => {
  const args = buildHlsLadderArgs(plan({ renditions: [plan().renditions[1]!] }));
  assert.equal(valueOf(args, '-filter_complex'), '[0:v:0]scale=960:540,setsar=1,fps=24,format=yuv420p[v0]');
});

test('each rendition maps its video and its own copy of the first audio stream, in order', () => {
  const args = buildHlsLadderArgs(plan());
  assert.deepEqual(valuesOf(args, '-map'), ['[v0]', '0:a:0', '[v1]', '0:a:0']);
  assert.equal(valueOf(args, '-var_stream_map'), 'v:0,a:0,name:hd v:1,a:1,name:sd');
  assert.equal(valueOf(args, '-map_metadata'), '-1');
});

test('H.264 with per-rendition bitrate, VBV, profile and preset; keyframes on the GOP grid', () => {
  const args = buildHlsLadderArgs(plan({ x264Preset: 'faster' }));
  assert.equal(valueOf(args, '-c:v'), 'libx264');
  assert.equal(valueOf(args, '-preset'), 'faster');
  assert.equal(valueOf(args, '-b:v:0'), '2500k');
  assert.equal(valueOf(args, '-maxrate:v:0'), '2750k');
  assert.equal(valueOf(args, '-bufsize:v:0'), '5500k');
  assert.equal(valueOf(args, '-b:v:1'), '1500k');
  assert.ok(!args.includes('-maxrate:v:1'));
  assert.equal(valueOf(args, '-profile:v:1'), 'main');
  assert.ok(!args.includes('-profile:v:0'));
  assert.equal(valueOf(args, '-force_key_frames:v'), 'expr:gte(t,n_forced*4)');
  assert.equal(valueOf(args, '-sc_threshold'), '0');
});

test('gopSeconds sets the keyframe grid; default preset is veryfast; per-rendition preset overrides', () => {
  const base = plan();
  const args = buildHlsLadderArgs({
    ...base,
    gopSeconds: 2,
    renditions: [{ ...base.renditions[0]!, preset: 'slow' }, base.renditions[1]!],
  });
  assert.equal(valueOf(args, '-force_key_frames:v'), 'expr:gte(t,n_forced*2)');
  assert.equal(valueOf(args, '-preset'), 'veryfast');
  assert.equal(valueOf(args, '-preset:v:0'), 'slow');
});

test('AAC per rendition, stereo by default', () => {
  const args = buildHlsLadderArgs(plan());
  assert.equal(valueOf(args, '-c:a'), 'aac');
  assert.equal(valueOf(args, '-ac'), '2');
  assert.equal(valueOf(args, '-b:a:0'), '128k');
  assert.equal(valueOf(args, '-b:a:1'), '96k');
  assert.equal(valueOf(buildHlsLadderArgs(plan({ audioChannels: 1 })), '-ac'), '1');
});

test('without audio: no audio maps, codec or bitrates, and video-only variants', () => {
  const args = buildHlsLadderArgs(plan({ hasAudio: false }));
  assert.deepEqual(valuesOf(args, '-map'), ['[v0]', '[v1]']);
  assert.ok(!args.includes('-c:a'));
  assert.ok(!args.some((a) => a.startsWith('-b:a')));
  assert.equal(valueOf(args, '-var_stream_map'), 'v:0,name:hd v:1,name:sd');
});

test('HLS muxer: VOD fMP4 with independent segments, master playlist and per-rendition dirs', () => {
  const args = buildHlsLadderArgs(plan({ threads: 2 }));
  assert.equal(valueOf(args, '-f'), 'hls');
  assert.equal(valueOf(args, '-hls_time'), '4');
  assert.equal(valueOf(args, '-hls_playlist_type'), 'vod');
  assert.equal(valueOf(args, '-hls_list_size'), '0');
  assert.equal(valueOf(args, '-hls_segment_type'), 'fmp4');
  assert.equal(valueOf(args, '-hls_flags'), 'independent_segments');
  assert.equal(valueOf(args, '-hls_fmp4_init_filename'), 'init_%v.mp4');
  assert.equal(valueOf(args, '-hls_segment_filename'), '/scratch/job1/hls/%v/seg_%05d.m4s');
  assert.equal(valueOf(args, '-master_pl_name'), 'master.m3u8');
  assert.equal(valueOf(args, '-threads'), '2');
  assert.equal(args.at(-1), '/scratch/job1/hls/%v/index.m3u8');
  // Muxer options come after all codec options and before the output.
  assert.ok(args.indexOf('-f') > args.indexOf('-b:a:1'));
});

test('one rendition gets its init file name spelled out (hlsenc does not expand %v then)', () => {
  const args = buildHlsLadderArgs(plan({ renditions: [plan().renditions[0]!] }));
  assert.equal(valueOf(args, '-hls_fmp4_init_filename'), 'init_hd.mp4');
});

test('never passes anything that looks like a key', () => {
  const args = buildHlsLadderArgs(plan());
  assert.ok(!args.some((a) => /hls_key_info_file|encryption|hls_enc/.test(a)));
});

test('rejects plans ffmpeg would reject or misread, with InvalidPlan', () => {
  const bad: Array<[string, Partial<HlsLadderPlan>]> = [
    ['no renditions', { renditions: [] }],
    ['odd width', { renditions: [{ ...plan().renditions[0]!, width: 853 }] }],
    ['zero height', { renditions: [{ ...plan().renditions[0]!, height: 0 }] }],
    ['name with space', { renditions: [{ ...plan().renditions[0]!, name: 'h d' }] }],
    ['name with colon', { renditions: [{ ...plan().renditions[0]!, name: 'a:b' }] }],
    ['duplicate names', { renditions: [plan().renditions[0]!, { ...plan().renditions[1]!, name: 'hd' }] }],
    ['zero bitrate', { renditions: [{ ...plan().renditions[0]!, videoBitrateKbps: 0 }] }],
    ['maxrate below bitrate', { renditions: [{ ...plan().renditions[0]!, maxrateKbps: 100 }] }],
    ['percent in outputDir', { outputDir: '/scratch/100%/hls' }],
    ['zero segment', { segmentSeconds: 0 }],
    ['gop not dividing segment', { gopSeconds: 3 }],
  ];
  for (const [label, over] of bad) {
    assert.throws(
      () => buildHlsLadderArgs(plan(over)),
      (err: unknown) => err instanceof FfmpegError && err.code === 'InvalidPlan' && err.permanent,
      label,
    );
  }
});

test('outputUrl: every file is PUT under the URL in the same layout', () => {
  const args = buildHlsLadderArgs(plan({ outputDir: undefined, outputUrl: 'http://127.0.0.1:4100/0af3' }));
  assert.equal(valueOf(args, '-method'), 'PUT');
  assert.equal(valueOf(args, '-hls_segment_filename'), 'http://127.0.0.1:4100/0af3/%v/seg_%05d.m4s');
  assert.equal(args.at(-1), 'http://127.0.0.1:4100/0af3/%v/index.m3u8');
  assert.ok(!args.includes('-http_persistent'), 'one connection per file');
  assert.ok(!buildHlsLadderArgs(plan()).includes('-method'), 'not for a directory');
});

test('exactly one of outputDir and outputUrl; outputUrl is a plain http:// base', () => {
  for (const over of [
    { outputUrl: 'http://127.0.0.1:1/x' },
    { outputDir: undefined },
    { outputDir: undefined, outputUrl: 'http://127.0.0.1:1/x/' },
    { outputDir: undefined, outputUrl: 'https://example.com/x' },
    { outputDir: undefined, outputUrl: 'http://127.0.0.1:1/%d' },
  ]) {
    assert.throws(
      () => buildHlsLadderArgs(plan(over)),
      (e: unknown) => e instanceof FfmpegError && e.code === 'InvalidPlan',
      JSON.stringify(over),
    );
  }
});
