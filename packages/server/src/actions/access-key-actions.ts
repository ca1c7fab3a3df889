/**
 * AccessKey management (our extension, for operators and the console): ListAccessKeys,
 * CreateAccessKey (the secret is shown once, in the response), UpdateAccessKey (UserAccessKeyId,
 * Status Active/Inactive — RAM's parameter names).
 */
import { generateAccessKeyPair, type AccessKeyService } from '../auth/access-key-service.js';
import { ApiError, apiErrors } from '../errors/api-error.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';
import type { AccessKeyStore } from '../store/access-key-store.js';

export function accessKeyActions(deps: {
  accessKeys: AccessKeyService;
  store: AccessKeyStore;
}): Record<string, ActionHandler> {
  return {
    ListAccessKeys: async () => {
      const keys = await deps.store.list();
      return {
        AccessKeys: {
          AccessKey: keys.map((k) => ({
            AccessKeyId: k.accessKeyId,
            Status: k.status,
            IsRoot: k.isRoot,
            Description: k.description ?? '',
            CreateTime: k.createdAt.replace(/\.\d{3}Z$/, 'Z'),
          })),
        },
      };
    },

    CreateAccessKey: async ({ params }) => {
      const description = params.optional('Description');
      if (description !== undefined && description.length > 128) {
        throw apiErrors.invalidParameter('Description', 'It must be at most 128 characters.');
      }
      const pair = generateAccessKeyPair();
      await deps.accessKeys.create(pair, { isRoot: false, description });
      return {
        AccessKey: { AccessKeyId: pair.accessKeyId, AccessKeySecret: pair.accessKeySecret, Status: 'Active' },
      };
    },

    UpdateAccessKey: async ({ params, caller }) => {
      // RAM's name: `AccessKeyId` is the common (signing) parameter.
      const id = params.required('UserAccessKeyId');
      const status = params.oneOf('Status', ['Active', 'Inactive'] as const);
      if (status === undefined) throw apiErrors.missingParameter('Status');
      if (id === caller.accessKeyId && status === 'Inactive') {
        throw apiErrors.invalidParameter(
          'UserAccessKeyId',
          'You cannot disable the AccessKey this request is signed with.',
        );
      }
      if (!(await deps.store.find(id))) {
        throw new ApiError('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.');
      }
      await deps.store.setStatus(id, status);
      return {};
    },
  };
}
