import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseThumbnailTrack, thumbnailAt } from '../src/seek-thumbnails.js';

const TRACK = [
  'WEBVTT',
  '',
  '00:00:00.000 --> 00:00:01.000',
  'sprite-00001.jpg?auth_key=1-0-0-ab&token=t#xywh=0,0,80,45',
  '',
  '00:00:01.000 --> 00:00:04.020',
  'sprite-00001.jpg?token=t#xywh=80,0,80,45',
  '',
  '00:00:04.020 --> 00:00:05.000',
  'no-fragment.jpg',
  '',
].join('\n');

test('cues resolve against the track URL and keep the query, without the fragment', () => {
  const cues = parseThumbnailTrack(TRACK, 'https://vod.example/media/v/snapshots/j/thumbnails.vtt?token=x');
  assert.equal(cues.length, 2, 'a payload without #xywh is skipped');
  assert.deepEqual(cues[0], {
    start: 0,
    end: 1,
    url: 'https://vod.example/media/v/snapshots/j/sprite-00001.jpg?auth_key=1-0-0-ab&token=t',
    x: 0,
    y: 0,
    width: 80,
    height: 45,
  });
  assert.equal(cues[1]!.end, 4.02);
});

test('thumbnailAt picks the cue covering the time, and the last one past the end', () => {
  const cues = parseThumbnailTrack(TRACK, 'https://vod.example/t.vtt');
  assert.equal(thumbnailAt(cues, 0.5)?.x, 0);
  assert.equal(thumbnailAt(cues, 1)?.x, 80);
  assert.equal(thumbnailAt(cues, 99)?.x, 80);
  assert.equal(thumbnailAt([], 1), undefined);
  assert.deepEqual(parseThumbnailTrack('not a track', 'https://x/'), []);
});
