/**
 * AccessKeys (RAM 2015-05-01, ram-sts.md §4): CreateAccessKey, ListAccessKeys, UpdateAccessKey,
 * DeleteAccessKey. The same handlers answer the VOD-namespace names of these actions (kept as
 * aliases, checked as `ram:<Action>`; docs/api.md).
 *
 * Whose keys: `UserName` names a RAM user; without it, the caller's own — a RAM user's keys, or
 * for the account (root) the account's keys. At most 2 keys per user and 5 for the account. The
 * account's root key (made at first start) can be neither disabled nor deleted through the API,
 * and nobody can disable or delete the key that signs the request.
 */
import type { AccessControl } from '../access/access-control.js';
import type { Principal } from '../access/principal.js';
import { generateAccessKeyPair, type AccessKeyService } from '../auth/access-key-service.js';
import { accessErrors } from '../errors/access-errors.js';
import { apiErrors } from '../errors/api-error.js';
import type { ActionHandler, RpcRequest } from '../rpc/rpc-types.js';
import type { AccessKeyRecord, AccessKeyStore } from '../store/access-key-store.js';
import type { RamUserStore } from '../store/ram-user-store.js';
import { StoreError } from '../store/store-error.js';
import { wireTime } from './ram-wire.js';
import { mustFindUser, userName } from './ram-user-actions.js';

export const MAX_KEYS_PER_USER = 2;
export const MAX_KEYS_PER_ACCOUNT = 5;

export interface AccessKeyActionDeps {
  accessKeys: AccessKeyService;
  store: AccessKeyStore;
  users: RamUserStore;
  access: AccessControl;
}

export function accessKeyActions(deps: AccessKeyActionDeps): Record<string, ActionHandler> {
  /** The owner the request is about: a RAM user's id, or null for the account. */
  const ownerOf = async (request: RpcRequest): Promise<{ userId: string | null; principal: Principal }> => {
    const principal = await deps.access.principal(request);
    if (request.params.has('UserName')) {
      return { userId: (await mustFindUser(deps.users, userName(request.params))).userId, principal };
    }
    if (principal.kind === 'user') return { userId: principal.userId, principal };
    if (principal.kind === 'root') return { userId: null, principal };
    throw apiErrors.missingParameter('UserName');
  };

  /** The key named by UserAccessKeyId, which must belong to the owner. */
  const ownedKey = async (request: RpcRequest) => {
    const id = request.params.required('UserAccessKeyId');
    const { userId, principal } = await ownerOf(request);
    const key = await deps.store.find(id);
    if (!key || key.userId !== userId) throw accessErrors.userKeyNotFound();
    if (key.accessKeyId === principal.accessKeyId) {
      throw apiErrors.invalidParameter(
        'UserAccessKeyId',
        'You cannot disable or delete the AccessKey this request is signed with.',
      );
    }
    if (key.isRoot) throw accessErrors.rootProtected();
    return key;
  };

  return {
    CreateAccessKey: async (request) => {
      const description = request.params.optional('Description');
      if (description !== undefined && description.length > 128) {
        throw apiErrors.invalidParameter('Description', 'It must be at most 128 characters.');
      }
      const { userId } = await ownerOf(request);
      const pair = generateAccessKeyPair();
      try {
        await deps.accessKeys.create(pair, {
          isRoot: false,
          description,
          userId,
          maxPerOwner: userId === null ? MAX_KEYS_PER_ACCOUNT : MAX_KEYS_PER_USER,
        });
      } catch (error) {
        if (error instanceof StoreError && error.code === 'LimitExceeded') throw accessErrors.userKeyLimit();
        throw error;
      }
      const created = (await deps.store.find(pair.accessKeyId))!;
      return {
        AccessKey: {
          AccessKeyId: pair.accessKeyId,
          AccessKeySecret: pair.accessKeySecret,
          Status: 'Active',
          CreateDate: wireTime(created.createdAt),
        },
      };
    },

    ListAccessKeys: async (request) => {
      const { userId } = await ownerOf(request);
      const keys = await deps.store.listForOwner(userId);
      return { AccessKeys: { AccessKey: keys.map(keyToWire) } };
    },

    UpdateAccessKey: async (request) => {
      const status = request.params.oneOf('Status', ['Active', 'Inactive'] as const);
      if (status === undefined) throw apiErrors.missingParameter('Status');
      const key = await ownedKey(request);
      await deps.store.setStatus(key.accessKeyId, status);
      return {};
    },

    DeleteAccessKey: async (request) => {
      const key = await ownedKey(request);
      await deps.store.delete(key.accessKeyId);
      deps.accessKeys.forget(key.accessKeyId);
      return {};
    },
  };
}

/** RAM's fields plus our extensions `IsRoot` and `Description`; never the secret. */
function keyToWire(key: AccessKeyRecord): Record<string, unknown> {
  return {
    AccessKeyId: key.accessKeyId,
    Status: key.status,
    CreateDate: wireTime(key.createdAt),
    IsRoot: key.isRoot,
    Description: key.description ?? '',
  };
}
