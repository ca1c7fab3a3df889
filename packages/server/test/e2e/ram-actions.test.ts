/**
 * The RAM API (2015-05-01) and the VOD app actions through unmodified pop-core: users, AccessKeys
 * per user (at most 2), policies with validation, attachments, roles, apps and app grants, with
 * the reference's error codes and statuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allowAll, popClient, RAM_VERSION, VOD_VERSION } from '../support/access-clients.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createUpload } from '../support/vod-upload.js';
import { expectApiError } from './e2e-helpers.js';

describe('RAM and app actions through pop-core', () => {
  let server: ServerProcess;
  let dataDir: string;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir });
  });
  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  test('users: create, get, list with paging, update, delete only when empty', async () => {
    const ram = popClient(server.url, RAM_VERSION);
    const created = await ram.request<{ User: { UserId: string; UserName: string; CreateDate: string } }>(
      'CreateUser',
      {
        UserName: 'alice',
        DisplayName: 'Alice',
        Comments: 'teacher',
      },
    );
    assert.match(created.User.UserId, /^\d{16}$/);
    assert.match(created.User.CreateDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await expectApiError(ram.request('CreateUser', { UserName: 'alice' }), 'EntityAlreadyExists.User', 409);
    await expectApiError(
      ram.request('CreateUser', { UserName: 'bad name' }),
      'InvalidParameter.UserName.InvalidChars',
      400,
    );
    await expectApiError(
      ram.request('CreateUser', { UserName: 'x'.repeat(65) }),
      'InvalidParameter.UserName.Length',
      400,
    );
    await ram.request('CreateUser', { UserName: 'bob' });
    await ram.request('CreateUser', { UserName: 'carol' });
    const page1 = await ram.request<{
      Users: { User: Array<{ UserName: string }> };
      IsTruncated: boolean;
      Marker: string;
    }>('ListUsers', { MaxItems: 2 });
    assert.deepEqual(
      page1.Users.User.map((u) => u.UserName),
      ['alice', 'bob'],
    );
    assert.equal(page1.IsTruncated, true);
    const page2 = await ram.request<{ Users: { User: Array<{ UserName: string }> }; IsTruncated: boolean }>(
      'ListUsers',
      {
        MaxItems: 2,
        Marker: page1.Marker,
      },
    );
    assert.deepEqual(
      page2.Users.User.map((u) => u.UserName),
      ['carol'],
    );
    assert.equal(page2.IsTruncated, false);
    await ram.request('UpdateUser', { UserName: 'bob', NewComments: 'editor' });
    const bob = await ram.request<{ User: { Comments: string } }>('GetUser', { UserName: 'bob' });
    assert.equal(bob.User.Comments, 'editor');
    await expectApiError(ram.request('GetUser', { UserName: 'nobody' }), 'EntityNotExist.User', 404);

    const { AccessKey } = await ram.request<{ AccessKey: { AccessKeyId: string } }>('CreateAccessKey', {
      UserName: 'carol',
    });
    await ram.request('AttachPolicyToUser', {
      PolicyType: 'System',
      PolicyName: 'AliyunVODReadOnlyAccess',
      UserName: 'carol',
    });
    await expectApiError(
      ram.request('DeleteUser', { UserName: 'carol' }),
      'DeleteConflict.User.AccessKey',
      409,
    );
    await ram.request('DeleteAccessKey', { UserName: 'carol', UserAccessKeyId: AccessKey.AccessKeyId });
    await expectApiError(ram.request('DeleteUser', { UserName: 'carol' }), 'DeleteConflict.User.Policy', 409);
    await ram.request('DetachPolicyFromUser', {
      PolicyType: 'System',
      PolicyName: 'AliyunVODReadOnlyAccess',
      UserName: 'carol',
    });
    await ram.request('DeleteUser', { UserName: 'carol' });
    await expectApiError(ram.request('GetUser', { UserName: 'carol' }), 'EntityNotExist.User', 404);
  });

  test('AccessKeys: at most 2 per user, listed without secrets, disabled and deleted per user', async () => {
    const ram = popClient(server.url, RAM_VERSION);
    await ram.request('CreateUser', { UserName: 'keys' });
    await ram.request('AttachPolicyToUser', {
      PolicyType: 'System',
      PolicyName: 'AliyunVODReadOnlyAccess',
      UserName: 'keys',
    });
    const make = () =>
      ram.request<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string; Status: string } }>(
        'CreateAccessKey',
        {
          UserName: 'keys',
        },
      );
    const first = (await make()).AccessKey;
    const second = (await make()).AccessKey;
    assert.equal(first.Status, 'Active');
    await expectApiError(make(), 'LimitExceeded.User.AccessKey', 409);
    const listed = await ram.request<{
      AccessKeys: { AccessKey: Array<{ AccessKeyId: string; Status: string }> };
    }>('ListAccessKeys', { UserName: 'keys' });
    assert.deepEqual(
      listed.AccessKeys.AccessKey.map((k) => k.AccessKeyId).sort(),
      [first.AccessKeyId, second.AccessKeyId].sort(),
    );
    assert.ok(!JSON.stringify(listed).includes(first.AccessKeySecret));
    const asUser = popClient(server.url, VOD_VERSION, {
      accessKeyId: first.AccessKeyId,
      accessKeySecret: first.AccessKeySecret,
    });
    await asUser.request('GetVideoList', {});
    await ram.request('UpdateAccessKey', {
      UserName: 'keys',
      UserAccessKeyId: first.AccessKeyId,
      Status: 'Inactive',
    });
    await expectApiError(asUser.request('GetVideoList', {}), 'InvalidAccessKeyId.Inactive', 403);
    await expectApiError(
      ram.request('UpdateAccessKey', {
        UserName: 'alice',
        UserAccessKeyId: first.AccessKeyId,
        Status: 'Active',
      }),
      'EntityNotExist.User.AccessKey',
      404,
    );
    await ram.request('DeleteAccessKey', { UserName: 'keys', UserAccessKeyId: first.AccessKeyId });
    await expectApiError(asUser.request('GetVideoList', {}), 'InvalidAccessKeyId.NotFound', 404);
    await make();
  });

  test('policies: validated documents with named problems, system policies read-only, attach limits and conflicts', async () => {
    const ram = popClient(server.url, RAM_VERSION);
    const doc = JSON.stringify(allowAll('vod:Get*'));
    const created = await ram.request<{
      Policy: { PolicyName: string; PolicyType: string; DefaultVersion: string };
    }>('CreatePolicy', { PolicyName: 'read-videos', PolicyDocument: doc, Description: 'reads' });
    assert.deepEqual([created.Policy.PolicyType, created.Policy.DefaultVersion], ['Custom', 'v1']);
    await expectApiError(
      ram.request('CreatePolicy', { PolicyName: 'read-videos', PolicyDocument: doc }),
      'EntityAlreadyExists.Policy',
      409,
    );
    await expectApiError(
      ram.request('CreatePolicy', {
        PolicyName: 'broken',
        PolicyDocument: JSON.stringify({
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'vod:*',
              Resource: '*',
              Condition: { IpAddress: { 'acs:SourceIp': 'nope' } },
            },
          ],
        }),
      }),
      'MalformedPolicyDocument',
      400,
      /Statement\[0\]\.Condition\.IpAddress\.acs:SourceIp: "nope" is not an IP address/,
    );
    await expectApiError(
      ram.request('CreatePolicy', { PolicyName: 'x', PolicyDocument: '{' }),
      'MalformedPolicyDocument',
      400,
    );
    await expectApiError(
      ram.request(
        'CreatePolicy',
        { PolicyName: 'big', PolicyDocument: ' '.repeat(6145) },
        { method: 'POST' },
      ),
      'InvalidParameter.PolicyDocument.Length',
      400,
    );
    await expectApiError(
      ram.request('CreatePolicy', { PolicyName: 'bad_name', PolicyDocument: doc }),
      'InvalidParameter.PolicyName',
      400,
    );
    const got = await ram.request<{ DefaultPolicyVersion: { PolicyDocument: string } }>('GetPolicy', {
      PolicyType: 'Custom',
      PolicyName: 'read-videos',
    });
    assert.equal(got.DefaultPolicyVersion.PolicyDocument, doc);
    const system = await ram.request<{ DefaultPolicyVersion: { PolicyDocument: string } }>('GetPolicy', {
      PolicyType: 'System',
      PolicyName: 'AliyunVODFullAccess',
    });
    assert.match(system.DefaultPolicyVersion.PolicyDocument, /"vod:\*"/);
    const list = await ram.request<{
      Policies: { Policy: Array<{ PolicyName: string; PolicyType: string }> };
    }>('ListPolicies', {});
    for (const name of ['AliyunVODFullAccess', 'AliyunVODReadOnlyAccess', 'read-videos']) {
      assert.ok(
        list.Policies.Policy.some((p) => p.PolicyName === name),
        name,
      );
    }
    await expectApiError(
      ram.request('DeletePolicy', { PolicyName: 'AliyunVODFullAccess' }),
      'NoPermission.SystemPolicy',
      403,
    );

    await ram.request('CreateUser', { UserName: 'pol' });
    await ram.request('AttachPolicyToUser', {
      PolicyType: 'Custom',
      PolicyName: 'read-videos',
      UserName: 'pol',
    });
    await expectApiError(
      ram.request('AttachPolicyToUser', { PolicyType: 'Custom', PolicyName: 'read-videos', UserName: 'pol' }),
      'EntityAlreadyExists.User.Policy',
      409,
    );
    await expectApiError(
      ram.request('AttachPolicyToUser', { PolicyType: 'Custom', PolicyName: 'missing', UserName: 'pol' }),
      'EntityNotExist.Policy',
      404,
    );
    await expectApiError(
      ram.request('AttachPolicyToUser', { PolicyType: 'Other', PolicyName: 'read-videos', UserName: 'pol' }),
      'InvalidParameter.PolicyType',
      400,
    );
    const forUser = await ram.request<{ Policies: { Policy: Array<{ PolicyName: string }> } }>(
      'ListPoliciesForUser',
      { UserName: 'pol' },
    );
    assert.deepEqual(
      forUser.Policies.Policy.map((p) => p.PolicyName),
      ['read-videos'],
    );
    await expectApiError(
      ram.request('DeletePolicy', { PolicyName: 'read-videos' }),
      'DeleteConflict.Policy.User',
      409,
    );
    await ram.request('DetachPolicyFromUser', {
      PolicyType: 'Custom',
      PolicyName: 'read-videos',
      UserName: 'pol',
    });
    await ram.request('DeletePolicy', { PolicyName: 'read-videos' });
    await expectApiError(
      ram.request('GetPolicy', { PolicyType: 'Custom', PolicyName: 'read-videos' }),
      'EntityNotExist.Policy',
      404,
    );
  });

  test('roles: trust policy validated, names unique ignoring case', async () => {
    const ram = popClient(server.url, RAM_VERSION);
    const trust = JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: 'acs:ram::1:root' } }],
    });
    const role = await ram.request<{ Role: { Arn: string; MaxSessionDuration: number } }>('CreateRole', {
      RoleName: 'Editor',
      AssumeRolePolicyDocument: trust,
      MaxSessionDuration: 7200,
    });
    assert.match(role.Role.Arn, /^acs:ram::\d{16}:role\/editor$/);
    assert.equal(role.Role.MaxSessionDuration, 7200);
    await expectApiError(
      ram.request('CreateRole', { RoleName: 'EDITOR', AssumeRolePolicyDocument: trust }),
      'EntityAlreadyExists.Role',
      409,
    );
    await expectApiError(
      ram.request('CreateRole', {
        RoleName: 'r2',
        AssumeRolePolicyDocument: JSON.stringify(allowAll('sts:AssumeRole')),
      }),
      'MalformedPolicyDocument',
      400,
      /Principal/,
    );
    await ram.request('AttachPolicyToRole', {
      PolicyType: 'System',
      PolicyName: 'AliyunVODFullAccess',
      RoleName: 'editor',
    });
    const listed = await ram.request<{ Policies: { Policy: Array<{ PolicyName: string }> } }>(
      'ListPoliciesForRole',
      { RoleName: 'editor' },
    );
    assert.deepEqual(
      listed.Policies.Policy.map((p) => p.PolicyName),
      ['AliyunVODFullAccess'],
    );
    await expectApiError(
      ram.request('DeleteRole', { RoleName: 'editor' }),
      'DeleteConflict.Role.Policy',
      409,
    );
    await ram.request('DetachPolicyFromRole', {
      PolicyType: 'System',
      PolicyName: 'AliyunVODFullAccess',
      RoleName: 'editor',
    });
    const roles = await ram.request<{ Roles: { Role: Array<{ RoleName: string }> } }>('ListRoles', {});
    assert.deepEqual(
      roles.Roles.Role.map((r) => r.RoleName),
      ['Editor'],
    );
    await ram.request('DeleteRole', { RoleName: 'editor' });
    await expectApiError(ram.request('GetRole', { RoleName: 'editor' }), 'EntityNotExist.Role', 404);
  });

  test('apps: create (at most 10), update, grants per identity, delete only when empty', async () => {
    const vod = popClient(server.url, VOD_VERSION);
    const ram = popClient(server.url, RAM_VERSION);
    const { AppId } = await vod.request<{ AppId: string }>('CreateAppInfo', {
      AppName: 'courses',
      Description: 'Courses',
    });
    assert.match(AppId, /^app-\d{7}$/);
    await expectApiError(vod.request('CreateAppInfo', { AppName: 'courses' }), 'AlreadyExist.AppName', 409);
    await vod.request('UpdateAppInfo', { AppId, Description: 'All courses' });
    const infos = await vod.request<{
      AppInfoList: Array<{ AppId: string; Description: string; Type: string }>;
      NonExistAppIds: string[];
    }>('GetAppInfos', { AppIds: `${AppId},app-1000000,app-9` });
    assert.deepEqual(
      infos.AppInfoList.map((a) => [a.AppId, a.Type]),
      [
        [AppId, 'Custom'],
        ['app-1000000', 'System'],
      ],
    );
    assert.equal(infos.AppInfoList[0]?.Description, 'All courses');
    assert.deepEqual(infos.NonExistAppIds, ['app-9']);
    await expectApiError(vod.request('DeleteAppInfo', { AppId: 'app-1000000' }), 'Forbidden.OperateApp', 403);
    await expectApiError(
      vod.request('CreateUploadVideo', { Title: 't', FileName: 't.mp4', AppId: 'app-0000000' }),
      'InvalidAppId.NotFound',
      404,
    );

    const { User } = await ram.request<{ User: { UserId: string } }>('CreateUser', { UserName: 'granted' });
    const identity = { IdentityType: 'RamUser', IdentityName: User.UserId };
    const attached = await vod.request<{ NonExistPolicyNames: string[] }>('AttachAppPolicyToIdentity', {
      ...identity,
      AppId,
      PolicyNames: 'VODAppReadOnlyAccess,NoSuchPolicy',
    });
    assert.deepEqual(attached.NonExistPolicyNames, ['NoSuchPolicy']);
    const policies = await vod.request<{ AppPolicyList: Array<{ AppId: string; PolicyName: string }> }>(
      'ListAppPoliciesForIdentity',
      identity,
    );
    assert.deepEqual(
      policies.AppPolicyList.map((p) => [p.AppId, p.PolicyName]).sort(),
      [
        [AppId, 'VODAppReadOnlyAccess'],
        ['app-1000000', 'VODAppFullAccess'],
      ].sort(),
    );
    await vod.request('DetachAppPolicyFromIdentity', {
      ...identity,
      AppId,
      PolicyNames: 'VODAppReadOnlyAccess',
    });

    await createUpload(vod, { Title: 't', FileName: 't.mp4', AppId });
    await expectApiError(vod.request('DeleteAppInfo', { AppId }), 'Forbidden.ResourceNotEmpty', 403);
    const { AppId: empty } = await vod.request<{ AppId: string }>('CreateAppInfo', { AppName: 'empty' });
    await vod.request('DeleteAppInfo', { AppId: empty });
    const all = await vod.request<{ AppInfoList: Array<{ AppId: string }>; Total: number }>(
      'ListAppInfo',
      {},
    );
    assert.ok(!all.AppInfoList.some((a) => a.AppId === empty));
    for (let i = all.Total; i < 10; i++) await vod.request('CreateAppInfo', { AppName: `filler-${i}` });
    await expectApiError(
      vod.request('CreateAppInfo', { AppName: 'eleventh' }),
      'LimitExceeded.AppCount',
      400,
    );
  });
});
