/**
 * RAM policies (2015-05-01, ram-sts.md §1, §4): CreatePolicy, GetPolicy, ListPolicies,
 * DeletePolicy; AttachPolicyToUser / DetachPolicyFromUser / ListPoliciesForUser and the same for
 * roles. Documents are validated on write (MalformedPolicyDocument names every problem);
 * system policies are built in and read-only.
 */
import { parsePolicyDocument, PolicyGrammarError } from '../access/policy-document.js';
import { SYSTEM_POLICIES } from '../access/system-policies.js';
import { accessErrors } from '../errors/access-errors.js';
import { apiErrors } from '../errors/api-error.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import type { ActionHandler } from '../rpc/rpc-types.js';
import type { PolicyType } from '../store/access-schema.js';
import type { CustomPolicyRecord, Principal, RamPolicyStore } from '../store/ram-policy-store.js';
import type { RamRoleStore } from '../store/ram-role-store.js';
import type { RamUserStore } from '../store/ram-user-store.js';
import { StoreError } from '../store/store-error.js';
import { mustFindRole, roleName } from './ram-role-actions.js';
import { mustFindUser, userName } from './ram-user-actions.js';
import { MAX_POLICY_DOCUMENT, optionalText, wireTime } from './ram-wire.js';

const MAX_CUSTOM_POLICIES = 1500;
const MAX_ATTACHED = { System: 20, Custom: 10 } as const;

export interface RamPolicyDeps {
  policies: RamPolicyStore;
  users: RamUserStore;
  roles: RamRoleStore;
}

function policyName(params: RpcParams): string {
  const name = params.required('PolicyName');
  if (name.length > 128 || !/^[A-Za-z0-9-]+$/.test(name)) throw accessErrors.policyNameInvalid();
  return name;
}

function policyType(params: RpcParams, required: boolean): PolicyType | undefined {
  const type = params.optional('PolicyType');
  if (type === undefined) {
    if (required) throw apiErrors.missingParameter('PolicyType');
    return undefined;
  }
  if (type !== 'System' && type !== 'Custom') throw accessErrors.policyTypeInvalid();
  return type;
}

/** Validates a document for CreatePolicy; exported for the console's dry run (ValidatePolicyDocument). */
export function checkPolicyDocument(text: string): void {
  if (text.length === 0 || text.length > MAX_POLICY_DOCUMENT)
    throw accessErrors.policyDocumentLength(MAX_POLICY_DOCUMENT);
  try {
    parsePolicyDocument(text);
  } catch (error) {
    if (error instanceof PolicyGrammarError) throw accessErrors.malformedPolicy(error.problems);
    throw error;
  }
}

export function ramPolicyActions(deps: RamPolicyDeps): Record<string, ActionHandler> {
  const { policies } = deps;

  const describe = async (type: PolicyType, name: string) => {
    if (type === 'System') {
      const system = SYSTEM_POLICIES.get(name);
      if (!system) throw accessErrors.policyNotFound();
      return { record: undefined, wire: systemToWire(system.name, system.description), text: system.text };
    }
    const record = await policies.find(name);
    if (!record) throw accessErrors.policyNotFound();
    return { record, wire: customToWire(record), text: record.policyDocument };
  };
  const attachmentCount = async (type: PolicyType, name: string) =>
    (await policies.attachmentsTo({ policyType: type, policyName: name })).length;

  const attach = async (principal: Principal, kind: 'User' | 'Role', params: RpcParams) => {
    const type = policyType(params, true)!;
    const name = policyName(params);
    await describe(type, name);
    const existing = await policies.attachmentsOf(principal);
    if (existing.filter((a) => a.policyType === type).length >= MAX_ATTACHED[type])
      throw accessErrors.attachLimit(kind);
    try {
      await policies.attach(principal, { policyType: type, policyName: name });
    } catch (error) {
      if (error instanceof StoreError && error.code === 'AlreadyExists')
        throw accessErrors.policyAlreadyAttached(kind);
      throw error;
    }
    return {};
  };
  const detach = async (principal: Principal, kind: 'User' | 'Role', params: RpcParams) => {
    const type = policyType(params, true)!;
    const name = policyName(params);
    if (!(await policies.detach(principal, { policyType: type, policyName: name }))) {
      throw accessErrors.policyNotAttached(kind);
    }
    return {};
  };
  const listFor = async (principal: Principal) => {
    const list = [];
    for (const a of await policies.attachmentsOf(principal)) {
      const described = await describe(a.policyType, a.policyName).catch(() => undefined);
      list.push({
        PolicyName: a.policyName,
        PolicyType: a.policyType,
        Description: (described?.wire.Description as string | undefined) ?? '',
        DefaultVersion: 'v1',
        AttachDate: wireTime(a.attachDate),
      });
    }
    return { Policies: { Policy: list } };
  };
  const userPrincipal = async (params: RpcParams): Promise<Principal> => ({
    principalType: 'User',
    principalId: (await mustFindUser(deps.users, userName(params))).userId,
  });
  const rolePrincipal = async (params: RpcParams): Promise<Principal> => ({
    principalType: 'Role',
    principalId: (await mustFindRole(deps.roles, roleName(params))).roleId,
  });

  return {
    CreatePolicy: async ({ params }) => {
      const name = policyName(params);
      const text = params.required('PolicyDocument');
      checkPolicyDocument(text);
      const description = optionalText(params, 'Description', 1024) ?? null;
      if (SYSTEM_POLICIES.has(name)) throw accessErrors.policyExists();
      if ((await policies.count()) >= MAX_CUSTOM_POLICIES) throw accessErrors.policyLimit();
      try {
        const record = await policies.insert({ policyName: name, description, policyDocument: text });
        const { UpdateDate: _u, AttachmentCount: _a, ...wire } = customToWire(record);
        return { Policy: wire };
      } catch (error) {
        if (error instanceof StoreError && error.code === 'AlreadyExists') throw accessErrors.policyExists();
        throw error;
      }
    },

    GetPolicy: async ({ params }) => {
      const type = policyType(params, true)!;
      const name = policyName(params);
      const { wire, text, record } = await describe(type, name);
      return {
        Policy: { ...wire, AttachmentCount: await attachmentCount(type, name) },
        DefaultPolicyVersion: {
          VersionId: 'v1',
          IsDefaultVersion: true,
          PolicyDocument: text,
          CreateDate: record ? wireTime(record.createDate) : '',
        },
      };
    },

    ListPolicies: async ({ params }) => {
      const type = policyType(params, false);
      const list: Record<string, unknown>[] = [];
      if (type !== 'Custom') {
        for (const p of SYSTEM_POLICIES.values()) {
          list.push({
            ...systemToWire(p.name, p.description),
            AttachmentCount: await attachmentCount('System', p.name),
          });
        }
      }
      if (type !== 'System') {
        for (const p of await policies.list()) {
          list.push({ ...customToWire(p), AttachmentCount: await attachmentCount('Custom', p.policyName) });
        }
      }
      return { Policies: { Policy: list }, IsTruncated: false };
    },

    DeletePolicy: async ({ params }) => {
      const name = policyName(params);
      if (SYSTEM_POLICIES.has(name) && !(await policies.find(name)))
        throw accessErrors.systemPolicyReadOnly();
      if (!(await policies.find(name))) throw accessErrors.policyNotFound();
      if ((await attachmentCount('Custom', name)) > 0) throw accessErrors.deleteConflictPolicy();
      await policies.delete(name);
      return {};
    },

    AttachPolicyToUser: async ({ params }) => attach(await userPrincipal(params), 'User', params),
    DetachPolicyFromUser: async ({ params }) => detach(await userPrincipal(params), 'User', params),
    ListPoliciesForUser: async ({ params }) => listFor(await userPrincipal(params)),
    AttachPolicyToRole: async ({ params }) => attach(await rolePrincipal(params), 'Role', params),
    DetachPolicyFromRole: async ({ params }) => detach(await rolePrincipal(params), 'Role', params),
    ListPoliciesForRole: async ({ params }) => listFor(await rolePrincipal(params)),
  };
}

function systemToWire(name: string, description: string): Record<string, unknown> {
  return { PolicyName: name, PolicyType: 'System', Description: description, DefaultVersion: 'v1' };
}

function customToWire(p: CustomPolicyRecord): Record<string, unknown> {
  return {
    PolicyName: p.policyName,
    PolicyType: 'Custom',
    Description: p.description ?? '',
    DefaultVersion: p.defaultVersion,
    CreateDate: wireTime(p.createDate),
    UpdateDate: wireTime(p.updateDate),
  };
}
