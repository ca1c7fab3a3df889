import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { readHlsOutput } from '../src/hls-output.js';
import { HlsPlaylistError } from '../src/hls-playlist-parser.js';
import { makeTempDir } from './helpers/media-fixtures.js';

// The happy path against real ffmpeg output is in hls-ladder.integration.test.ts; these cover
// the refusals, on hand-written directories.
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir('securevod-hls-output-'));
});
afterEach(() => cleanup());

const MASTER =
  '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=2x2,CODECS="avc1.42c01e"\nhd/index.m3u8\n';

async function layout(variant: string, files: Record<string, string> = {}): Promise<void> {
  await mkdir(join(dir, 'hd'), { recursive: true });
  await writeFile(join(dir, 'master.m3u8'), MASTER);
  await writeFile(join(dir, 'hd', 'index.m3u8'), variant);
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, 'hd', name), body);
}

const media = (map: string, seg: string, end = '#EXT-X-ENDLIST\n') =>
  `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="${map}"\n#EXTINF:2.0,\n${seg}\n${end}`;

test('lists init and segments with sizes for a well-formed directory', async () => {
  await layout(media('init_hd.mp4', 'seg_00000.m4s'), { 'init_hd.mp4': 'init', 'seg_00000.m4s': 'segment' });
  const out = await readHlsOutput(dir);
  assert.equal(out.renditions[0]?.name, 'hd');
  assert.equal(out.renditions[0]?.initSizeBytes, 4);
  assert.equal(out.renditions[0]?.segments[0]?.sizeBytes, 7);
});

test('refuses entries that point outside the output directory', async () => {
  await layout(media('../../etc/passwd', 'seg_00000.m4s'), { 'seg_00000.m4s': 'x' });
  await assert.rejects(readHlsOutput(dir), HlsPlaylistError);
  await layout(media('init_hd.mp4', '/etc/passwd'), { 'init_hd.mp4': 'x' });
  await assert.rejects(readHlsOutput(dir), /outside the output directory/);
});

test('refuses unfinished or non-fMP4 playlists and missing files', async () => {
  await layout(media('init_hd.mp4', 'seg_00000.m4s', ''), { 'init_hd.mp4': 'x', 'seg_00000.m4s': 'x' });
  await assert.rejects(readHlsOutput(dir), /EXT-X-ENDLIST/);
  await layout('#EXTM3U\n#EXTINF:2.0,\nseg_00000.ts\n#EXT-X-ENDLIST\n', { 'seg_00000.ts': 'x' });
  await assert.rejects(readHlsOutput(dir), /EXT-X-MAP/);
  await layout(media('init_hd.mp4', 'seg_00009.m4s'), { 'init_hd.mp4': 'x' });
  await assert.rejects(readHlsOutput(dir), { code: 'ENOENT' });
});

test('a master without variants (ffmpeg omits those without a bitrate) is refused', async () => {
  await writeFile(join(dir, 'master.m3u8'), '#EXTM3U\n#EXT-X-VERSION:7\n');
  await assert.rejects(readHlsOutput(dir), /lists no variants/);
});
