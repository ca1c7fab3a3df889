/**
 * Images, covers, snapshots and transcode task queries (reference-more §2–§4) against a running
 * server with URL signing on, through pop-core, ali-oss and plain HTTP, with real ffmpeg and a
 * real callback receiver that checks X-VOD-SIGNATURE:
 *
 * - a transcoded video without a cover gets a CoverSnapshot as its cover;
 * - a JPEG uploaded with CreateUploadImage + ali-oss becomes the cover: GetPlayInfo
 *   VideoBase.CoverURL and GetVideoPlayAuth VideoMeta.CoverURL serve exactly that JPEG;
 * - SubmitSnapshotJob stills are the frames ffmpeg itself decodes at those times (mean pixel
 *   difference), the sprite's WebVTT cues cover the duration, and its sheets are served;
 * - ImageUploadComplete and SnapshotComplete arrive signed with the reference's fields;
 * - GetTranscodeTask / ListTranscodeTask / GetTranscodeSummary describe the upload's task;
 * - unknown ids and bad parameters get the reference's codes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type RPCClient from '@alicloud/pop-core';
import { addGroup, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { VodOpenApi } from '../support/openapi-client.js';
import { vodClient } from '../support/vod-client.js';
import { decodeTicket, ossClientFor, type UploadTicket } from '../support/vod-upload.js';
import { expectApiError, plain, sleep } from './e2e-helpers.js';

const run = promisify(execFile);
const AUTH_KEY = 'SnapshotKey2026';
const WIDTH = 320;
const HEIGHT = 180;
const DURATION = 4;

interface Received {
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  url: string;
}

/** The frame as 8-bit grey pixels at `WIDTH`×`HEIGHT`, decoded by ffmpeg from a file or a time. */
async function greyFrame(input: string, atSeconds?: number): Promise<Buffer> {
  const seek = atSeconds === undefined ? [] : ['-ss', atSeconds.toFixed(3)];
  const { stdout } = await run(
    'ffmpeg',
    [
      ...seek,
      '-v',
      'error',
      '-i',
      input,
      '-frames:v',
      '1',
      '-vf',
      `scale=${WIDTH}:${HEIGHT}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 8 * 1024 * 1024 },
  );
  return stdout;
}

function meanDifference(a: Buffer, b: Buffer): number {
  assert.equal(a.length, b.length, 'frame sizes');
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

async function fetchOk(url: string, contentType: string): Promise<Buffer> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url}: ${await response.clone().text()}`);
  assert.equal(response.headers.get('content-type'), contentType);
  return Buffer.from(await response.arrayBuffer());
}

const isJpeg = (bytes: Buffer) =>
  bytes[0] === 0xff && bytes[1] === 0xd8 && bytes.at(-2) === 0xff && bytes.at(-1) === 0xd9;

function vttCues(text: string): { start: number; end: number; payload: string }[] {
  const seconds = (t: string) => {
    const [h, m, s] = t.split(':');
    return Number(h) * 3600 + Number(m) * 60 + Number(s);
  };
  const cues = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^(\S+) --> (\S+)$/.exec(lines[i]!);
    if (match) cues.push({ start: seconds(match[1]!), end: seconds(match[2]!), payload: lines[i + 1]! });
  }
  return cues;
}

describe('images, covers, snapshots and transcode tasks', () => {
  let dataDir: string;
  let server: ServerProcess;
  let vod: RPCClient;
  let receiver: Server;
  let receiverUrl: string;
  let clipPath: string;
  let coverJpeg: Buffer;
  let videoId: string;
  const received: Received[] = [];

  const event = async (type: string, match: (body: Record<string, unknown>) => boolean) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = received.find((r) => r.body.EventType === type && match(r.body));
      if (found) {
        const ts = String(found.headers['x-vod-timestamp']);
        const expected = createHash('md5').update(`${receiverUrl}|${ts}|${AUTH_KEY}`).digest('hex');
        assert.equal(found.headers['x-vod-signature'], expected, `${type}: X-VOD-SIGNATURE`);
        return found.body;
      }
      if (Date.now() > deadline)
        throw new Error(`no ${type}: ${JSON.stringify(received.map((r) => r.body))}`);
      await sleep(100);
    }
  };

  before(async () => {
    dataDir = await makeDataDir('securevod-snapshots-');
    clipPath = join(dataDir, 'clip.mp4');
    await makeClip(clipPath, { seconds: DURATION, width: WIDTH, height: HEIGHT, audio: false });
    const coverPath = join(dataDir, 'cover.jpg');
    await run('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'smptebars=size=320x180',
      '-frames:v',
      '1',
      coverPath,
    ]);
    coverJpeg = await readFile(coverPath);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({
          body: JSON.parse(body) as Record<string, unknown>,
          headers: req.headers,
          url: req.url ?? '',
        });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
    server = await startServerProcess({
      dataDir: join(dataDir, 'server'),
      env: {
        SECUREVOD_X264_PRESET: 'ultrafast',
        SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1',
        SECUREVOD_URL_SIGNING_KEYS: 'SnapshotSigning2026',
      },
    });
    vod = vodClient(server.url);
    await vod.request('SetMessageCallback', {
      CallbackURL: receiverUrl,
      EventTypeList: 'ALL',
      AuthSwitch: 'on',
      AuthKey: AUTH_KEY,
    });
    const group = await addGroup(vod, 'snapshots', [
      {
        Definition: 'LD',
        Video: { Codec: 'H.264', Bitrate: '200', Height: '128' },
        Audio: { Codec: 'AAC', Bitrate: '64' },
        Container: { Format: 'm3u8' },
        MuxConfig: { Segment: { Duration: '2' } },
      },
    ]);
    videoId = await uploadVideo(vod, clipPath, group, 'snapshot clip');
  });

  after(async () => {
    await server?.stop();
    await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
    if (dataDir) await removeDir(dataDir);
  });

  test('a transcoded video without a cover gets a CoverSnapshot as its cover', async () => {
    const deadline = Date.now() + 60_000;
    let cover = '';
    while (Date.now() < deadline && cover === '') {
      cover = (await vod.request<{ Video: { CoverURL: string } }>('GetVideoInfo', { VideoId: videoId })).Video
        .CoverURL;
      if (cover === '') await sleep(200);
    }
    assert.match(cover, new RegExp(`/media/${videoId}/snapshots/[0-9a-f]{32}/cover-00002\\.jpg\\?auth_key=`));
    assert.ok(isJpeg(await fetchOk(cover, 'image/jpeg')));
    const done = await event('SnapshotComplete', (b) => b.VideoId === videoId && b.SubType === undefined);
    assert.equal(done.Status, 'success');
    const infos = done.SnapshotInfos as Record<string, unknown>[];
    assert.equal(infos[0]!.SnapshotType, 'CoverSnapshot');
    assert.equal(infos[0]!.SnapshotCount, 3);
    const listed = await vod.request<{
      MediaSnapshot: { Total: number; Snapshots: { Snapshot: { Index: number; Url: string }[] } };
    }>('ListSnapshots', { VideoId: videoId });
    assert.equal(listed.MediaSnapshot.Total, 3);
    assert.deepEqual(
      listed.MediaSnapshot.Snapshots.Snapshot.map((s) => s.Index),
      [1, 2, 3],
    );
  });

  test('a cover uploaded with ali-oss appears in GetPlayInfo and the PlayAuth, and the URL serves the JPEG', async () => {
    const created = await vod.request<UploadTicket & { ImageId: string; ImageURL: string; FileURL: string }>(
      'CreateUploadImage',
      { ImageType: 'cover', ImageExt: 'jpg', Title: 'my cover', Tags: 'a,b' },
      { method: 'POST' },
    );
    assert.match(created.ImageId, /^[0-9a-f]{32}$/);
    const ticket = decodeTicket({ ...created, VideoId: created.ImageId });
    await ossClientFor(ticket).put(ticket.address.FileName, coverJpeg);

    const uploaded = await event('ImageUploadComplete', (b) => b.ImageId === created.ImageId);
    assert.deepEqual(
      { ...uploaded, EventTime: 'T' },
      {
        EventTime: 'T',
        EventType: 'ImageUploadComplete',
        ImageId: created.ImageId,
        Status: 'success',
        Size: coverJpeg.length,
        FileURL: created.FileURL,
        AppId: 'app-1000000',
      },
    );
    assert.match(String(uploaded.EventTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const info = plain(await vod.request('GetImageInfo', { ImageId: created.ImageId })) as {
      ImageInfo: Record<string, unknown> & { URL: string; Mezzanine: Record<string, unknown> };
    };
    assert.equal(info.ImageInfo.ImageType, 'cover');
    assert.equal(info.ImageInfo.Status, 'Normal');
    assert.equal(info.ImageInfo.Title, 'my cover');
    assert.equal(info.ImageInfo.Mezzanine.FileSize, String(coverJpeg.length));
    assert.deepEqual(await fetchOk(info.ImageInfo.URL, 'image/jpeg'), coverJpeg);

    await vod.request('UpdateVideoInfo', { VideoId: videoId, CoverURL: created.ImageURL });
    const play = await vod.request<{ VideoBase: { CoverURL: string } }>('GetPlayInfo', { VideoId: videoId });
    assert.match(play.VideoBase.CoverURL, new RegExp(`/images/${created.ImageId}/image\\.jpg\\?auth_key=`));
    assert.deepEqual(await fetchOk(play.VideoBase.CoverURL, 'image/jpeg'), coverJpeg);
    const auth = await vod.request<{ VideoMeta: { CoverURL: string } }>('GetVideoPlayAuth', {
      VideoId: videoId,
    });
    assert.deepEqual(await fetchOk(auth.VideoMeta.CoverURL, 'image/jpeg'), coverJpeg);

    // The signature covers the path: another image's id, or no auth_key, is refused.
    const tampered = play.VideoBase.CoverURL.replace('/image.jpg', '/image.png');
    assert.equal((await fetch(tampered)).status, 403);
    assert.equal((await fetch(play.VideoBase.CoverURL.split('?')[0]!)).status, 403);

    // The generated vod20170321 client's transport (openapi-client, signature V3) reads the same.
    const v3 = await new VodOpenApi(server.url, 'v3').call<{
      ImageInfo: { ImageId: string; Status: string };
    }>('GetImageInfo', { ImageId: created.ImageId });
    assert.deepEqual([v3.ImageInfo.ImageId, v3.ImageInfo.Status], [created.ImageId, 'Normal']);

    const both = plain(
      await vod.request('GetImageInfos', { ImageIds: `${created.ImageId},${'0'.repeat(32)}` }),
    ) as {
      ImageInfo: { ImageId: string }[];
      NonExistImageIds: string[];
    };
    assert.deepEqual(
      both.ImageInfo.map((i) => i.ImageId),
      [created.ImageId],
    );
    assert.deepEqual(both.NonExistImageIds, ['0'.repeat(32)]);
  });

  test('SubmitSnapshotJob stills are the frames at those times; the sprite VTT covers the duration', async () => {
    const offsetsMs = [500, 1700, 3100];
    const job = await vod.request<{ SnapshotJob: { JobId: string } }>('SubmitSnapshotJob', {
      VideoId: videoId,
      SpecifiedOffsetTimes: JSON.stringify(offsetsMs),
      UserData: JSON.stringify({ Extend: 'mine' }),
      SpriteSnapshotConfig: JSON.stringify({
        CellWidth: 80,
        CellHeight: 45,
        Columns: 2,
        Lines: 1,
        Padding: 2,
        Margin: 1,
      }),
    });
    const done = await event('SnapshotComplete', (b) => b.SubType === 'SpecifiedTime');
    assert.equal(done.Status, 'success');
    assert.equal(done.VideoId, videoId);
    assert.equal(done.Extend, 'mine');
    const infos = done.SnapshotInfos as {
      SnapshotType: string;
      SnapshotCount: number;
      JobId: string;
      SnapshotRegular: string;
    }[];
    const byType = Object.fromEntries(infos.map((i) => [i.SnapshotType, i]));
    assert.equal(byType.NormalSnapshot?.SnapshotCount, 3);
    assert.equal(byType.SpriteSnapshot?.SnapshotCount, 2, '3 cells on 2×1 sheets');
    assert.ok(infos.every((i) => i.JobId === job.SnapshotJob.JobId));
    assert.match(byType.NormalSnapshot!.SnapshotRegular, /snapshot-\{SnapshotCount\}\.jpg$/);

    const list = async (type: string) =>
      (
        await vod.request<{
          MediaSnapshot: {
            Total: number;
            JobId: string;
            Snapshots: { Snapshot: { Index: number; Url: string }[] };
          };
        }>('ListSnapshots', { VideoId: videoId, SnapshotType: type })
      ).MediaSnapshot;
    const normal = await list('NormalSnapshot');
    assert.equal(normal.JobId, job.SnapshotJob.JobId);
    assert.equal(normal.Total, 3);
    for (const [i, snapshot] of normal.Snapshots.Snapshot.entries()) {
      const jpeg = await fetchOk(snapshot.Url, 'image/jpeg');
      assert.ok(isJpeg(jpeg));
      const file = join(dataDir, `snap-${i}.jpg`);
      await writeFile(file, jpeg);
      const got = await greyFrame(file);
      const at = offsetsMs[i]! / 1000;
      const same = meanDifference(got, await greyFrame(clipPath, at));
      const other = meanDifference(got, await greyFrame(clipPath, (at + 1.2) % DURATION));
      assert.ok(same < 4, `snapshot ${i + 1} at ${at}s differs from ffmpeg's frame by ${same.toFixed(2)}`);
      assert.ok(
        other > same * 3,
        `snapshot ${i + 1}: another time is ${other.toFixed(2)} away, the same ${same.toFixed(2)}`,
      );
    }

    const vtt = await list('WebVttSnapshot');
    assert.equal(vtt.Total, 1);
    const track = (await fetchOk(vtt.Snapshots.Snapshot[0]!.Url, 'text/vtt; charset=utf-8')).toString();
    assert.match(track, /^WEBVTT\n/);
    const cues = vttCues(track);
    assert.equal(cues.length, 3);
    assert.equal(cues[0]!.start, 0);
    for (let i = 1; i < cues.length; i++)
      assert.equal(cues[i]!.start, cues[i - 1]!.end, 'cues are contiguous');
    assert.ok(Math.abs(cues.at(-1)!.end - DURATION) < 0.1, `the last cue ends at ${cues.at(-1)!.end}`);
    assert.match(cues[1]!.payload, /^sprite-00001\.jpg\?auth_key=.*#xywh=83,1,80,45$/);
    const sheet = await fetchOk(
      new URL(cues[2]!.payload.split('#')[0]!, vtt.Snapshots.Snapshot[0]!.Url).href,
      'image/jpeg',
    );
    const sheetPath = join(dataDir, 'sheet.jpg');
    await writeFile(sheetPath, sheet);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=width,height',
      '-of',
      'csv=p=0',
      sheetPath,
    ]);
    assert.equal(stdout.trim(), '164,47', 'a sheet of 2×1 cells of 80×45 with padding 2 and margin 1');
  });

  test('GetTranscodeTask, ListTranscodeTask and GetTranscodeSummary describe the upload', async () => {
    const tasks = await vod.request<{ TranscodeTaskList: Record<string, string>[] }>('ListTranscodeTask', {
      VideoId: videoId,
    });
    assert.equal(tasks.TranscodeTaskList.length, 1);
    const [task] = tasks.TranscodeTaskList;
    assert.equal(task!.TaskStatus, 'CompleteAllSucc');
    assert.equal(task!.Trigger, 'Auto');
    const play = await vod.request<{ PlayInfoList: { PlayInfo: { JobId: string }[] } }>('GetPlayInfo', {
      VideoId: videoId,
    });
    const detail = plain(
      await vod.request('GetTranscodeTask', { TranscodeTaskId: task!.TranscodeTaskId }),
    ) as {
      TranscodeTask: { VideoId: string; TranscodeJobInfoList: Record<string, unknown>[] };
    };
    assert.equal(detail.TranscodeTask.VideoId, videoId);
    assert.deepEqual(
      detail.TranscodeTask.TranscodeJobInfoList.map((j) => j.TranscodeJobId),
      play.PlayInfoList.PlayInfo.map((p) => p.JobId),
    );
    assert.equal(detail.TranscodeTask.TranscodeJobInfoList[0]!.Definition, 'LD');
    assert.equal(detail.TranscodeTask.TranscodeJobInfoList[0]!.TranscodeJobStatus, 'TranscodeSuccess');
    const summary = plain(
      await vod.request('GetTranscodeSummary', { VideoIds: `${videoId},${'f'.repeat(32)}` }),
    ) as {
      TranscodeSummaryList: {
        VideoId: string;
        TranscodeStatus: string;
        TranscodeJobInfoSummaryList: unknown[];
      }[];
      NonExistVideoIds: string[];
    };
    assert.deepEqual(summary.NonExistVideoIds, ['f'.repeat(32)]);
    assert.equal(summary.TranscodeSummaryList[0]!.TranscodeStatus, 'CompleteAllSucc');
    assert.equal(summary.TranscodeSummaryList[0]!.TranscodeJobInfoSummaryList.length, 1);
  });

  test("unknown ids and bad parameters get the reference's codes", async () => {
    const unknown = '0123456789abcdef0123456789abcdef';
    await expectApiError(vod.request('GetImageInfo', { ImageId: unknown }), 'NoSuchResource', 404);
    await expectApiError(
      vod.request('DeleteImage', { DeleteImageType: 'ImageId', ImageIds: unknown }),
      'NoSuchResource',
      404,
    );
    await expectApiError(
      vod.request('SubmitSnapshotJob', { VideoId: unknown }),
      'InvalidVideo.NotFound',
      404,
    );
    await expectApiError(vod.request('ListSnapshots', { VideoId: unknown }), 'InvalidVideo.NotFound', 404);
    await expectApiError(
      vod.request('GetTranscodeTask', { TranscodeTaskId: unknown }),
      'NoSuchResource',
      404,
    );
    await expectApiError(
      vod.request('SubmitSnapshotJob', { VideoId: videoId, Count: '0' }),
      'InvalidParameter',
      400,
      /Count/,
    );
    await expectApiError(
      vod.request('SubmitSnapshotJob', { VideoId: videoId, SpriteSnapshotConfig: '{"Columns":0}' }),
      'InvalidParameter',
      400,
      /SpriteSnapshotConfig\.Columns/,
    );
    await expectApiError(
      vod.request('SubmitSnapshotJob', { VideoId: videoId, SpecifiedOffsetTimes: '[1,"x"]' }),
      'InvalidParameter',
      400,
      /SpecifiedOffsetTimes/,
    );
    await expectApiError(
      vod.request('SubmitSnapshotJob', { VideoId: videoId, Width: '4' }),
      'InvalidParameter',
      400,
      /Width/,
    );
    await expectApiError(
      vod.request('CreateUploadImage', { ImageType: 'cover', ImageExt: 'bmp' }),
      'InvalidParameter',
      400,
      /ImageExt/,
    );
    await expectApiError(
      vod.request('CreateUploadImage', { ImageType: 'poster' }),
      'InvalidParameter',
      400,
      /ImageType/,
    );
    await expectApiError(vod.request('DeleteImage', {}), 'MissingParameter', 400, /DeleteImageType/);
    // A video still uploading cannot be snapshotted.
    const pending = await vod.request<{ VideoId: string }>('CreateUploadVideo', {
      Title: 'pending',
      FileName: 'p.mp4',
    });
    await expectApiError(
      vod.request('SubmitSnapshotJob', { VideoId: pending.VideoId }),
      'Forbidden.IllegalStatus',
      400,
    );
  });

  test('DeleteImage removes the image: its URL and GetImageInfo answer 404', async () => {
    const created = await vod.request<UploadTicket & { ImageId: string; ImageURL: string }>(
      'CreateUploadImage',
      {
        ImageType: 'default',
        ImageExt: 'png',
      },
    );
    const ticket = decodeTicket({ ...created, VideoId: created.ImageId });
    await ossClientFor(ticket).put(ticket.address.FileName, coverJpeg);
    await event('ImageUploadComplete', (b) => b.ImageId === created.ImageId);
    assert.equal((await fetch(created.ImageURL)).status, 200);
    await vod.request('DeleteImage', {
      DeleteImageType: 'ImageURL',
      ImageURLs: encodeURIComponent(created.ImageURL),
    });
    assert.equal((await fetch(created.ImageURL)).status, 404);
    await expectApiError(vod.request('GetImageInfo', { ImageId: created.ImageId }), 'NoSuchResource', 404);
  });

  test("DeleteImage by VideoId deletes that type of the video's snapshots", async () => {
    const list = async (type: string) =>
      (
        await vod.request<{ MediaSnapshot: { Total: number; Snapshots: { Snapshot: { Url: string }[] } } }>(
          'ListSnapshots',
          { VideoId: videoId, SnapshotType: type },
        )
      ).MediaSnapshot;
    const before = await list('NormalSnapshot');
    assert.equal(before.Total, 3);
    await vod.request('DeleteImage', {
      DeleteImageType: 'VideoId',
      VideoId: videoId,
      ImageType: 'NormalSnapshot',
    });
    assert.equal((await list('NormalSnapshot')).Total, 0);
    // The sprite's cells are the same pictures (SpriteOriginSnapshot): they stay while named there.
    assert.equal((await list('SpriteOriginSnapshot')).Total, 3);
    assert.equal((await fetch(before.Snapshots.Snapshot[0]!.Url)).status, 200);
    await vod.request('DeleteImage', { DeleteImageType: 'VideoId', VideoId: videoId, ImageType: 'All' });
    assert.equal((await list('SpriteSnapshot')).Total, 0);
    assert.equal((await list('WebVttSnapshot')).Total, 0, 'the track goes with its sprite');
    assert.equal((await fetch(before.Snapshots.Snapshot[0]!.Url)).status, 404);
    await expectApiError(
      vod.request('DeleteImage', { DeleteImageType: 'VideoId', VideoId: videoId, ImageType: 'Poster' }),
      'InvalidParameter',
      400,
      /ImageType/,
    );
  });
});
