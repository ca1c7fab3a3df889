import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSpriteSheetArgs, buildStillSnapshotArgs } from '../src/snapshot-args.js';

test('a still seeks before the input, takes one frame and keeps the aspect ratio when one side is given', () => {
  const args = buildStillSnapshotArgs({ input: 'in.mp4', offsetSeconds: 1.5, output: 'o.jpg', width: 160 });
  assert.deepEqual(args.slice(0, 9), [
    '-y',
    '-v',
    'error',
    '-ss',
    '1.500',
    '-i',
    'file:in.mp4',
    '-frames:v',
    '1',
  ]);
  assert.equal(args[args.indexOf('-vf') + 1], 'scale=160:-2');
  assert.equal(args.at(-1), 'o.jpg');
  assert.ok(!buildStillSnapshotArgs({ input: 'i', offsetSeconds: 0, output: 'o' }).includes('-vf'));
  assert.throws(() => buildStillSnapshotArgs({ input: 'i', offsetSeconds: -1, output: 'o' }), RangeError);
});

test('a still reads a loopback source URL over http only', () => {
  const url = new URL('http://127.0.0.1:1234/abc/source.mp4');
  const args = buildStillSnapshotArgs({ input: url, offsetSeconds: 0, output: 'o.jpg' });
  assert.deepEqual(args.slice(5, 9), ['-protocol_whitelist', 'http,tcp', '-i', url.href]);
  assert.throws(
    () => buildStillSnapshotArgs({ input: new URL('file:///etc/passwd'), offsetSeconds: 0, output: 'o' }),
    TypeError,
  );
});

test('a sprite scales every cell and tiles them with padding, margin and colour', () => {
  const args = buildSpriteSheetArgs({
    cellPattern: 'c-%05d.jpg',
    outputPattern: 's-%05d.jpg',
    cellWidth: 80,
    cellHeight: 45,
    columns: 4,
    lines: 2,
    padding: 2,
    margin: 1,
    color: 'black',
  });
  assert.equal(args[args.indexOf('-vf') + 1], 'scale=80:45,tile=4x2:padding=2:margin=1:color=black');
  assert.equal(args[args.indexOf('-i') + 1], 'c-%05d.jpg');
  assert.throws(
    () =>
      buildSpriteSheetArgs({
        cellPattern: 'c',
        outputPattern: 's',
        cellWidth: 80,
        cellHeight: 45,
        columns: 0,
        lines: 1,
        padding: 0,
        margin: 0,
        color: 'black',
      }),
    RangeError,
  );
  assert.throws(
    () =>
      buildSpriteSheetArgs({
        cellPattern: 'c',
        outputPattern: 's',
        cellWidth: 80,
        cellHeight: 45,
        columns: 1,
        lines: 1,
        padding: 0,
        margin: 0,
        color: 'black,drawtext',
      }),
    RangeError,
  );
});
