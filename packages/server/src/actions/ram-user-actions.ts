/**
 * RAM users (2015-05-01, ram-sts.md §4): CreateUser, GetUser, UpdateUser, ListUsers, DeleteUser.
 * A new user holds VODAppFullAccess on the default app, as the vendor's users do (§2.3);
 * DetachAppPolicyFromIdentity takes it away.
 */
import { randomDigits } from '../access/account-id.js';
import { DEFAULT_APP_ID } from '../catalogue/template-group-service.js';
import { accessErrors } from '../errors/access-errors.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import type { ActionHandler } from '../rpc/rpc-types.js';
import type { AccessKeyStore } from '../store/access-key-store.js';
import type { RamPolicyStore } from '../store/ram-policy-store.js';
import type { RamUserRecord, RamUserStore } from '../store/ram-user-store.js';
import { StoreError } from '../store/store-error.js';
import type { VodAppStore } from '../store/vod-app-store.js';
import { optionalText, wireTime } from './ram-wire.js';

export interface RamUserDeps {
  users: RamUserStore;
  keys: AccessKeyStore;
  policies: RamPolicyStore;
  apps: VodAppStore;
}

export function userName(params: RpcParams, name = 'UserName'): string {
  const value = params.optional(name);
  if (value === undefined) throw accessErrors.userNameLength();
  if ([...value].length > 64) throw accessErrors.userNameLength();
  if (!/^[A-Za-z0-9._-]+$/.test(value)) throw accessErrors.userNameInvalidChars();
  return value;
}

export async function mustFindUser(users: RamUserStore, name: string): Promise<RamUserRecord> {
  const user = await users.findByName(name);
  if (!user) throw accessErrors.userNotFound();
  return user;
}

export function userToWire(user: RamUserRecord): Record<string, unknown> {
  return {
    UserId: user.userId,
    UserName: user.userName,
    DisplayName: user.displayName ?? '',
    MobilePhone: user.mobilePhone ?? '',
    Email: user.email ?? '',
    Comments: user.comments ?? '',
    CreateDate: wireTime(user.createDate),
    UpdateDate: wireTime(user.updateDate),
  };
}

export function ramUserActions(deps: RamUserDeps): Record<string, ActionHandler> {
  const { users } = deps;
  return {
    CreateUser: async ({ params }) => {
      const name = userName(params);
      const fields = {
        displayName: optionalText(params, 'DisplayName', 128) ?? null,
        email: optionalText(params, 'Email', 128) ?? null,
        mobilePhone: optionalText(params, 'MobilePhone', 32) ?? null,
        comments: optionalText(params, 'Comments', 128) ?? null,
      };
      let user: RamUserRecord;
      try {
        user = await users.insert({ userId: randomDigits(16), userName: name, ...fields });
      } catch (error) {
        if (error instanceof StoreError && error.code === 'AlreadyExists') throw accessErrors.userExists();
        throw error;
      }
      await deps.apps.grant(
        { identityType: 'RamUser', identityId: user.userId },
        DEFAULT_APP_ID,
        'VODAppFullAccess',
      );
      const { UpdateDate: _u, ...wire } = userToWire(user);
      return { User: wire };
    },

    GetUser: async ({ params }) => ({ User: userToWire(await mustFindUser(users, userName(params))) }),

    UpdateUser: async ({ params }) => {
      const user = await mustFindUser(users, userName(params));
      await users.update(user.userId, {
        ...maybe('displayName', optionalText(params, 'NewDisplayName', 128)),
        ...maybe('email', optionalText(params, 'NewEmail', 128)),
        ...maybe('mobilePhone', optionalText(params, 'NewMobilePhone', 32)),
        ...maybe('comments', optionalText(params, 'NewComments', 128)),
      });
      return { User: userToWire((await users.findById(user.userId))!) };
    },

    ListUsers: async ({ params }) => {
      const limit = params.integer('MaxItems', { min: 1, max: 1000, fallback: 100 })!;
      const marker = params.optional('Marker');
      const after = marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8');
      const page = await users.list({ ...(after !== undefined ? { after } : {}), limit: limit + 1 });
      const truncated = page.length > limit;
      const shown = page.slice(0, limit);
      return {
        Users: { User: shown.map(userToWire) },
        IsTruncated: truncated,
        ...(truncated ? { Marker: Buffer.from(shown.at(-1)!.userName).toString('base64url') } : {}),
      };
    },

    DeleteUser: async ({ params }) => {
      const user = await mustFindUser(users, userName(params));
      if ((await deps.keys.listForOwner(user.userId)).length > 0) throw accessErrors.deleteConflictUserKey();
      const principal = { principalType: 'User' as const, principalId: user.userId };
      if ((await deps.policies.attachmentsOf(principal)).length > 0)
        throw accessErrors.deleteConflictUserPolicy();
      await deps.apps.revokeAll({ identityType: 'RamUser', identityId: user.userId });
      await users.delete(user.userId);
      return {};
    },
  };
}

function maybe<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
