/**
 * Deletion and batch actions (reference-more §7) and the events they and the probe send
 * (§7.3, §8.1), against the running server through pop-core, with a real callback receiver that
 * checks X-VOD-SIGNATURE: DeleteStream removes exactly one rendition (records and stored files),
 * DeleteMezzanines removes the source (GetMezzanineInfo then says Deleted), UpdateVideoInfos
 * changes several videos at once or nothing, and VideoAnalysisComplete / DeleteMediaComplete
 * arrive with the reference's fields.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus } from '../support/vod-upload.js';
import { expectApiError, plain, sleep } from './e2e-helpers.js';

const AUTH_KEY = 'DeleteEvents2026';

interface Received {
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}
interface PlayInfo {
  JobId: string;
  Definition: string;
  PlayURL: string;
}

describe('deletion, batch updates and their events', () => {
  let server: ServerProcess;
  let dataDir: string;
  let vod: RPCClient;
  let receiver: Server;
  let callbackUrl: string;
  let clip: string;
  let groupId: string;
  const received: Received[] = [];

  before(async () => {
    dataDir = await makeDataDir();
    clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 3, width: 426, height: 240 });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ body: JSON.parse(body) as Record<string, unknown>, headers: req.headers });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
    // The receiver is on 127.0.0.1: callbacks may reach private addresses only with this.
    server = await startServerProcess({
      dataDir,
      env: { SECUREVOD_X264_PRESET: 'ultrafast', SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1' },
    });
    vod = vodClient(server.url);
    await vod.request('SetMessageCallback', {
      CallbackURL: callbackUrl,
      EventTypeList: 'ALL',
      AuthSwitch: 'on',
      AuthKey: AUTH_KEY,
    });
    const template = (definition: string, height: string) => ({
      Definition: definition,
      Video: { Codec: 'H.264', Bitrate: '200', Height: height },
      Audio: { Codec: 'AAC', Bitrate: '64' },
      Container: { Format: 'm3u8' },
      MuxConfig: { Segment: { Duration: '2' } },
    });
    groupId = (
      await vod.request<{ TranscodeTemplateGroupId: string }>('AddTranscodeTemplateGroup', {
        Name: 'two renditions',
        TranscodeTemplateList: JSON.stringify([template('LD', '128'), template('SD', '240')]),
      })
    ).TranscodeTemplateGroupId;
  });

  after(async () => {
    await server?.stop();
    await new Promise((r) => receiver?.close(r));
    if (dataDir) await removeDir(dataDir);
  });

  /** Waits for the event matching `predicate`, and checks its signature. */
  async function event(type: string, predicate: (body: Record<string, unknown>) => boolean) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const hit = received.find((r) => r.body.EventType === type && predicate(r.body));
      if (hit) {
        const timestamp = String(hit.headers['x-vod-timestamp']);
        assert.match(timestamp, /^\d{10}$/);
        assert.equal(
          hit.headers['x-vod-signature'],
          createHash('md5').update(`${callbackUrl}|${timestamp}|${AUTH_KEY}`).digest('hex'),
          `${type}: X-VOD-SIGNATURE`,
        );
        assert.match(String(hit.body.EventTime), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        return hit.body;
      }
      if (Date.now() > deadline)
        throw new Error(`no ${type} event: ${JSON.stringify(received.map((r) => r.body))}`);
      await sleep(100);
    }
  }

  async function transcoded(title: string, params: Record<string, string> = {}): Promise<string> {
    const ticket = await createUpload(vod, {
      Title: title,
      FileName: 'lesson.mp4',
      TemplateGroupId: groupId,
      ...params,
    });
    await ossClientFor(ticket).put(ticket.address.FileName, clip);
    const video = await waitForStatus(vod, ticket.videoId, ['Normal', 'TranscodeFail']);
    assert.equal(video.Status, 'Normal', video.StatusReason);
    return ticket.videoId;
  }

  const playInfos = async (videoId: string) =>
    (
      await vod.request<{ PlayInfoList: { PlayInfo: PlayInfo[] } }>('GetPlayInfo', {
        VideoId: videoId,
        ResultType: 'Multiple',
      })
    ).PlayInfoList.PlayInfo;

  test('VideoAnalysisComplete reports the probe with the reference fields, as strings', async () => {
    const videoId = await transcoded('analysed');
    const body = await event('VideoAnalysisComplete', (b) => b.VideoId === videoId);
    const { EventTime: _time, ...rest } = body;
    assert.deepEqual(Object.keys(rest).sort(), [
      'Bitrate',
      'Duration',
      'EventType',
      'Fps',
      'Height',
      'Size',
      'Status',
      'VideoId',
      'Width',
    ]);
    assert.equal(rest.Status, 'success');
    assert.deepEqual([rest.Width, rest.Height, rest.Fps], ['426', '240', '25']);
    assert.ok(Math.abs(Number(rest.Duration) - 3) < 0.2, `Duration ${String(rest.Duration)}`);
    assert.match(String(rest.Bitrate), /^\d+$/);
    const info = (await vod.request<{ Video: { Size: number } }>('GetVideoInfo', { VideoId: videoId })).Video;
    assert.equal(rest.Size, String(info.Size));
    assert.equal(
      received.filter((r) => r.body.EventType === 'VideoAnalysisComplete' && r.body.VideoId === videoId)
        .length,
      1,
    );

    // A file that is not media: the analysis fails, once, with the reference's code.
    const ticket = await createUpload(vod, {
      Title: 'not media',
      FileName: 'x.mp4',
      TemplateGroupId: groupId,
    });
    const junk = join(dataDir, 'junk.mp4');
    await writeFile(junk, 'this is plain text, not a video\n'.repeat(100));
    await ossClientFor(ticket).put(ticket.address.FileName, junk);
    await waitForStatus(vod, ticket.videoId, ['TranscodeFail']);
    const failed = await event('VideoAnalysisComplete', (b) => b.VideoId === ticket.videoId);
    assert.deepEqual([failed.Status, failed.ErrorCode], ['fail', 'InvalidParameter.ResourceContentBad']);
    assert.match(String(failed.ErrorMessage), /could not be read as media|no video stream/);
  });

  test('DeleteStream removes exactly one rendition from GetPlayInfo and its stored files', async () => {
    const videoId = await transcoded('two streams');
    const before = await playInfos(videoId);
    assert.deepEqual(before.map((p) => p.Definition).sort(), ['LD', 'SD']);
    const doomed = before.find((p) => p.Definition === 'LD')!;
    const kept = before.find((p) => p.Definition === 'SD')!;
    const store = await createLocalDirectoryStore({ root: join(dataDir, 'storage') });
    const keys = async () => {
      const all: string[] = [];
      for await (const o of store.list(`videos/${videoId}/`)) all.push(o.key);
      return all;
    };
    const prefixOf = (jobId: string) => `videos/${videoId}/hls/${jobId.slice(0, 32)}/${jobId.slice(33)}/`;
    assert.ok(
      (await keys()).some((k) => k.startsWith(prefixOf(doomed.JobId))),
      'the rendition is stored',
    );
    const keptKeys = (await keys()).filter((k) => k.startsWith(prefixOf(kept.JobId)));

    await vod.request('DeleteStream', { VideoId: videoId, JobIds: doomed.JobId });
    const after = await playInfos(videoId);
    assert.deepEqual(
      after.map((p) => p.JobId),
      [kept.JobId],
      'exactly the other rendition is left',
    );
    assert.equal(
      (await keys()).filter((k) => k.startsWith(prefixOf(doomed.JobId))).length,
      0,
      'its files are gone',
    );
    assert.deepEqual(
      (await keys()).filter((k) => k.startsWith(prefixOf(kept.JobId))),
      keptKeys,
      'the other files stay',
    );
    const playlist = await fetch(kept.PlayURL);
    assert.equal(playlist.status, 200, 'the remaining rendition still plays');
    await playlist.body?.cancel();

    const body = await event(
      'DeleteMediaComplete',
      (b) => b.MediaId === videoId && b.DeleteType === 'stream',
    );
    assert.deepEqual(
      { ...body, EventTime: 'T' },
      {
        EventTime: 'T',
        EventType: 'DeleteMediaComplete',
        Status: 'success',
        MediaType: 'video',
        MediaId: videoId,
        DeleteType: 'stream',
        JobIds: doomed.JobId,
      },
    );

    await expectApiError(
      vod.request('DeleteStream', { VideoId: videoId, JobIds: doomed.JobId }),
      'InvalidStream.NotFound',
      404,
    );
    await expectApiError(
      vod.request('DeleteStream', {
        VideoId: videoId,
        JobIds: Array.from({ length: 21 }, (_, i) => `j${i}`).join(','),
      }),
      'JobIdsExceededMax',
      400,
    );
    await expectApiError(
      vod.request('DeleteStream', { VideoId: '0'.repeat(32), JobIds: 'x' }),
      'InvalidVideo.NotFound',
      404,
    );
    await expectApiError(
      vod.request('DeleteStream', { VideoId: videoId }),
      'MissingParameter',
      400,
      /"JobIds"/,
    );
    assert.equal((await playInfos(videoId)).length, 1, 'refused requests deleted nothing');
  });

  test('DeleteMezzanines deletes the source; GetMezzanineInfo then says Deleted', async () => {
    const videoId = await transcoded('source goes');
    const stored = await createUpload(vod, {
      Title: 'stored only',
      FileName: 'a.mp4',
      TemplateGroupId: 'VOD_NO_TRANSCODE',
    });
    await ossClientFor(stored).put(stored.address.FileName, clip);
    await waitForStatus(vod, stored.videoId, ['UploadSucc'], 10_000);

    const answer = await vod.request<{ NonExistVideoIds: string[]; UnRemoveableVideoIds: string[] }>(
      'DeleteMezzanines',
      {
        VideoIds: `${videoId},${stored.videoId},${'0'.repeat(32)}`,
      },
    );
    assert.deepEqual(plain(answer.NonExistVideoIds), ['0'.repeat(32)]);
    assert.deepEqual(
      plain(answer.UnRemoveableVideoIds),
      [stored.videoId],
      'the only copy stays without Force',
    );

    const mezzanine = await vod.request<{ Mezzanine: { Status: string; FileURL: string; Size: number } }>(
      'GetMezzanineInfo',
      { VideoId: videoId },
    );
    assert.deepEqual([mezzanine.Mezzanine.Status, mezzanine.Mezzanine.FileURL], ['Deleted', '']);
    const store = await createLocalDirectoryStore({ root: join(dataDir, 'storage') });
    const sources: string[] = [];
    for await (const o of store.list(`sources/${videoId}/`)) sources.push(o.key);
    assert.deepEqual(sources, [], 'the source file is gone');
    assert.equal((await playInfos(videoId)).length, 2, 'the renditions still play');
    await expectApiError(
      vod.request('SubmitTranscodeJobs', { VideoId: videoId, TemplateGroupId: groupId }),
      'InvalidFile.NotFound',
      404,
      /DeleteMezzanines/,
    );
    const body = await event(
      'DeleteMediaComplete',
      (b) => b.MediaId === videoId && b.DeleteType === 'mezzanine',
    );
    assert.deepEqual([body.Status, body.MediaType], ['success', 'video']);

    const forced = await vod.request<{ UnRemoveableVideoIds: string[] }>('DeleteMezzanines', {
      VideoIds: stored.videoId,
      Force: 'true',
    });
    assert.deepEqual(plain(forced.UnRemoveableVideoIds), []);
    const forcedInfo = await vod.request<{ Mezzanine: { Status: string } }>('GetMezzanineInfo', {
      VideoId: stored.videoId,
    });
    assert.equal(forcedInfo.Mezzanine.Status, 'Deleted');
    await expectApiError(vod.request('DeleteMezzanines', {}), 'MissingParameter', 400, /"VideoIds"/);
    await expectApiError(
      vod.request('DeleteMezzanines', { VideoIds: stored.videoId, Force: 'yes' }),
      'InvalidParameter',
      400,
      /"Force"/,
    );
  });

  test('UpdateVideoInfos changes several videos, or nothing when one item is bad', async () => {
    const a = await createUpload(vod, { Title: 'a', FileName: 'a.mp4' });
    const b = await createUpload(vod, { Title: 'b', FileName: 'b.mp4' });
    const cate = (await vod.request<{ Category: { CateId: number } }>('AddCategory', { CateName: 'Batch' }))
      .Category;
    const missing = '0'.repeat(32);
    const answer = await vod.request<{
      RequestId: string;
      NonExistVideoIds: string[];
      ForbiddenVideoIds: string[];
    }>('UpdateVideoInfos', {
      UpdateContent: JSON.stringify([
        { VideoId: a.videoId, Title: 'a renamed', Tags: 'x, y', CateId: cate.CateId },
        { VideoId: b.videoId, Description: 'second' },
        { VideoId: missing, Title: 'ghost' },
      ]),
    });
    assert.deepEqual(plain(answer), {
      RequestId: answer.RequestId,
      NonExistVideoIds: [missing],
      ForbiddenVideoIds: [],
    });
    const info = async (id: string) =>
      (await vod.request<{ Video: Record<string, unknown> }>('GetVideoInfo', { VideoId: id })).Video;
    const va = await info(a.videoId);
    assert.deepEqual([va.Title, va.Tags, va.CateId, va.CateName], ['a renamed', 'x,y', cate.CateId, 'Batch']);
    assert.deepEqual([(await info(b.videoId)).Title, (await info(b.videoId)).Description], ['b', 'second']);

    await expectApiError(
      vod.request('UpdateVideoInfos', {
        UpdateContent: JSON.stringify([
          { VideoId: a.videoId, Title: 'should not apply' },
          { VideoId: b.videoId, Title: 'x'.repeat(129) },
        ]),
      }),
      'LengthExceededMax',
      400,
      /UpdateContent\[1\]\.Title/,
    );
    assert.equal((await info(a.videoId)).Title, 'a renamed', 'nothing changed');
    await expectApiError(
      vod.request('UpdateVideoInfos', {
        UpdateContent: JSON.stringify(Array.from({ length: 21 }, () => ({ VideoId: a.videoId }))),
      }),
      'CountExceededMax',
      400,
    );
    await expectApiError(
      vod.request('UpdateVideoInfos', { UpdateContent: '{"VideoId":1}' }),
      'InvalidParameter',
      400,
      /"UpdateContent"/,
    );
    await expectApiError(
      vod.request('UpdateVideoInfos', { UpdateContent: JSON.stringify([{ Title: 'no id' }]) }),
      'MissingParameter',
      400,
      /UpdateContent\[0\]\.VideoId/,
    );
  });

  test('DeleteVideo announces DeleteMediaComplete with DeleteType all', async () => {
    const ticket = await createUpload(vod, { Title: 'to delete', FileName: 'a.mp4' });
    await vod.request('DeleteVideo', { VideoIds: ticket.videoId });
    const body = await event('DeleteMediaComplete', (b) => b.MediaId === ticket.videoId);
    assert.deepEqual(
      { ...body, EventTime: 'T' },
      {
        EventTime: 'T',
        EventType: 'DeleteMediaComplete',
        Status: 'success',
        MediaType: 'video',
        MediaId: ticket.videoId,
        DeleteType: 'all',
      },
    );
  });
});
