/**
 * Issue 9 "must show": unmodified `@alicloud/openapi-client`, in its default mode (signature V3,
 * ACS3-HMAC-SHA256) and with `signatureAlgorithm: 'v2'` (signature v1), runs the whole path
 * with the Params the generated vod20170321 client uses: CreateUploadVideo → ali-oss upload →
 * GetVideoInfo → GetVideoPlayAuth → GetPlayInfo → DeleteVideo. openapi-client reads the HTTP
 * status, so every error is checked for both `Code` and status.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addGroup, encryptedTemplate } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { openApiError, VodOpenApi, type SignatureMode } from '../support/openapi-client.js';
import {
  makeDataDir,
  removeDir,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { decodeTicket, ossClientFor, type UploadTicket } from '../support/vod-upload.js';

interface VideoInfo {
  Video: { VideoId: string; Status: string; Title: string; StatusReason?: string };
}

describe('@alicloud/openapi-client, unmodified, both signature modes', () => {
  let server: ServerProcess;
  let dataDir: string;
  let clip: string;
  let groupId: string;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir });
    clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 3, width: 320, height: 180 });
    groupId = await addGroup(vodClient(server.url), 'small', [encryptedTemplate('LD', 180, 'HLSEncryption')]);
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  for (const mode of ['v3', 'v2'] as SignatureMode[]) {
    test(`${mode}: CreateUploadVideo → ali-oss → GetVideoInfo → GetVideoPlayAuth → GetPlayInfo → DeleteVideo`, async () => {
      const vod = new VodOpenApi(server.url, mode);
      const ticket = decodeTicket(
        await vod.call<UploadTicket>('CreateUploadVideo', {
          Title: `openapi ${mode} 测试`,
          FileName: 'clip.mp4',
          TemplateGroupId: groupId,
        }),
      );
      await ossClientFor(ticket).put(ticket.address.FileName, clip);

      const deadline = Date.now() + 120_000;
      let info: VideoInfo;
      do {
        info = await vod.call<VideoInfo>('GetVideoInfo', { VideoId: ticket.videoId });
        if (info.Video.Status === 'Normal' || info.Video.Status === 'TranscodeFail') break;
        await new Promise((r) => setTimeout(r, 300));
      } while (Date.now() < deadline);
      assert.equal(info.Video.Status, 'Normal', info.Video.StatusReason);
      assert.equal(info.Video.Title, `openapi ${mode} 测试`);

      const auth = await vod.call<{ PlayAuth: string; VideoMeta: { VideoId: string } }>('GetVideoPlayAuth', {
        VideoId: ticket.videoId,
      });
      assert.ok(auth.PlayAuth.length > 20);
      assert.equal(auth.VideoMeta.VideoId, ticket.videoId);

      const play = await vod.call<{
        PlayInfoList: { PlayInfo: Array<{ PlayURL: string; EncryptType: string }> };
      }>('GetPlayInfo', { VideoId: ticket.videoId });
      const [first] = play.PlayInfoList.PlayInfo;
      assert.equal(first?.EncryptType, 'HLSEncryption');
      const playlist = await fetch(first?.PlayURL ?? '');
      assert.equal(playlist.status, 200);
      assert.match(await playlist.text(), /#EXTM3U/);

      await vod.call('DeleteVideo', { VideoIds: ticket.videoId });
      const gone = await openApiError(vod.call('GetVideoInfo', { VideoId: ticket.videoId }));
      assert.equal(gone.code, 'InvalidVideo.NotFound');
      assert.equal(gone.data.statusCode, 404);
    });

    test(`${mode}: errors carry the reference's Code and HTTP status`, async () => {
      const vod = new VodOpenApi(server.url, mode);
      const missing = await openApiError(vod.call('GetVideoInfo', {}));
      assert.equal(missing.code, 'MissingParameter');
      assert.equal(missing.data.statusCode, 400);
      assert.match(missing.data.Message, /"VideoId"/);

      const wrongSecret = new VodOpenApi(server.url, mode, { ...TEST_ROOT_KEY, accessKeySecret: 'wrong' });
      const forged = await openApiError(wrongSecret.call('GetVideoInfo', { VideoId: 'x' }));
      assert.equal(forged.code, 'SignatureDoesNotMatch');
      assert.equal(forged.data.statusCode, 400);

      const unknownKey = new VodOpenApi(server.url, mode, {
        accessKeyId: 'SVAKNOBODY',
        accessKeySecret: 'x',
      });
      const unknown = await openApiError(unknownKey.call('GetVideoInfo', { VideoId: 'x' }));
      assert.equal(unknown.code, 'InvalidAccessKeyId.NotFound');
      assert.equal(unknown.data.statusCode, 404);

      const noAction = await openApiError(vod.call('NoSuchAction'));
      assert.equal(noAction.code, 'InvalidApi.NotFound');
      assert.equal(noAction.data.statusCode, 404);
    });
  }
});
