import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { FfmpegError } from '../src/ffmpeg-error.js';
import { decodeGreyFrames } from '../src/grey-frames.js';
import { PATHS, makeTempDir, makeTestClip, makeTextFile } from './helpers/media-fixtures.js';

const run = promisify(execFile);
let dir: string;
let cleanup: () => Promise<void>;
let clip: string;

before(async () => {
  ({ dir, cleanup } = await makeTempDir());
  clip = await makeTestClip(dir, { seconds: 4, audio: false });
});
after(() => cleanup());

const grid = { ffmpegPath: PATHS.ffmpegPath, width: 16, height: 9, fps: 10 };

test('decodes a file to grey thumbnails on a fixed frame-rate grid', async () => {
  const counts: number[] = [];
  const frames = await decodeGreyFrames({ ...grid, input: clip, onFrames: (n) => counts.push(n) });
  assert.equal(frames.count, 40, '4 s at 10 fps');
  assert.equal(frames.data.length, 40 * 16 * 9);
  assert.ok(new Set(frames.data).size > 10, 'the picture is not flat');
});

test('reads a pipeable container from a byte stream (stdin), with the same result', async () => {
  const ts = join(dir, 'clip.ts');
  await run(PATHS.ffmpegPath, ['-y', '-v', 'error', '-i', clip, '-c', 'copy', '-f', 'mpegts', ts]);
  const bytes = await readFile(ts);
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
  }
  const piped = await decodeGreyFrames({ ...grid, input: { stream: chunks() } });
  const direct = await decodeGreyFrames({ ...grid, input: ts });
  assert.equal(piped.count, direct.count);
  assert.deepEqual(piped.data, direct.data);
});

test('a failing byte source fails the decode with its own error', async () => {
  async function* broken() {
    yield (await readFile(clip)).subarray(0, 1000);
    throw new Error('storage went away');
  }
  await assert.rejects(decodeGreyFrames({ ...grid, input: { stream: broken() } }), /storage went away/);
});

test('a file that is not video is an FfmpegFailed error', async () => {
  await assert.rejects(
    decodeGreyFrames({ ...grid, input: await makeTextFile(dir) }),
    (err: unknown) => err instanceof FfmpegError && err.code === 'FfmpegFailed',
  );
});
