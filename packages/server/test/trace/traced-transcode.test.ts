/**
 * Leak tracing through the real server (another process), with pop-core and ali-oss:
 * - `TraceWatermark` in TranscodeTemplateList (our extension) is validated with the API's
 *   InvalidParameter naming the field, and round-trips through Add/Update/GetTranscodeTemplateGroup;
 * - a video uploaded into a traced group transcodes and publishes: each traced rendition is stored
 *   as `init.mp4`, `a/seg_N`, `b/seg_N` and `index.m3u8` (naming a/), cut into 1 s segments.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectApiError, filesUnder } from '../e2e/e2e-helpers.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

const CLIP_SECONDS = 8;

export function tracedTemplate(definition: string, height: number, encryptType: string, extra: object = {}) {
  return {
    ...encryptedTemplate(definition, height, encryptType, 4),
    TraceWatermark: { Enabled: 'true', ...extra },
  };
}

describe('traced templates and the A/B transcode, through the server', () => {
  let server: ServerProcess;
  let dataDir: string;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
  });
  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  test('TraceWatermark is validated and round-trips through Add/Update/GetTranscodeTemplateGroup', async () => {
    const vod = vodClient(server.url);
    const add = (templates: object[]) =>
      vod.request<{ TranscodeTemplateGroupId: string }>(
        'AddTranscodeTemplateGroup',
        { Name: 'traced', TranscodeTemplateList: JSON.stringify(templates) },
        { method: 'POST' },
      );
    await expectApiError(
      add([{ ...encryptedTemplate('SD', 360), TraceWatermark: { Enabled: 'yes' } }]),
      'InvalidParameter',
      400,
      /TranscodeTemplateList\[0\]\.TraceWatermark\.Enabled/,
    );
    await expectApiError(
      add([tracedTemplate('SD', 360, 'HLSEncryption', { SegmentSeconds: '5' })]),
      'InvalidParameter',
      400,
      /TraceWatermark\.SegmentSeconds must be an integer from 1 to 4/,
    );
    await expectApiError(
      add([{ ...encryptedTemplate('SD', 360), TraceWatermark: '[1]' }]),
      'InvalidParameter',
      400,
      /TraceWatermark must be a JSON object/,
    );

    const { TranscodeTemplateGroupId: id } = await add([
      tracedTemplate('SD', 360, 'HLSEncryption', { SegmentSeconds: '2' }),
      encryptedTemplate('LD', 180, 'HLSEncryption'),
    ]);
    type Wire = { TranscodeTemplateList: Array<Record<string, string | undefined>> };
    const get = async () =>
      (
        await vod.request<{ TranscodeTemplateGroup: Wire }>('GetTranscodeTemplateGroup', {
          TranscodeTemplateGroupId: id,
        })
      ).TranscodeTemplateGroup.TranscodeTemplateList;
    const [sd, ld] = await get();
    assert.deepEqual(JSON.parse(sd!.TraceWatermark!), { Enabled: 'true', SegmentSeconds: '2' });
    assert.equal(ld!.TraceWatermark, undefined, 'absent when tracing is off');

    // What Get returns is accepted back by Update (sub-configs as JSON strings); off turns it off.
    await vod.request(
      'UpdateTranscodeTemplateGroup',
      {
        TranscodeTemplateGroupId: id,
        TranscodeTemplateList: JSON.stringify([
          { ...sd, TraceWatermark: JSON.stringify({ Enabled: 'false' }) },
          { ...ld, TraceWatermark: { Enabled: 'true' } },
        ]),
      },
      { method: 'POST' },
    );
    const [sd2, ld2] = await get();
    assert.equal(sd2!.TraceWatermark, undefined);
    assert.deepEqual(JSON.parse(ld2!.TraceWatermark!), { Enabled: 'true', SegmentSeconds: '1' });
  });

  test('a traced video transcodes and publishes as A/B variants in 1 s segments', async () => {
    const vod = vodClient(server.url);
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: CLIP_SECONDS, width: 640, height: 360 });
    const group = await addGroup(vod, 'ab', [
      tracedTemplate('SD', 360, 'HLSEncryption'),
      tracedTemplate('LD', 180, 'AliyunVoDEncryption'),
    ]);
    const videoId = await uploadVideo(vod, clip, group, 'traced');
    const root = join(dataDir, 'storage', 'objects', 'videos', videoId);
    // Object keys, hls/<job>/<rendition>/… (the local store adds a `#` to each file name).
    const files = (await filesUnder(root)).map((f) => f.replace(/#$/, ''));
    for (const [definition, ext] of [
      ['sd', 'm4s'],
      ['ld', 'svs'],
    ] as const) {
      const mine = files
        .filter((f) => f.split('/')[2] === definition)
        .map((f) => f.split('/').slice(3).join('/'));
      const names = Array.from(
        { length: CLIP_SECONDS },
        (_, i) => `seg_${String(i).padStart(5, '0')}.${ext}`,
      );
      assert.deepEqual(
        mine.sort(),
        [...names.map((n) => `a/${n}`), ...names.map((n) => `b/${n}`), 'index.m3u8', 'init.mp4'].sort(),
        `${definition}: ${mine.join(', ')}`,
      );
      const playlistPath = files.find((f) => f.endsWith(`/${definition}/index.m3u8`))!;
      const playlist = await readFile(join(root, `${playlistPath}#`), 'utf8');
      assert.deepEqual(
        // The stored file starts with the local store's metadata header: keep the segment lines.
        playlist.split('\n').filter((l) => /^\w\/?seg_\d+/.test(l) || /^seg_/.test(l)),
        names.map((n) => `a/${n}`),
      );
    }
  });
});
