/**
 * The media catalogue actions (reference §2.4–§2.8, §2.14) against the running server, through
 * the vendor's own `@alicloud/pop-core` client: validation errors with the documented codes and
 * HTTP statuses, the decoded upload credential, list wrapping and paging, updates, deletion down
 * to the stored files and the wrapped data key, and the mezzanine of a transcoded video.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import { openDatabase } from '../../src/store/database.js';
import { decodeVideo, makeClip } from '../support/media.js';
import {
  filesContaining,
  makeDataDir,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import {
  createUpload,
  decodeTicket,
  ossClientFor,
  waitForStatus,
  type UploadTicket,
} from '../support/vod-upload.js';
import { expectApiError, filesUnder, plain } from './e2e-helpers.js';

interface WireVideo {
  VideoId: string;
  Title: string;
  Status: string;
  StatusReason?: string;
  Tags: string;
  Size: number;
  Duration: number;
  CateId?: number;
  CreationTime: string;
  ModificationTime: string;
  TemplateGroupId: string;
  DownloadSwitch: string;
  Snapshots: { Snapshot: string[] };
}

const WIRE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('catalogue actions', () => {
  let server: ServerProcess;
  let dataDir: string;
  let vod: RPCClient;
  let clip: string;

  before(async () => {
    dataDir = await makeDataDir();
    clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 4 });
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    vod = vodClient(server.url);
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  const info = async (videoId: string) =>
    (await vod.request<{ Video: WireVideo }>('GetVideoInfo', { VideoId: videoId })).Video;

  /** Uploads a few bytes through ali-oss into a "no transcoding" video: it ends UploadSucc. */
  async function uploadedWithoutTranscoding(params: Record<string, string> = {}): Promise<string> {
    const ticket = await createUpload(vod, {
      Title: 'stored only',
      FileName: 'a.mp4',
      TemplateGroupId: 'VOD_NO_TRANSCODE',
      ...params,
    });
    await ossClientFor(ticket).put(ticket.address.FileName, Buffer.alloc(1234, 7));
    await waitForStatus(vod, ticket.videoId, ['UploadSucc'], 10_000);
    return ticket.videoId;
  }

  test('CreateUploadVideo refuses bad input with the documented codes and creates nothing', async () => {
    const before = (await vod.request<{ Total: number }>('GetVideoList', {})).Total;
    const create = (params: Record<string, string>) =>
      vod.request('CreateUploadVideo', params, { method: 'POST' });

    await expectApiError(create({ FileName: 'a.mp4' }), 'MissingParameter', 400, /"Title"/);
    await expectApiError(create({ Title: 't' }), 'MissingParameter', 400, /"FileName"/);
    await expectApiError(create({ Title: 't', FileName: 'video' }), 'InvalidFileName.Extension', 400);
    await expectApiError(create({ Title: 't', FileName: 'setup.exe' }), 'InvalidFileName.Extension', 400);
    await expectApiError(
      create({ Title: 't', FileName: 'D:\\clips.d\\take' }),
      'InvalidFileName.Extension',
      400,
    );
    // 43 three-byte characters: within 128 characters but 129 bytes, and the limit is in bytes.
    await expectApiError(
      create({ Title: '视'.repeat(43), FileName: 'a.mp4' }),
      'LengthExceededMax',
      400,
      /Title/,
    );
    const tags = Array.from({ length: 17 }, (_, i) => `tag${i}`).join(',');
    await expectApiError(create({ Title: 't', FileName: 'a.mp4', Tags: tags }), 'TagsExceededMax', 400);
    await expectApiError(
      create({ Title: 't', FileName: 'a.mp4', TemplateGroupId: 'nosuchgroup' }),
      'InvalidTemplateGroupId.NotFound',
      404,
    );
    await expectApiError(
      create({ Title: 't', FileName: 'a.mp4', UserData: '{"MessageCallback":' }),
      'InvalidParameter',
      400,
      /"UserData"/,
    );
    assert.equal((await vod.request<{ Total: number }>('GetVideoList', {})).Total, before);

    // The limits themselves are allowed: 128 bytes of title, 16 tags, an upper-case extension.
    const ok = await createUpload(vod, {
      Title: '视'.repeat(42) + 'xy',
      FileName: 'D:\\video_01.MP4',
      Tags: Array.from({ length: 16 }, (_, i) => `tag${i}`).join(','),
    });
    const video = await info(ok.videoId);
    assert.equal(video.Title, '视'.repeat(42) + 'xy');
    assert.equal(video.Tags.split(',').length, 16);
  });

  test('UploadAddress and UploadAuth decode to the documented fields', async () => {
    const started = Date.now();
    const ticket = await vod.request<UploadTicket & { RequestId: string }>(
      'CreateUploadVideo',
      { Title: 'decoded', FileName: 'lesson.mov', FileSize: '1234' },
      { method: 'POST' },
    );
    assert.match(ticket.VideoId, /^[0-9a-f]{32}$/);
    assert.ok(ticket.RequestId);
    const address = JSON.parse(Buffer.from(ticket.UploadAddress, 'base64').toString('utf8')) as Record<
      string,
      unknown
    >;
    const auth = JSON.parse(Buffer.from(ticket.UploadAuth, 'base64').toString('utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(address.Endpoint, server.url);
    assert.equal(typeof address.Bucket, 'string');
    assert.ok((address.Bucket as string).length > 0);
    assert.equal(typeof address.FileName, 'string');
    assert.ok((address.FileName as string).includes(ticket.VideoId), 'the object key names the video');
    assert.match(address.FileName as string, /\.mov$/);
    for (const field of ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration']) {
      assert.equal(typeof auth[field], 'string', `UploadAuth.${field}`);
      assert.ok((auth[field] as string).length > 0, `UploadAuth.${field} is not empty`);
    }
    assert.match(auth.Expiration as string, WIRE_TIME);
    const lifetime = Date.parse(auth.Expiration as string) - started;
    assert.ok(Math.abs(lifetime - 3000_000) < 10_000, `credentials live 3000 s, not ${lifetime} ms`);

    const video = await info(ticket.VideoId);
    assert.equal(video.Status, 'Uploading');
    assert.equal(video.Size, 1234, 'Size is the declared FileSize until the upload finishes');
  });

  test('RefreshUploadVideo issues a new credential for the same object; unknown VideoId → 404', async () => {
    const first = await createUpload(vod, {
      Title: 'refresh me',
      FileName: 'a.mp4',
      TemplateGroupId: 'VOD_NO_TRANSCODE',
    });
    const refreshed = decodeTicket(
      await vod.request<UploadTicket>('RefreshUploadVideo', { VideoId: first.videoId }),
    );
    assert.equal(refreshed.videoId, first.videoId);
    assert.deepEqual(refreshed.address, first.address, 'same Endpoint, Bucket and FileName');
    assert.notEqual(refreshed.auth.AccessKeyId, first.auth.AccessKeyId);
    assert.notEqual(refreshed.auth.AccessKeySecret, first.auth.AccessKeySecret);
    assert.notEqual(refreshed.auth.SecurityToken, first.auth.SecurityToken);

    // The new credential writes the object and finishes the upload.
    await ossClientFor(refreshed).put(refreshed.address.FileName, Buffer.alloc(321, 1));
    const video = await waitForStatus(vod, first.videoId, ['UploadSucc'], 10_000);
    assert.equal(video.Size, 321);

    await expectApiError(
      vod.request('RefreshUploadVideo', { VideoId: 'f'.repeat(32) }),
      'InvalidVideo.NotFound',
      404,
    );
    await expectApiError(vod.request('RefreshUploadVideo', {}), 'MissingParameter', 400, /"VideoId"/);
  });

  const addCategory = async (name: string) =>
    String(
      (await vod.request<{ Category: { CateId: number } }>('AddCategory', { CateName: name })).Category
        .CateId,
    );

  test('GetVideoInfo and GetVideoInfos: fields, types, plain-array VideoList, NonExistVideoIds', async () => {
    const cateId = await addCategory('info');
    const a = await createUpload(vod, {
      Title: 'info a',
      FileName: 'a.mp4',
      Tags: 'x,y',
      CateId: cateId,
      Description: 'first',
    });
    const b = await createUpload(vod, { Title: 'info b', FileName: 'b.mp4' });
    const video = await info(a.videoId);
    assert.equal(video.VideoId, a.videoId);
    assert.equal(video.Title, 'info a');
    assert.equal(video.Tags, 'x,y');
    assert.equal(video.CateId, Number(cateId));
    assert.equal(video.Status, 'Uploading');
    assert.match(video.CreationTime, WIRE_TIME);
    assert.match(video.ModificationTime, WIRE_TIME);
    assert.equal(typeof video.Size, 'number');
    assert.equal(typeof video.Duration, 'number');
    assert.deepEqual(plain(video.Snapshots), { Snapshot: [] });
    assert.equal(video.DownloadSwitch, 'on');
    assert.match(video.TemplateGroupId, /\S/, 'the default group was recorded');

    const unknown = '0'.repeat(32);
    await expectApiError(vod.request('GetVideoInfo', { VideoId: unknown }), 'InvalidVideo.NotFound', 404);

    const both = await vod.request<{ VideoList: WireVideo[]; NonExistVideoIds: string[] }>('GetVideoInfos', {
      VideoIds: `${a.videoId},${unknown},${b.videoId}`,
    });
    assert.ok(Array.isArray(both.VideoList), 'GetVideoInfos VideoList is a plain array');
    assert.deepEqual(
      both.VideoList.map((v) => v.VideoId),
      [a.videoId, b.videoId],
    );
    assert.equal(both.VideoList[0]!.Title, 'info a');
    assert.deepEqual(both.NonExistVideoIds, [unknown]);
    await expectApiError(
      vod.request('GetVideoInfos', { VideoIds: Array.from({ length: 21 }, (_, i) => `id${i}`).join(',') }),
      'VideoIdsExceededMax',
      400,
    );
  });

  test('GetVideoList pages, sorts both ways, filters by Status and wraps VideoList.Video', async () => {
    const cate = await addCategory('list');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ticket = await createUpload(vod, {
        Title: `list ${i}`,
        FileName: 'a.mp4',
        CateId: cate,
        TemplateGroupId: 'VOD_NO_TRANSCODE',
      });
      ids.push(ticket.videoId);
      await new Promise((r) => setTimeout(r, 5)); // distinct creation times
    }
    type Page = { Total: number; VideoList: { Video: WireVideo[] } };
    const list = (params: Record<string, string>) =>
      vod.request<Page>('GetVideoList', { CateId: cate, ...params });

    const all = await list({});
    assert.equal(all.Total, 5);
    assert.equal(typeof all.Total, 'number');
    assert.ok(Array.isArray(all.VideoList.Video), 'VideoList is wrapped as {Video: [...]}');
    assert.deepEqual(
      all.VideoList.Video.map((v) => v.VideoId),
      [...ids].reverse(),
      'newest first by default',
    );
    const asc = await list({ SortBy: 'CreationTime:Asc' });
    assert.deepEqual(
      asc.VideoList.Video.map((v) => v.VideoId),
      ids,
    );
    const desc = await list({ SortBy: 'CreationTime:Desc' });
    assert.deepEqual(
      desc.VideoList.Video.map((v) => v.VideoId),
      [...ids].reverse(),
    );

    // Paging back by time: the wire's whole-second CreationTime used as EndTime includes that video.
    const times = asc.VideoList.Video.map((v) => v.CreationTime);
    const secondBefore = (t: string) =>
      new Date(Date.parse(t) - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const window = await list({ StartTime: secondBefore(times[0]!), EndTime: times[4]! });
    assert.equal(window.Total, 5, `StartTime ${secondBefore(times[0]!)} EndTime ${times[4]}`);
    assert.equal((await list({ EndTime: secondBefore(times[0]!) })).Total, 0);
    await expectApiError(
      list({ StartTime: times[4]!, EndTime: secondBefore(times[4]!) }),
      'InvalidParameter',
      400,
      /"EndTime"/,
    );
    await expectApiError(list({ StartTime: 'yesterday' }), 'InvalidParameter', 400, /"StartTime"/);

    const pages: string[][] = [];
    for (const pageNo of [1, 2, 3, 4]) {
      const page = await list({ PageNo: String(pageNo), PageSize: '2', SortBy: 'CreationTime:Asc' });
      assert.equal(page.Total, 5, 'Total counts every match, not the page');
      pages.push(page.VideoList.Video.map((v) => v.VideoId));
    }
    assert.deepEqual(pages, [ids.slice(0, 2), ids.slice(2, 4), ids.slice(4), []]);

    // Finish one upload: the Status filter then splits the five.
    await ossClientFor(
      decodeTicket(await vod.request<UploadTicket>('RefreshUploadVideo', { VideoId: ids[1]! })),
    ).put(`sources/${ids[1]}/source.mp4`, Buffer.alloc(10, 2));
    await waitForStatus(vod, ids[1]!, ['UploadSucc'], 10_000);
    const uploading = await list({ Status: 'Uploading' });
    assert.equal(uploading.Total, 4);
    assert.ok(uploading.VideoList.Video.every((v) => v.Status === 'Uploading'));
    assert.ok(!uploading.VideoList.Video.some((v) => v.VideoId === ids[1]));
    const done = await list({ Status: 'UploadSucc' });
    assert.deepEqual(
      done.VideoList.Video.map((v) => [v.VideoId, v.Size]),
      [[ids[1], 10]],
    );
    const several = await list({ Status: 'Uploading, UploadSucc' });
    assert.equal(several.Total, 5);
    assert.equal((await list({ Status: 'Normal' })).Total, 0);

    await expectApiError(list({ PageSize: '101' }), 'InvalidParameter', 400, /"PageSize"/);
    await expectApiError(list({ PageSize: '0' }), 'InvalidParameter', 400, /"PageSize"/);
    await expectApiError(list({ PageNo: '0' }), 'InvalidParameter', 400, /"PageNo"/);
    await expectApiError(list({ SortBy: 'Title:Asc' }), 'InvalidParameter', 400, /"SortBy"/);
    await expectApiError(list({ Status: 'Lost' }), 'InvalidParameter', 400, /"Status"/);
    await expectApiError(list({ PageNo: '51', PageSize: '100' }), 'VideoListExceededMax', 400);
    await expectApiError(list({ PageNo: '5001', PageSize: '1' }), 'VideoListExceededMax', 400);
    assert.equal(
      (await list({ PageNo: '50', PageSize: '100' })).VideoList.Video.length,
      0,
      '5000 is allowed',
    );
  });

  test('UpdateVideoInfo changes Title, Tags and DownloadSwitch as GetVideoInfo reports them', async () => {
    const { videoId } = await createUpload(vod, { Title: 'before', FileName: 'a.mp4', Tags: 'old' });
    const created = await info(videoId);
    await vod.request('UpdateVideoInfo', {
      VideoId: videoId,
      Title: 'after',
      Tags: 'new1, new2',
      DownloadSwitch: 'off',
    });
    let video = await info(videoId);
    assert.equal(video.Title, 'after');
    assert.equal(video.Tags, 'new1,new2');
    assert.equal(video.DownloadSwitch, 'off');
    assert.ok(video.ModificationTime >= created.ModificationTime);

    await vod.request('UpdateVideoInfo', { VideoId: videoId, DownloadSwitch: 'on' });
    video = await info(videoId);
    assert.equal(video.DownloadSwitch, 'on');
    assert.equal(video.Title, 'after', 'fields not sent are kept');

    await expectApiError(
      vod.request('UpdateVideoInfo', { VideoId: videoId, DownloadSwitch: 'maybe' }),
      'InvalidParameter',
      400,
      /"DownloadSwitch"/,
    );
    await expectApiError(
      vod.request('UpdateVideoInfo', { VideoId: videoId, Title: 'x'.repeat(129) }),
      'LengthExceededMax',
      400,
    );
    await expectApiError(
      vod.request('UpdateVideoInfo', {
        VideoId: videoId,
        Tags: Array.from({ length: 17 }, (_, i) => `t${i}`).join(','),
      }),
      'TagsExceededMax',
      400,
    );
    assert.equal((await info(videoId)).Title, 'after', 'a refused update changes nothing');
    await expectApiError(
      vod.request('UpdateVideoInfo', { VideoId: 'e'.repeat(32), Title: 'x' }),
      'InvalidVideo.NotFound',
      404,
    );
  });

  test('DeleteVideo: NonExistVideoIds, all-unknown 404, more than 20 ids refused', async () => {
    const kept = await uploadedWithoutTranscoding();
    const gone = await uploadedWithoutTranscoding();
    const unknown = 'a'.repeat(32);
    const result = await vod.request<{ NonExistVideoIds: string[]; ForbiddenVideoIds: string[] }>(
      'DeleteVideo',
      { VideoIds: `${gone},${unknown}` },
    );
    assert.deepEqual(result.NonExistVideoIds, [unknown]);
    assert.deepEqual(result.ForbiddenVideoIds, []);
    await expectApiError(vod.request('GetVideoInfo', { VideoId: gone }), 'InvalidVideo.NotFound', 404);
    assert.equal((await info(kept)).Status, 'UploadSucc', 'other videos are untouched');
    assert.deepEqual(await filesUnder(join(dataDir, 'storage', 'objects', 'sources', gone)), []);
    assert.equal((await filesUnder(join(dataDir, 'storage', 'objects', 'sources', kept))).length, 1);

    await expectApiError(
      vod.request('DeleteVideo', { VideoIds: `${unknown},${'b'.repeat(32)}` }),
      'InvalidVideo.NotFound',
      404,
    );
    await expectApiError(
      vod.request('DeleteVideo', {
        VideoIds: [kept, ...Array.from({ length: 20 }, (_, i) => String(i).padStart(32, '0'))].join(','),
      }),
      'VideoIdsExceededMax',
      400,
    );
    assert.equal((await info(kept)).Status, 'UploadSucc');
  });

  describe('a transcoded, encrypted video', () => {
    let videoId: string;

    before(async () => {
      const { TranscodeTemplateGroupId: groupId } = await vod.request<{ TranscodeTemplateGroupId: string }>(
        'AddTranscodeTemplateGroup',
        {
          Name: 'catalogue encrypted',
          TranscodeTemplateList: JSON.stringify([
            {
              Definition: 'LD',
              Video: { Codec: 'H.264', Bitrate: '300', Height: '240' },
              Audio: { Codec: 'AAC', Bitrate: '64' },
              Container: { Format: 'm3u8' },
              EncryptSetting: { EncryptType: 'HLSEncryption' },
            },
          ]),
        },
      );
      const ticket = await createUpload(vod, {
        Title: 'transcoded',
        FileName: 'lesson.mp4',
        TemplateGroupId: groupId,
      });
      await ossClientFor(ticket).put(ticket.address.FileName, clip);
      const video = await waitForStatus(vod, ticket.videoId, ['Normal', 'TranscodeFail'], 60_000);
      assert.equal(video.Status, 'Normal', `transcoding failed: ${video.StatusReason}`);
      videoId = ticket.videoId;
    });

    test('GetMezzanineInfo: Size, Duration string, Width/Height numbers, stream lists on request', async () => {
      type Mezzanine = Record<string, unknown> & {
        VideoStreamList?: Record<string, unknown>[];
        AudioStreamList?: Record<string, unknown>[];
      };
      const basic = (await vod.request<{ Mezzanine: Mezzanine }>('GetMezzanineInfo', { VideoId: videoId }))
        .Mezzanine;
      const clipSize = (await stat(clip)).size;
      assert.equal(basic.VideoId, videoId);
      assert.equal(basic.Size, clipSize);
      assert.equal(basic.FileName, 'lesson.mp4');
      assert.equal(typeof basic.Duration, 'string');
      assert.ok(Math.abs(Number(basic.Duration) - 4) < 0.2, `Duration ${String(basic.Duration)}`);
      assert.equal(basic.Width, 640);
      assert.equal(basic.Height, 360);
      assert.equal(typeof basic.Fps, 'string');
      assert.equal(Number(basic.Fps), 25);
      assert.equal(typeof basic.Bitrate, 'string');
      assert.match(String(basic.CreationTime), WIRE_TIME);
      assert.equal(basic.VideoStreamList, undefined, 'no stream lists without AdditionType');
      assert.equal(basic.AudioStreamList, undefined);

      const full = (
        await vod.request<{ Mezzanine: Mezzanine }>('GetMezzanineInfo', {
          VideoId: videoId,
          AdditionType: 'video,audio',
        })
      ).Mezzanine;
      assert.ok(Array.isArray(full.VideoStreamList) && full.VideoStreamList.length === 1);
      assert.ok(Array.isArray(full.AudioStreamList) && full.AudioStreamList.length === 1);
      const [videoStream] = full.VideoStreamList;
      const [audioStream] = full.AudioStreamList;
      assert.equal(videoStream!.CodecName, 'h264');
      assert.equal(videoStream!.Width, '640', 'stream fields are strings');
      assert.equal(videoStream!.Height, '360');
      assert.equal(videoStream!.NumFrames, String((await decodeVideo(clip)).frames));
      assert.equal(audioStream!.CodecName, 'aac');
      assert.equal(audioStream!.SampleRate, '48000');
      // The documented stream fields that ffprobe knows for an H.264/AAC MP4 are all there.
      for (const field of [
        'Index',
        'CodecLongName',
        'Profile',
        'Level',
        'Fps',
        'AvgFPS',
        'PixFmt',
        'Timebase',
      ]) {
        assert.ok(videoStream![field], `VideoStreamList[0].${field}`);
      }
      for (const field of ['Index', 'CodecLongName', 'SampleFmt', 'Channels', 'ChannelLayout', 'Timebase']) {
        assert.ok(audioStream![field], `AudioStreamList[0].${field}`);
      }
      assert.equal(videoStream!.Index, '0');
      assert.equal(audioStream!.Index, '1');
      for (const value of [...Object.values(videoStream!), ...Object.values(audioStream!)]) {
        assert.equal(typeof value, 'string');
      }
      const videoOnly = (
        await vod.request<{ Mezzanine: Mezzanine }>('GetMezzanineInfo', {
          VideoId: videoId,
          AdditionType: 'video',
        })
      ).Mezzanine;
      assert.ok(videoOnly.VideoStreamList);
      assert.equal(videoOnly.AudioStreamList, undefined);

      await expectApiError(
        vod.request('GetMezzanineInfo', { VideoId: 'c'.repeat(32) }),
        'InvalidVideo.NotFound',
        404,
      );
    });

    test('DeleteVideo removes the stored files and the row holding the wrapped data key', async () => {
      const sources = join(dataDir, 'storage', 'objects', 'sources', videoId);
      const outputs = join(dataDir, 'storage', 'objects', 'videos', videoId);
      assert.equal((await filesUnder(sources)).length, 1, 'the source is stored');
      assert.ok((await filesUnder(outputs)).length > 3, 'playlists and segments are stored');

      const db = await openDatabase({ sqlitePath: join(dataDir, 'securevod.sqlite') });
      const rows = async () => ({
        videos: await db.kysely
          .selectFrom('videos')
          .select('data_key_ciphertext')
          .where('video_id', '=', videoId)
          .execute(),
        streams: await db.kysely
          .selectFrom('streams')
          .select('stream_id')
          .where('video_id', '=', videoId)
          .execute(),
        credentials: await db.kysely
          .selectFrom('upload_credentials')
          .select('access_key_id')
          .where('video_id', '=', videoId)
          .execute(),
      });
      try {
        // The upload's credential was spent when its object completed; an outstanding one (from
        // RefreshUploadVideo) must go with the video.
        await vod.request('RefreshUploadVideo', { VideoId: videoId });
        const before = await rows();
        const wrapped = before.videos[0]?.data_key_ciphertext;
        assert.ok(wrapped, 'the video has a wrapped data key');
        assert.ok(before.streams.length > 0);
        assert.ok(before.credentials.length > 0);

        const result = await vod.request<{ NonExistVideoIds: string[] }>('DeleteVideo', {
          VideoIds: videoId,
        });
        assert.deepEqual(result.NonExistVideoIds, []);

        assert.deepEqual(await rows(), { videos: [], streams: [], credentials: [] });
        assert.deepEqual(await filesUnder(sources), []);
        assert.deepEqual(await filesUnder(outputs), []);
        await expectApiError(vod.request('GetVideoInfo', { VideoId: videoId }), 'InvalidVideo.NotFound', 404);
        await expectApiError(
          vod.request('GetMezzanineInfo', { VideoId: videoId }),
          'InvalidVideo.NotFound',
          404,
        );
        // Crypto-shredding: the wrapped key must not survive anywhere in the data dir either
        // (SQLite keeps deleted rows in free pages and the WAL unless told otherwise).
        const leftovers = await filesContaining(dataDir, [Buffer.from(wrapped)]);
        assert.deepEqual(leftovers, [], 'the wrapped data key is still on disk');
      } finally {
        await db.close();
      }
    });
  });

  test('GetMezzanineInfo of a video whose upload has not finished → InvalidFile.NotFound', async () => {
    const { videoId } = await createUpload(vod, { Title: 'no file yet', FileName: 'a.mp4' });
    await expectApiError(vod.request('GetMezzanineInfo', { VideoId: videoId }), 'InvalidFile.NotFound', 404);
  });
});
