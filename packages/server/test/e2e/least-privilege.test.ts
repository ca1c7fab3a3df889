/**
 * Least privilege through unmodified pop-core (issue 11): RAM users with policies and app grants,
 * the video-ARN extension, Deny over Allow, acs:SourceIp, the protected root key, and every VOD
 * action going through the policy check. Videos are real: uploaded with ali-oss and transcoded.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeClip } from '../support/media.js';
import { addGroup, encryptedTemplate } from '../support/fixtures.js';
import {
  makeDataDir,
  removeDir,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../support/server-process.js';
import { createUpload, ossClientFor, waitForStatus } from '../support/vod-upload.js';
import {
  allowAll,
  makeUser,
  popClient,
  RAM_VERSION,
  STS_VERSION,
  VOD_VERSION,
} from '../support/access-clients.js';
import { expectApiError } from './e2e-helpers.js';

describe('least privilege through pop-core', () => {
  let server: ServerProcess;
  let dataDir: string;
  let accountId: string;
  let appA: string;
  let appB: string;
  const videos: Record<'a1' | 'a2' | 'b', string> = { a1: '', a2: '', b: '' };

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    const vod = popClient(server.url, VOD_VERSION);
    accountId = (
      await popClient(server.url, STS_VERSION).request<{ AccountId: string }>('GetCallerIdentity', {})
    ).AccountId;
    appA = (await vod.request<{ AppId: string }>('CreateAppInfo', { AppName: 'school-a' })).AppId;
    appB = (await vod.request<{ AppId: string }>('CreateAppInfo', { AppName: 'school-b' })).AppId;
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 2, width: 256, height: 144, audio: false });
    const group = await addGroup(vod, 'tiny', [encryptedTemplate('LD', 144)]);
    const upload = async (appId: string) => {
      const ticket = await createUpload(vod, {
        Title: 't',
        FileName: 'c.mp4',
        TemplateGroupId: group,
        AppId: appId,
      });
      await ossClientFor(ticket).put(ticket.address.FileName, clip);
      return ticket.videoId;
    };
    videos.a1 = await upload(appA);
    videos.a2 = await upload(appA);
    videos.b = await upload(appB);
    for (const id of Object.values(videos))
      assert.equal((await waitForStatus(vod, id, ['Normal', 'TranscodeFail'])).Status, 'Normal');
  });
  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  test('a user limited to vod:GetVideoPlayAuth with VODAppReadOnlyAccess on app A gets PlayAuths for app A only', async () => {
    const key = await makeUser(server.url, {
      userName: 'player-backend',
      policies: [allowAll('vod:GetVideoPlayAuth')],
      appGrants: [[appA, 'VODAppReadOnlyAccess']],
    });
    const vod = popClient(server.url, VOD_VERSION, key);
    const auth = await vod.request<{ PlayAuth: string; VideoMeta: { VideoId: string } }>('GetVideoPlayAuth', {
      VideoId: videos.a1,
    });
    assert.ok(auth.PlayAuth.length > 20);
    assert.equal(auth.VideoMeta.VideoId, videos.a1);
    await expectApiError(
      vod.request('GetVideoPlayAuth', { VideoId: videos.b }),
      'Forbidden.OperateAppResource',
      403,
    );
    await expectApiError(
      vod.request('CreateUploadVideo', { Title: 'x', FileName: 'x.mp4', AppId: appA }),
      'Forbidden',
      403,
    );
    await expectApiError(vod.request('GetPlayInfo', { VideoId: videos.a1 }), 'Forbidden', 403);
    const ram = popClient(server.url, RAM_VERSION, key);
    await expectApiError(ram.request('ListUsers', {}), 'NoPermission', 403);
    await expectApiError(ram.request('CreateUser', { UserName: 'sneaky' }), 'NoPermission', 403);
    await expectApiError(ram.request('CreateAccessKey', {}), 'NoPermission', 403);
    await expectApiError(
      ram.request('AttachPolicyToUser', {
        PolicyType: 'System',
        PolicyName: 'AdministratorAccess',
        UserName: 'player-backend',
      }),
      'NoPermission',
      403,
    );
    // The VOD-namespace AccessKey actions obey the same rules.
    await expectApiError(vod.request('ListAccessKeys', {}), 'NoPermission', 403);
    await expectApiError(vod.request('CreateAccessKey', {}), 'NoPermission', 403);
    await expectApiError(
      popClient(server.url, STS_VERSION, key).request('AssumeRole', {
        RoleArn: `acs:ram::${accountId}:role/x`,
        RoleSessionName: 'xx',
      }),
      'NoPermission',
      403,
    );
  });

  test("an image belongs to its app: a user granted app A cannot read or delete app B's images", async () => {
    const root = popClient(server.url, VOD_VERSION);
    const image = async (appId: string) =>
      (await root.request<{ ImageId: string }>('CreateUploadImage', { ImageType: 'cover', AppId: appId }))
        .ImageId;
    const inA = await image(appA);
    const inB = await image(appB);
    const key = await makeUser(server.url, {
      userName: 'image-reader',
      policies: [allowAll(['vod:GetImageInfo', 'vod:GetImageInfos', 'vod:DeleteImage'])],
      appGrants: [[appA, 'VODAppFullAccess']],
    });
    const vod = popClient(server.url, VOD_VERSION, key);
    await vod.request('GetImageInfo', { ImageId: inA });
    await expectApiError(vod.request('GetImageInfo', { ImageId: inB }), 'Forbidden.OperateAppResource', 403);
    await expectApiError(
      vod.request('GetImageInfos', { ImageIds: `${inA},${inB}` }),
      'Forbidden.OperateAppResource',
      403,
    );
    await expectApiError(
      vod.request('DeleteImage', { DeleteImageType: 'ImageId', ImageIds: inB }),
      'Forbidden.OperateAppResource',
      403,
    );
    await expectApiError(
      vod.request('DeleteImage', {
        DeleteImageType: 'ImageURL',
        ImageURLs: encodeURIComponent(`${server.url}/images/${inB}/image.png`),
      }),
      'Forbidden.OperateAppResource',
      403,
    );
    await root.request('GetImageInfo', { ImageId: inB });
  });

  test('a statement narrowed by a video ARN opens that video and no other', async () => {
    const key = await makeUser(server.url, {
      userName: 'one-video',
      policies: [
        {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'vod:GetVideoPlayAuth',
              Resource: `acs:vod:*:${accountId}:video/${videos.a1}`,
            },
          ],
        },
      ],
      appGrants: [[appA, 'VODAppFullAccess']],
    });
    const vod = popClient(server.url, VOD_VERSION, key);
    await vod.request('GetVideoPlayAuth', { VideoId: videos.a1 });
    await expectApiError(vod.request('GetVideoPlayAuth', { VideoId: videos.a2 }), 'Forbidden', 403);
  });

  test('a Deny on vod:DeleteVideo beats vod:*', async () => {
    const key = await makeUser(server.url, {
      userName: 'no-delete',
      systemPolicies: ['AliyunVODFullAccess'],
      policies: [{ Version: '1', Statement: [{ Effect: 'Deny', Action: 'vod:DeleteVideo', Resource: '*' }] }],
      appGrants: [[undefined, 'VODAppAdministratorAccess']],
    });
    const vod = popClient(server.url, VOD_VERSION, key);
    await vod.request('GetVideoInfo', { VideoId: videos.b });
    await expectApiError(vod.request('DeleteVideo', { VideoIds: videos.b }), 'Forbidden', 403);
    const info = await popClient(server.url, VOD_VERSION).request<{ Video: { Status: string } }>(
      'GetVideoInfo',
      {
        VideoId: videos.b,
      },
    );
    assert.equal(info.Video.Status, 'Normal', 'the video is still there');
  });

  test('an acs:SourceIp condition is honoured', async () => {
    const fromHere = await makeUser(server.url, {
      userName: 'from-loopback',
      policies: [
        allowAll('vod:GetVideoInfo', {
          Condition: { IpAddress: { 'acs:SourceIp': ['127.0.0.0/8', '::1'] } },
        }),
      ],
      appGrants: [[appA, 'VODAppReadOnlyAccess']],
    });
    const fromElsewhere = await makeUser(server.url, {
      userName: 'from-office',
      policies: [
        allowAll('vod:GetVideoInfo', { Condition: { IpAddress: { 'acs:SourceIp': '203.0.113.0/24' } } }),
      ],
      appGrants: [[appA, 'VODAppReadOnlyAccess']],
    });
    await popClient(server.url, VOD_VERSION, fromHere).request('GetVideoInfo', { VideoId: videos.a1 });
    await expectApiError(
      popClient(server.url, VOD_VERSION, fromElsewhere).request('GetVideoInfo', { VideoId: videos.a1 }),
      'Forbidden',
      403,
    );
  });

  test('lists show only the apps a user holds grants on', async () => {
    const key = await makeUser(server.url, {
      userName: 'lister',
      systemPolicies: ['AliyunVODReadOnlyAccess'],
      appGrants: [[appA, 'VODAppReadOnlyAccess']],
    });
    const vod = popClient(server.url, VOD_VERSION, key);
    const list = await vod.request<{ VideoList: { Video: Array<{ VideoId: string }> } }>('GetVideoList', {});
    assert.deepEqual(list.VideoList.Video.map((v) => v.VideoId).sort(), [videos.a1, videos.a2].sort());
    const apps = await vod.request<{ AppInfoList: Array<{ AppId: string }> }>('ListAppInfo', {});
    assert.deepEqual(
      apps.AppInfoList.map((a) => a.AppId),
      [appA],
    );
    const infos = await vod.request<{ NonExistAppIds: string[] }>('GetAppInfos', {
      AppIds: `${appA},${appB}`,
    });
    assert.deepEqual(infos.NonExistAppIds, [appB]);
    await expectApiError(vod.request('CreateAppInfo', { AppName: 'mine' }), 'Forbidden', 403);
    const full = await makeUser(server.url, {
      userName: 'vod-full',
      systemPolicies: ['AliyunVODFullAccess'],
      keepDefaultApp: true,
    });
    await expectApiError(
      popClient(server.url, VOD_VERSION, full).request('CreateAppInfo', { AppName: 'mine' }),
      'Forbidden.OperateApp',
      403,
    );
  });

  test('nobody can disable or delete the root AccessKey', async () => {
    const root = TEST_ROOT_KEY.accessKeyId;
    const rootRam = popClient(server.url, RAM_VERSION);
    await expectApiError(
      rootRam.request('UpdateAccessKey', { UserAccessKeyId: root, Status: 'Inactive' }),
      'InvalidParameter',
      400,
    );
    await expectApiError(
      rootRam.request('DeleteAccessKey', { UserAccessKeyId: root }),
      'InvalidParameter',
      400,
    );
    // A second key of the account (made by root) cannot touch the root key either.
    const { AccessKey } = await rootRam.request<{
      AccessKey: { AccessKeyId: string; AccessKeySecret: string };
    }>('CreateAccessKey', {});
    const second = popClient(server.url, RAM_VERSION, {
      accessKeyId: AccessKey.AccessKeyId,
      accessKeySecret: AccessKey.AccessKeySecret,
    });
    await expectApiError(
      second.request('UpdateAccessKey', { UserAccessKeyId: root, Status: 'Inactive' }),
      'NoPermission',
      403,
    );
    await expectApiError(second.request('DeleteAccessKey', { UserAccessKeyId: root }), 'NoPermission', 403);
    // A RAM administrator does not even see it.
    const admin = await makeUser(server.url, {
      userName: 'ram-admin',
      systemPolicies: ['AdministratorAccess'],
    });
    const adminRam = popClient(server.url, RAM_VERSION, admin);
    await expectApiError(
      adminRam.request('UpdateAccessKey', { UserAccessKeyId: root, Status: 'Inactive' }),
      'EntityNotExist.User.AccessKey',
      404,
    );
    await expectApiError(
      adminRam.request('DeleteAccessKey', { UserAccessKeyId: root, UserName: 'ram-admin' }),
      'EntityNotExist.User.AccessKey',
      404,
    );
    await expectApiError(
      popClient(server.url, VOD_VERSION, admin).request('UpdateAccessKey', {
        UserAccessKeyId: root,
        Status: 'Inactive',
      }),
      'EntityNotExist.User.AccessKey',
      404,
    );
    const keys = await rootRam.request<{
      AccessKeys: { AccessKey: Array<{ AccessKeyId: string; Status: string }> };
    }>('ListAccessKeys', {});
    assert.equal(keys.AccessKeys.AccessKey.find((k) => k.AccessKeyId === root)?.Status, 'Active');
    await popClient(server.url, VOD_VERSION).request('GetVideoInfo', { VideoId: videos.a1 });
  });

  test('every VOD action is authorised: a user without policies is refused each one', async () => {
    const key = await makeUser(server.url, { userName: 'nobody', keepDefaultApp: true });
    const vod = popClient(server.url, VOD_VERSION, key);
    const actionsDir = fileURLToPath(new URL('../../src/actions/', import.meta.url));
    const names = new Set<string>();
    for (const file of await readdir(actionsDir)) {
      const text = await readFile(join(actionsDir, file), 'utf8');
      for (const m of text.matchAll(/^ {4}([A-Z][A-Za-z]+): async/gm)) names.add(m[1]!);
      for (const m of text.matchAll(/^\s+([A-Z][A-Za-z]+): [a-z][A-Za-z]+Handler\(/gm)) names.add(m[1]!);
    }
    for (const name of [
      'GenerateDownloadSecretKey',
      'GenerateKMSDataKey',
      'DecryptKMSDataKey',
      'SubmitTranscodeJobs',
    ]) {
      names.add(name);
    }
    let refused = 0;
    for (const action of names) {
      const error = await vod.request(action, {}).then(
        () => undefined,
        (e: { code: string; entry: { response: { statusCode: number } } }) => e,
      );
      assert.ok(error, `${action} succeeded for a user without policies`);
      if (error.code === 'InvalidApi.NotFound') continue; // a RAM or STS action, not part of VOD
      assert.ok(['Forbidden', 'NoPermission'].includes(error.code), `${action}: ${error.code}`);
      assert.equal(error.entry.response.statusCode, 403, action);
      refused++;
    }
    assert.ok(refused >= 40, `only ${refused} VOD actions were tried`);
  });
});
