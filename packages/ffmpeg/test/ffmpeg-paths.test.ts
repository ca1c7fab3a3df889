import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveFfmpegPaths } from '../src/ffmpeg-paths.js';

test('defaults to ffmpeg and ffprobe on PATH', () => {
  assert.deepEqual(resolveFfmpegPaths({}), { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' });
});

test('FFMPEG_PATH and FFPROBE_PATH win, trimmed', () => {
  assert.deepEqual(
    resolveFfmpegPaths({ FFMPEG_PATH: ' /opt/ff/bin/ffmpeg ', FFPROBE_PATH: '/opt/ff/bin/ffprobe' }),
    {
      ffmpegPath: '/opt/ff/bin/ffmpeg',
      ffprobePath: '/opt/ff/bin/ffprobe',
    },
  );
});

test('each variable is independent; blank values fall back to PATH', () => {
  assert.deepEqual(resolveFfmpegPaths({ FFMPEG_PATH: '/x/ffmpeg', FFPROBE_PATH: '   ' }), {
    ffmpegPath: '/x/ffmpeg',
    ffprobePath: 'ffprobe',
  });
  assert.deepEqual(resolveFfmpegPaths({ FFPROBE_PATH: '/y/ffprobe', FFMPEG_PATH: '' }), {
    ffmpegPath: 'ffmpeg',
    ffprobePath: '/y/ffprobe',
  });
});

test('does not read process.env', () => {
  const saved = process.env.FFMPEG_PATH;
  process.env.FFMPEG_PATH = '/from/process/env';
  try {
    assert.equal(resolveFfmpegPaths({}).ffmpegPath, 'ffmpeg');
  } finally {
    if (saved === undefined) delete process.env.FFMPEG_PATH;
    else process.env.FFMPEG_PATH = saved;
  }
});
