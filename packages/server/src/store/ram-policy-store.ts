/**
 * Custom RAM policies and the attachments of policies (system or custom) to users and roles.
 * The store keeps documents as text; validating them is the caller's business
 * (access/policy-document.ts), so a stored document is always one that passed validation.
 */
import type { Db } from './database.js';
import type { PolicyType, PrincipalType, RamPoliciesTable } from './access-schema.js';
import { isUniqueViolation, StoreError } from './store-error.js';

export interface CustomPolicyRecord {
  policyName: string;
  description: string | null;
  policyDocument: string;
  defaultVersion: string;
  createDate: string;
  updateDate: string;
}

export interface PolicyAttachment {
  principalType: PrincipalType;
  principalId: string;
  policyType: PolicyType;
  policyName: string;
  attachDate: string;
}

export interface PolicyRef {
  policyType: PolicyType;
  policyName: string;
}

export interface RamPolicyStore {
  /** Throws `StoreError('AlreadyExists')` if the name is taken. */
  insert(
    policy: Pick<CustomPolicyRecord, 'policyName' | 'description' | 'policyDocument'>,
  ): Promise<CustomPolicyRecord>;
  find(policyName: string): Promise<CustomPolicyRecord | undefined>;
  /** Sorted by name. */
  list(): Promise<CustomPolicyRecord[]>;
  count(): Promise<number>;
  delete(policyName: string): Promise<boolean>;

  /** Throws `StoreError('AlreadyExists')` if already attached. */
  attach(principal: Principal, policy: PolicyRef): Promise<PolicyAttachment>;
  detach(principal: Principal, policy: PolicyRef): Promise<boolean>;
  /** A principal's attachments, oldest first. */
  attachmentsOf(principal: Principal): Promise<PolicyAttachment[]>;
  /** Who has this policy attached. */
  attachmentsTo(policy: PolicyRef): Promise<PolicyAttachment[]>;
  /** Removes every attachment of a principal (when the user or role is deleted). */
  detachAll(principal: Principal): Promise<number>;
}

export interface Principal {
  principalType: PrincipalType;
  principalId: string;
}

export function createRamPolicyStore(db: Db, options: { now?: () => Date } = {}): RamPolicyStore {
  const now = options.now ?? (() => new Date());
  const { kysely } = db;
  const attachmentRows = () => kysely.selectFrom('ram_policy_attachments').selectAll();
  return {
    async insert(policy) {
      const at = now().toISOString();
      const record: CustomPolicyRecord = { ...policy, defaultVersion: 'v1', createDate: at, updateDate: at };
      try {
        await kysely
          .insertInto('ram_policies')
          .values({
            policy_name: record.policyName,
            description: record.description,
            policy_document: record.policyDocument,
            default_version: record.defaultVersion,
            create_date: at,
            update_date: at,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new StoreError('AlreadyExists', `Policy ${policy.policyName} already exists`, {
            cause: error,
          });
        }
        throw error;
      }
      return record;
    },

    async find(policyName) {
      const row = await kysely
        .selectFrom('ram_policies')
        .selectAll()
        .where('policy_name', '=', policyName)
        .executeTakeFirst();
      return row && toPolicy(row);
    },

    async list() {
      return (await kysely.selectFrom('ram_policies').selectAll().orderBy('policy_name').execute()).map(
        toPolicy,
      );
    },

    async count() {
      const { n } = await kysely
        .selectFrom('ram_policies')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return n;
    },

    async delete(policyName) {
      const result = await kysely
        .deleteFrom('ram_policies')
        .where('policy_name', '=', policyName)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async attach(principal, policy) {
      const attachment: PolicyAttachment = { ...principal, ...policy, attachDate: now().toISOString() };
      try {
        await kysely
          .insertInto('ram_policy_attachments')
          .values({
            principal_type: attachment.principalType,
            principal_id: attachment.principalId,
            policy_type: attachment.policyType,
            policy_name: attachment.policyName,
            attach_date: attachment.attachDate,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new StoreError('AlreadyExists', `Policy ${policy.policyName} is already attached`, {
            cause: error,
          });
        }
        throw error;
      }
      return attachment;
    },

    async detach(principal, policy) {
      const result = await kysely
        .deleteFrom('ram_policy_attachments')
        .where('principal_type', '=', principal.principalType)
        .where('principal_id', '=', principal.principalId)
        .where('policy_type', '=', policy.policyType)
        .where('policy_name', '=', policy.policyName)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async attachmentsOf(principal) {
      const rows = await attachmentRows()
        .where('principal_type', '=', principal.principalType)
        .where('principal_id', '=', principal.principalId)
        .orderBy('attach_date')
        .orderBy('policy_name')
        .execute();
      return rows.map(toAttachment);
    },

    async attachmentsTo(policy) {
      const rows = await attachmentRows()
        .where('policy_type', '=', policy.policyType)
        .where('policy_name', '=', policy.policyName)
        .orderBy('attach_date')
        .orderBy('principal_id')
        .execute();
      return rows.map(toAttachment);
    },

    async detachAll(principal) {
      const result = await kysely
        .deleteFrom('ram_policy_attachments')
        .where('principal_type', '=', principal.principalType)
        .where('principal_id', '=', principal.principalId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toPolicy(row: RamPoliciesTable): CustomPolicyRecord {
  return {
    policyName: row.policy_name,
    description: row.description,
    policyDocument: row.policy_document,
    defaultVersion: row.default_version,
    createDate: row.create_date,
    updateDate: row.update_date,
  };
}

function toAttachment(row: {
  principal_type: PrincipalType;
  principal_id: string;
  policy_type: PolicyType;
  policy_name: string;
  attach_date: string;
}): PolicyAttachment {
  return {
    principalType: row.principal_type,
    principalId: row.principal_id,
    policyType: row.policy_type,
    policyName: row.policy_name,
    attachDate: row.attach_date,
  };
}
