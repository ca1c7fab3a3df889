/**
 * RAM roles (2015-05-01, ram-sts.md §3): CreateRole, GetRole, ListRoles, DeleteRole. A role's
 * AssumeRolePolicyDocument (trust policy) names who may assume it; its MaxSessionDuration caps
 * AssumeRole's DurationSeconds. A new role holds VODAppFullAccess on the default app (§2.3).
 */
import { randomDigits } from '../access/account-id.js';
import { parsePolicyDocument, PolicyGrammarError } from '../access/policy-document.js';
import { roleArn } from '../access/principal.js';
import { DEFAULT_APP_ID } from '../catalogue/template-group-service.js';
import { accessErrors } from '../errors/access-errors.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import type { ActionHandler } from '../rpc/rpc-types.js';
import type { RamPolicyStore } from '../store/ram-policy-store.js';
import type { RamRoleRecord, RamRoleStore } from '../store/ram-role-store.js';
import { StoreError } from '../store/store-error.js';
import type { VodAppStore } from '../store/vod-app-store.js';
import { MAX_POLICY_DOCUMENT, optionalText, wireTime } from './ram-wire.js';

export interface RamRoleDeps {
  roles: RamRoleStore;
  policies: RamPolicyStore;
  apps: VodAppStore;
  accountId: string;
}

export function roleName(params: RpcParams): string {
  const name = params.required('RoleName');
  if (name.length > 64 || !/^[A-Za-z0-9.-]+$/.test(name)) throw accessErrors.roleNameInvalid();
  return name;
}

export async function mustFindRole(roles: RamRoleStore, name: string): Promise<RamRoleRecord> {
  const role = await roles.findByName(name);
  if (!role) throw accessErrors.roleNotFound();
  return role;
}

export function ramRoleActions(deps: RamRoleDeps): Record<string, ActionHandler> {
  const { roles } = deps;
  const toWire = (role: RamRoleRecord) => ({
    RoleId: role.roleId,
    RoleName: role.roleName,
    Arn: roleArn(deps.accountId, role.roleName),
    Description: role.description ?? '',
    AssumeRolePolicyDocument: role.assumeRolePolicyDocument,
    MaxSessionDuration: role.maxSessionDuration,
    CreateDate: wireTime(role.createDate),
    UpdateDate: wireTime(role.updateDate),
  });
  return {
    CreateRole: async ({ params }) => {
      const name = roleName(params);
      const trust = params.required('AssumeRolePolicyDocument');
      if (trust.length > MAX_POLICY_DOCUMENT) throw accessErrors.policyDocumentLength(MAX_POLICY_DOCUMENT);
      try {
        parsePolicyDocument(trust, 'trust');
      } catch (error) {
        if (error instanceof PolicyGrammarError) throw accessErrors.malformedTrustPolicy(error.problems);
        throw error;
      }
      const maxSessionDuration = params.integer('MaxSessionDuration', {
        min: 3600,
        max: 43200,
        fallback: 3600,
      })!;
      let role: RamRoleRecord;
      try {
        role = await roles.insert({
          roleId: randomDigits(16),
          roleName: name,
          description: optionalText(params, 'Description', 1024) ?? null,
          assumeRolePolicyDocument: trust,
          maxSessionDuration,
        });
      } catch (error) {
        if (error instanceof StoreError && error.code === 'AlreadyExists') throw accessErrors.roleExists();
        throw error;
      }
      await deps.apps.grant(
        { identityType: 'RamRole', identityId: role.roleId },
        DEFAULT_APP_ID,
        'VODAppFullAccess',
      );
      const { UpdateDate: _u, ...wire } = toWire(role);
      return { Role: wire };
    },

    GetRole: async ({ params }) => ({ Role: toWire(await mustFindRole(roles, roleName(params))) }),

    ListRoles: async () => ({ Roles: { Role: (await roles.list()).map(toWire) }, IsTruncated: false }),

    DeleteRole: async ({ params }) => {
      const role = await mustFindRole(roles, roleName(params));
      if (
        (await deps.policies.attachmentsOf({ principalType: 'Role', principalId: role.roleId })).length > 0
      ) {
        throw accessErrors.deleteConflictRolePolicy();
      }
      await deps.apps.revokeAll({ identityType: 'RamRole', identityId: role.roleId });
      await roles.delete(role.roleId);
      return {};
    },
  };
}
