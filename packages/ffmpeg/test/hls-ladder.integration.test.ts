/**
 * End to end with the real ffmpeg 5.1: probe → buildHlsLadderArgs → runFfmpeg → readHlsOutput,
 * then ffprobe decodes every variant playlist.
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FfmpegProgress } from '../src/ffmpeg-progress.js';
import { runFfmpeg } from '../src/ffmpeg-runner.js';
import { probe } from '../src/ffprobe.js';
import { buildHlsLadderArgs, type HlsRendition } from '../src/hls-ladder-args.js';
import { readHlsOutput } from '../src/hls-output.js';
import { parseMasterPlaylist } from '../src/hls-playlist-parser.js';
import {
  PATHS,
  decodedFrameCount,
  keyframeTimes,
  makeRotatedClip,
  makeTempDir,
  makeTestClip,
} from './helpers/media-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;

before(async () => {
  ({ dir, cleanup } = await makeTempDir('securevod-ladder-'));
});
after(() => cleanup());

const LADDER: HlsRendition[] = [
  {
    name: 'sd',
    width: 640,
    height: 360,
    videoBitrateKbps: 800,
    maxrateKbps: 880,
    audioBitrateKbps: 128,
    profile: 'main',
  },
  {
    name: 'ld',
    width: 426,
    height: 240,
    videoBitrateKbps: 400,
    maxrateKbps: 440,
    audioBitrateKbps: 64,
    profile: 'main',
  },
];

test('two-rendition ladder: master, init + 3 segments per variant, decodable, progress', async () => {
  const source = await makeTestClip(dir, { name: 'with-audio.mp4' });
  const info = await probe(source, { ffprobePath: PATHS.ffprobePath });
  const outputDir = join(dir, 'out-av');
  const args = buildHlsLadderArgs({
    input: source,
    outputDir,
    renditions: LADDER,
    hasAudio: info.audio !== undefined,
    segmentSeconds: 2,
    x264Preset: 'ultrafast',
    threads: 2,
  });
  const progress: FfmpegProgress[] = [];
  await runFfmpeg(args, {
    ffmpegPath: PATHS.ffmpegPath,
    durationSeconds: info.durationSeconds,
    onProgress: (p) => progress.push(p),
  });

  // Progress: fired, non-decreasing, ends at 100 %.
  assert.ok(progress.length >= 1);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(
      (progress[i] as FfmpegProgress).outTimeSeconds >= (progress[i - 1] as FfmpegProgress).outTimeSeconds,
    );
  }
  assert.ok((progress.at(-1) as FfmpegProgress).outTimeSeconds > 5.5);
  assert.equal(progress.at(-1)?.percent, 100);

  // Master playlist: both variants with BANDWIDTH, RESOLUTION and CODECS (video + audio).
  const master = parseMasterPlaylist(await readFile(join(outputDir, 'master.m3u8'), 'utf8'));
  assert.deepEqual(
    master.map((v) => [v.uri, v.resolution]),
    [
      ['sd/index.m3u8', { width: 640, height: 360 }],
      ['ld/index.m3u8', { width: 426, height: 240 }],
    ],
  );
  for (const v of master) {
    assert.ok(v.bandwidth > 0);
    assert.match(v.codecs ?? '', /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
  }
  assert.ok((master[0]?.bandwidth ?? 0) > (master[1]?.bandwidth ?? 0));

  // readHlsOutput: what the packager consumes.
  const out = await readHlsOutput(outputDir);
  assert.deepEqual(
    out.renditions.map((r) => r.name),
    ['sd', 'ld'],
  );
  for (const r of out.renditions) {
    assert.equal(r.initPath, join(outputDir, r.name, `init_${r.name}.mp4`));
    assert.ok(r.initSizeBytes > 0);
    assert.deepEqual(
      r.segments.map((s) => s.uri),
      ['seg_00000.m4s', 'seg_00001.m4s', 'seg_00002.m4s'],
    );
    assert.deepEqual(
      r.segments.map((s) => s.sequence),
      [0, 1, 2],
    );
    for (const s of r.segments) {
      assert.ok(Math.abs(s.durationSeconds - 2) < 0.05, `${r.name}/${s.uri} lasts ${s.durationSeconds}`);
      assert.ok(s.sizeBytes > 0);
      assert.equal(s.path, join(outputDir, r.name, s.uri));
    }
    assert.ok(Math.abs(r.totalDurationSeconds - 6) < 0.1);
    assert.equal(r.targetDurationSeconds, 2);
    // Nothing in the directory that the playlists do not list (the packager publishes only those).
    assert.deepEqual((await readdir(join(outputDir, r.name))).sort(), [
      'index.m3u8',
      `init_${r.name}.mp4`,
      'seg_00000.m4s',
      'seg_00001.m4s',
      'seg_00002.m4s',
    ]);
    // Each variant decodes on its own to every source frame, with keyframes on the segment grid.
    assert.equal(await decodedFrameCount(r.playlistPath), 150);
    assert.deepEqual(await keyframeTimes(r.playlistPath), [0, 2, 4]);
  }
  // Each variant carries its own audio track.
  const sdProbe = await probe(out.renditions[1]!.playlistPath, { ffprobePath: PATHS.ffprobePath });
  assert.equal(sdProbe.audio?.codec, 'aac');
  assert.equal(sdProbe.video.width, 426);
});

test('a video-only source gives video-only variants', async () => {
  const source = await makeTestClip(dir, { name: 'silent.mp4', audio: false, seconds: 4 });
  const info = await probe(source, { ffprobePath: PATHS.ffprobePath });
  assert.equal(info.audio, undefined);
  const outputDir = join(dir, 'out-v');
  await runFfmpeg(
    buildHlsLadderArgs({
      input: source,
      outputDir,
      renditions: LADDER,
      hasAudio: false,
      segmentSeconds: 2,
      x264Preset: 'ultrafast',
    }),
    { ffmpegPath: PATHS.ffmpegPath },
  );
  const out = await readHlsOutput(outputDir);
  assert.equal(out.renditions.length, 2);
  for (const r of out.renditions) {
    assert.match(r.codecs ?? '', /^avc1\.[0-9a-f]{6}$/);
    assert.equal(r.segments.length, 2);
    assert.equal(await decodedFrameCount(r.playlistPath), 100);
  }
});

test('one rendition with a lower frame rate: init_<name>.mp4, 1 s keyframe grid', async () => {
  const source = await makeTestClip(dir, { name: 'single.mp4', seconds: 4 });
  const outputDir = join(dir, 'out-1');
  await runFfmpeg(
    buildHlsLadderArgs({
      input: source,
      outputDir,
      renditions: [
        { name: 'hd', width: 640, height: 360, videoBitrateKbps: 600, audioBitrateKbps: 96, fps: 10 },
      ],
      hasAudio: true,
      segmentSeconds: 2,
      gopSeconds: 1,
      x264Preset: 'ultrafast',
    }),
    { ffmpegPath: PATHS.ffmpegPath },
  );
  const out = await readHlsOutput(outputDir);
  const hd = out.renditions[0]!;
  assert.equal(hd.initPath, join(outputDir, 'hd', 'init_hd.mp4'));
  assert.equal(hd.segments.length, 2);
  assert.equal(await decodedFrameCount(hd.playlistPath), 40);
  assert.deepEqual(await keyframeTimes(hd.playlistPath), [0, 1, 2, 3]);
});

test('a rotated (portrait) source is encoded upright at its display size', async () => {
  const source = await makeRotatedClip(dir, await makeTestClip(dir, { name: 'landscape.mp4', seconds: 2 }));
  const info = await probe(source, { ffprobePath: PATHS.ffprobePath });
  const outputDir = join(dir, 'out-rot');
  await runFfmpeg(
    buildHlsLadderArgs({
      input: source,
      outputDir,
      renditions: [
        {
          name: 'ld',
          width: info.video.displayWidth,
          height: info.video.displayHeight,
          videoBitrateKbps: 500,
          audioBitrateKbps: 64,
        },
      ],
      hasAudio: true,
      segmentSeconds: 2,
      x264Preset: 'ultrafast',
    }),
    { ffmpegPath: PATHS.ffmpegPath },
  );
  const [ld] = (await readHlsOutput(outputDir)).renditions;
  assert.deepEqual(ld?.resolution, { width: 360, height: 640 });
  const out = await probe(ld!.playlistPath, { ffprobePath: PATHS.ffprobePath });
  assert.deepEqual([out.video.width, out.video.height, out.video.rotation], [360, 640, 0]);
});
