/**
 * STS through unmodified pop-core (apiVersion 2015-04-01, and `securityToken` on the VOD client):
 * AssumeRole with a session policy narrower than the role, expiry after DurationSeconds (the
 * server is started with SECUREVOD_STS_MIN_DURATION_SECONDS=2 so the test can wait it out),
 * altered and missing tokens, trust policies, and the AssumeRole parameter checks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  allowAll,
  makeUser,
  popClient,
  RAM_VERSION,
  STS_VERSION,
  VOD_VERSION,
  type Credentials,
} from '../support/access-clients.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createUpload } from '../support/vod-upload.js';
import { expectApiError } from './e2e-helpers.js';

interface AssumeRoleResponse {
  Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
  AssumedRoleUser: { Arn: string; AssumedRoleId: string };
}

describe('STS through pop-core', () => {
  let server: ServerProcess;
  let dataDir: string;
  let accountId: string;
  let videoId: string;
  let caller: Credentials;
  const roleArn = () => `acs:ram::${accountId}:role/uploader`;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir, env: { SECUREVOD_STS_MIN_DURATION_SECONDS: '2' } });
    accountId = (
      await popClient(server.url, STS_VERSION).request<{ AccountId: string }>('GetCallerIdentity', {})
    ).AccountId;
    const ram = popClient(server.url, RAM_VERSION);
    await ram.request('CreateRole', {
      RoleName: 'Uploader',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${accountId}:root`] } },
        ],
      }),
    });
    await ram.request('AttachPolicyToRole', {
      PolicyType: 'System',
      PolicyName: 'AliyunVODFullAccess',
      RoleName: 'uploader',
    });
    videoId = (await createUpload(popClient(server.url, VOD_VERSION), { Title: 'v', FileName: 'v.mp4' }))
      .videoId;
    caller = await makeUser(server.url, {
      userName: 'app-server',
      systemPolicies: ['AliyunSTSAssumeRoleAccess'],
    });
  });
  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  const assume = (params: Record<string, string>, key: Credentials = caller) =>
    popClient(server.url, STS_VERSION, key).request<AssumeRoleResponse>('AssumeRole', {
      RoleArn: roleArn(),
      RoleSessionName: 'viewer-42',
      ...params,
    });
  const vodWith = (c: AssumeRoleResponse['Credentials']) =>
    popClient(server.url, VOD_VERSION, {
      accessKeyId: c.AccessKeyId,
      accessKeySecret: c.AccessKeySecret,
      securityToken: c.SecurityToken,
    });

  test('a session policy narrower than the role leaves only the intersection, until DurationSeconds', async () => {
    const started = Date.now();
    const res = await assume({
      DurationSeconds: '3',
      Policy: JSON.stringify(allowAll(['vod:GetVideoInfo', 'vod:GetVideoPlayAuth', 'ram:ListUsers'])),
    });
    assert.match(res.Credentials.AccessKeyId, /^STS\./);
    assert.match(res.Credentials.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(res.AssumedRoleUser.Arn, `acs:ram::${accountId}:role/uploader/viewer-42`);
    const vod = vodWith(res.Credentials);
    const info = await vod.request<{ Video: { VideoId: string } }>('GetVideoInfo', { VideoId: videoId });
    assert.equal(info.Video.VideoId, videoId);
    // In the role, not in the session policy:
    await expectApiError(vod.request('DeleteVideo', { VideoIds: videoId }), 'Forbidden', 403);
    await expectApiError(
      vod.request('CreateUploadVideo', { Title: 't', FileName: 't.mp4' }),
      'Forbidden',
      403,
    );
    // In the session policy, not in the role:
    await expectApiError(
      popClient(server.url, RAM_VERSION, {
        accessKeyId: res.Credentials.AccessKeyId,
        accessKeySecret: res.Credentials.AccessKeySecret,
        securityToken: res.Credentials.SecurityToken,
      }).request('ListUsers', {}),
      'NoPermission',
      403,
    );
    const identity = await popClient(server.url, STS_VERSION, {
      accessKeyId: res.Credentials.AccessKeyId,
      accessKeySecret: res.Credentials.AccessKeySecret,
      securityToken: res.Credentials.SecurityToken,
    }).request<{ IdentityType: string; Arn: string }>('GetCallerIdentity', {});
    assert.equal(identity.IdentityType, 'AssumedRoleUser');
    assert.equal(identity.Arn, `acs:ram::${accountId}:assumed-role/uploader/viewer-42`);

    await new Promise((r) => setTimeout(r, Math.max(0, started + 3500 - Date.now())));
    await expectApiError(
      vod.request('GetVideoInfo', { VideoId: videoId }),
      'InvalidSecurityToken.Expired',
      400,
    );
  });

  test('without a session policy the credentials carry the role; altered or missing tokens are refused', async () => {
    const res = await assume({ DurationSeconds: '900' });
    const vod = vodWith(res.Credentials);
    await vod.request('GetVideoInfo', { VideoId: videoId });
    await vod.request('CreateUploadVideo', { Title: 't', FileName: 't.mp4' });

    const token = res.Credentials.SecurityToken;
    const i = Math.floor(token.length / 2);
    const altered = `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
    await expectApiError(
      vodWith({ ...res.Credentials, SecurityToken: altered }).request('GetVideoInfo', { VideoId: videoId }),
      'InvalidSecurityToken.Malformed',
      400,
    );
    const other = await assume({});
    await expectApiError(
      vodWith({ ...res.Credentials, SecurityToken: other.Credentials.SecurityToken }).request(
        'GetVideoInfo',
        {
          VideoId: videoId,
        },
      ),
      'InvalidSecurityToken.MismatchWithAccessKey',
      400,
    );
    const { SecurityToken: _t, ...bare } = res.Credentials;
    await expectApiError(
      popClient(server.url, VOD_VERSION, {
        accessKeyId: bare.AccessKeyId,
        accessKeySecret: bare.AccessKeySecret,
      }).request('GetVideoInfo', { VideoId: videoId }),
      'MissingSecurityToken',
      400,
    );
    // A token does not ride along on a long-term key.
    await expectApiError(
      popClient(server.url, VOD_VERSION, { ...caller, securityToken: token }).request('GetVideoInfo', {
        VideoId: videoId,
      }),
      'InvalidSecurityToken.MismatchWithAccessKey',
      400,
    );
  });

  test('detaching the role policy takes effect on live credentials', async () => {
    const ram = popClient(server.url, RAM_VERSION);
    await ram.request('CreateRole', {
      RoleName: 'short-lived',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { RAM: `acs:ram::${accountId}:user/app-server` },
          },
        ],
      }),
    });
    await ram.request('AttachPolicyToRole', {
      PolicyType: 'System',
      PolicyName: 'AliyunVODReadOnlyAccess',
      RoleName: 'short-lived',
    });
    const res = await popClient(server.url, STS_VERSION, caller).request<AssumeRoleResponse>('AssumeRole', {
      RoleArn: `acs:ram::${accountId}:role/short-lived`,
      RoleSessionName: 'x1',
    });
    const vod = vodWith(res.Credentials);
    await vod.request('GetVideoInfo', { VideoId: videoId });
    await ram.request('DetachPolicyFromRole', {
      PolicyType: 'System',
      PolicyName: 'AliyunVODReadOnlyAccess',
      RoleName: 'short-lived',
    });
    await expectApiError(vod.request('GetVideoInfo', { VideoId: videoId }), 'Forbidden', 403);
  });

  test('AssumeRole checks its caller, the trust policy and every parameter', async () => {
    await expectApiError(
      popClient(server.url, STS_VERSION).request('AssumeRole', {
        RoleArn: roleArn(),
        RoleSessionName: 'root',
      }),
      'NoPermission',
      403,
      /root accounts/,
    );
    const stranger = await makeUser(server.url, { userName: 'no-sts' });
    await expectApiError(assume({}, stranger), 'NoPermission', 403);
    const notTrusted = await makeUser(server.url, {
      userName: 'untrusted',
      systemPolicies: ['AliyunSTSAssumeRoleAccess'],
    });
    await expectApiError(
      popClient(server.url, STS_VERSION, notTrusted).request('AssumeRole', {
        RoleArn: `acs:ram::${accountId}:role/short-lived`,
        RoleSessionName: 'x1',
      }),
      'NoPermission',
      403,
    );
    await expectApiError(assume({ RoleArn: 'arn:aws:iam::1:role/x' }), 'InvalidParameter.RoleArn', 400);
    await expectApiError(
      assume({ RoleArn: `acs:ram::${accountId}:role/missing` }),
      'EntityNotExist.Role',
      404,
    );
    await expectApiError(assume({ RoleSessionName: 'x' }), 'InvalidParameter.RoleSessionName', 400);
    await expectApiError(assume({ DurationSeconds: '1' }), 'InvalidParameter.DurationSeconds', 400);
    await expectApiError(assume({ DurationSeconds: '3601' }), 'InvalidParameter.DurationSeconds', 400);
    await expectApiError(
      assume({ Policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'vod:*' }] }) }),
      'InvalidParameter.PolicyGrammar',
      400,
      /Statement\[0\] needs exactly one of Resource and NotResource/,
    );
    await expectApiError(
      assume({ Policy: JSON.stringify(allowAll(Array.from({ length: 200 }, (_, i) => `vod:Action${i}`))) }),
      'InvalidParameter.PolicySize',
      400,
    );
  });
});
