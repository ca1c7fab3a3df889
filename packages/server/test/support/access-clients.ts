/**
 * pop-core clients for the RAM (2015-05-01) and STS (2015-04-01) APIs on the same endpoint as
 * VOD, and helpers to make a RAM user with policies and an AccessKey, as an operator would.
 */
import RPCClient from '@alicloud/pop-core';
import { TEST_ROOT_KEY } from './server-process.js';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export const VOD_VERSION = '2017-03-21';
export const RAM_VERSION = '2015-05-01';
export const STS_VERSION = '2015-04-01';

export function popClient(endpoint: string, apiVersion: string, key: Credentials = TEST_ROOT_KEY): RPCClient {
  return new RPCClient({
    endpoint,
    apiVersion,
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    ...(key.securityToken !== undefined ? { securityToken: key.securityToken } : {}),
  });
}

export interface UserSetup {
  userName: string;
  /** Custom policy documents to create and attach (named `<user>-<i>`). */
  policies?: object[];
  systemPolicies?: string[];
  /** App grants: `[AppId or undefined for the administrator policy, PolicyName]`. */
  appGrants?: Array<[string | undefined, string]>;
  /** Keep the default VODAppFullAccess on app-1000000 (default: drop it). */
  keepDefaultApp?: boolean;
}

/** Creates a RAM user with the given rights through the root's RAM and VOD clients; returns its key. */
export async function makeUser(
  endpoint: string,
  setup: UserSetup,
): Promise<Credentials & { userId: string }> {
  const ram = popClient(endpoint, RAM_VERSION);
  const vod = popClient(endpoint, VOD_VERSION);
  const { User } = await ram.request<{ User: { UserId: string } }>('CreateUser', {
    UserName: setup.userName,
  });
  for (const [i, document] of (setup.policies ?? []).entries()) {
    const name = `${setup.userName}-${i}`;
    await ram.request('CreatePolicy', { PolicyName: name, PolicyDocument: JSON.stringify(document) });
    await ram.request('AttachPolicyToUser', {
      PolicyType: 'Custom',
      PolicyName: name,
      UserName: setup.userName,
    });
  }
  for (const name of setup.systemPolicies ?? []) {
    await ram.request('AttachPolicyToUser', {
      PolicyType: 'System',
      PolicyName: name,
      UserName: setup.userName,
    });
  }
  const identity = { IdentityType: 'RamUser', IdentityName: User.UserId };
  if (!setup.keepDefaultApp) {
    await vod.request('DetachAppPolicyFromIdentity', {
      ...identity,
      AppId: 'app-1000000',
      PolicyNames: 'VODAppFullAccess',
    });
  }
  for (const [appId, policy] of setup.appGrants ?? []) {
    await vod.request('AttachAppPolicyToIdentity', {
      ...identity,
      ...(appId !== undefined ? { AppId: appId } : {}),
      PolicyNames: policy,
    });
  }
  const { AccessKey } = await ram.request<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>(
    'CreateAccessKey',
    { UserName: setup.userName },
  );
  return {
    accessKeyId: AccessKey.AccessKeyId,
    accessKeySecret: AccessKey.AccessKeySecret,
    userId: User.UserId,
  };
}

export const allowAll = (actions: string | string[], extra: object = {}) => ({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: '*', ...extra }],
});
