import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FfmpegError } from '../src/ffmpeg-error.js';
import { probe, probeResultFromJson } from '../src/ffprobe.js';
import {
  PATHS,
  makeAudioOnly,
  makeMp3WithCover,
  makePng,
  makeRotatedClip,
  makeTempDir,
  makeTestClip,
  makeTextFile,
} from './helpers/media-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let clip: string;

before(async () => {
  ({ dir, cleanup } = await makeTempDir());
  clip = await makeTestClip(dir);
});
after(() => cleanup());

const opts = () => ({ ffprobePath: PATHS.ffprobePath });

function isCode(code: string) {
  return (err: unknown) => err instanceof FfmpegError && err.code === code;
}

test('probes a real H.264/AAC clip', async () => {
  const r = await probe(clip, opts());
  assert.ok(Math.abs(r.durationSeconds - 6) < 0.1, `duration ${r.durationSeconds}`);
  assert.ok(r.sizeBytes > 10_000);
  assert.ok(r.bitRate > 0);
  assert.match(r.formatName, /mp4/);
  assert.equal(r.video.codec, 'h264');
  assert.equal(r.video.width, 640);
  assert.equal(r.video.height, 360);
  assert.equal(r.video.displayWidth, 640);
  assert.equal(r.video.displayHeight, 360);
  assert.equal(r.video.fps, 25);
  assert.equal(r.video.rotation, 0);
  assert.equal(r.video.pixFmt, 'yuv420p');
  assert.ok((r.video.bitRate ?? 0) > 0);
  assert.equal(r.video.frames, undefined, 'frames are only counted on request');
  assert.equal(r.audio?.codec, 'aac');
  assert.equal(r.audio?.sampleRate, 48000);
  assert.equal(r.audio?.channels, 1);
  assert.ok(r.raw.streams.length === 2 && typeof r.raw.format === 'object');
});

test('countFrames counts the 150 frames of a 6 s 25 fps clip', async () => {
  const r = await probe(clip, { ...opts(), countFrames: true });
  assert.equal(r.video.frames, 150);
});

test('a video-only file has no audio', async () => {
  const silent = await makeTestClip(dir, { audio: false, seconds: 1, name: 'silent.mp4' });
  const r = await probe(silent, opts());
  assert.equal(r.audio, undefined);
  assert.equal(r.video.codec, 'h264');
});

test('a rotated (portrait) recording reports display size and rotation', async () => {
  const r = await probe(await makeRotatedClip(dir, clip), opts());
  assert.equal(Math.abs(r.video.rotation), 90);
  assert.equal(r.video.width, 640);
  assert.equal(r.video.displayWidth, 360);
  assert.equal(r.video.displayHeight, 640);
});

test('a text file is InvalidInput with ffprobe’s reason, and permanent', async () => {
  const text = await makeTextFile(dir);
  await assert.rejects(probe(text, opts()), (err: unknown) => {
    assert.ok(err instanceof FfmpegError);
    assert.equal(err.code, 'InvalidInput');
    assert.equal(err.permanent, true);
    assert.match(err.message, /Invalid data found when processing input/);
    assert.match(err.stderrTail, /Invalid data/);
    return true;
  });
});

test('a missing file is InvalidInput', async () => {
  await assert.rejects(probe(`${dir}/nope.mp4`, opts()), isCode('InvalidInput'));
});

test('an audio-only file is NotAVideo (permanent)', async () => {
  await assert.rejects(probe(await makeAudioOnly(dir), opts()), (err: unknown) => {
    assert.ok(err instanceof FfmpegError && err.code === 'NotAVideo');
    assert.equal(err.permanent, true);
    assert.match(err.message, /no video stream \(found: audio\)/);
    return true;
  });
});

test('cover art does not make an MP3 a video', async () => {
  await assert.rejects(probe(await makeMp3WithCover(dir), opts()), isCode('NotAVideo'));
});

test('a still image is NotAVideo', async () => {
  await assert.rejects(probe(await makePng(dir), opts()), isCode('NotAVideo'));
});

test('a path that looks like a protocol stays a local file', async () => {
  // Without the file: prefix ffprobe would connect to 127.0.0.1:1 ("Connection refused").
  await assert.rejects(probe('http://127.0.0.1:1/x.mp4', opts()), (err: unknown) => {
    assert.ok(err instanceof FfmpegError && err.code === 'InvalidInput');
    assert.match(err.message, /No such file or directory/);
    return true;
  });
});

test('a missing ffprobe binary is NotFound and names FFPROBE_PATH', async () => {
  await assert.rejects(probe(clip, { ffprobePath: `${dir}/no-such-ffprobe` }), (err: unknown) => {
    assert.ok(err instanceof FfmpegError && err.code === 'NotFound');
    assert.match(err.message, /FFPROBE_PATH/);
    assert.equal(err.permanent, false);
    return true;
  });
});

test('an already aborted signal rejects with Aborted', async () => {
  const reason = new Error('job cancelled');
  await assert.rejects(probe(clip, { ...opts(), signal: AbortSignal.abort(reason) }), (err: unknown) => {
    assert.ok(err instanceof FfmpegError && err.code === 'Aborted');
    assert.equal(err.cause, reason);
    return true;
  });
});

test('probeResultFromJson: frame-rate fractions, missing durations, N/A values', () => {
  const r = probeResultFromJson({
    format: { format_name: 'h264', size: '1000', bit_rate: 'N/A' },
    streams: [
      {
        index: 0,
        codec_type: 'video',
        codec_name: 'h264',
        width: 1920,
        height: 1080,
        avg_frame_rate: '0/0',
        r_frame_rate: '30000/1001',
        pix_fmt: 'yuv420p10le',
        nb_read_packets: '300',
        tags: { rotate: '-90' },
      },
    ],
  });
  assert.ok(Math.abs(r.video.fps - 29.97) < 0.01);
  assert.equal(r.video.frames, 300);
  assert.ok(Math.abs(r.durationSeconds - 300 / (30000 / 1001)) < 1e-9);
  assert.equal(r.bitRate, 0);
  assert.equal(r.video.rotation, -90);
  assert.deepEqual([r.video.displayWidth, r.video.displayHeight], [1080, 1920]);
  assert.throws(() => probeResultFromJson({ format: {}, streams: [] }), isCode('InvalidInput'));
});
