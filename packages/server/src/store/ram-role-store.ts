/** RAM roles (ram-sts.md §3): a trust policy saying who may assume them, and a session limit. */
import type { Db } from './database.js';
import type { RamRolesTable } from './access-schema.js';
import { isUniqueViolation, StoreError } from './store-error.js';

export interface RamRoleRecord {
  roleId: string;
  /** As created; lookups ignore case, as role ARNs do. */
  roleName: string;
  description: string | null;
  assumeRolePolicyDocument: string;
  /** Seconds, 3600–43200. */
  maxSessionDuration: number;
  createDate: string;
  updateDate: string;
}

export interface RamRoleStore {
  /** Throws `StoreError('AlreadyExists')` if the name (ignoring case) is taken. */
  insert(role: Omit<RamRoleRecord, 'createDate' | 'updateDate'>): Promise<RamRoleRecord>;
  /** Case-insensitive. */
  findByName(roleName: string): Promise<RamRoleRecord | undefined>;
  findById(roleId: string): Promise<RamRoleRecord | undefined>;
  /** Sorted by name (ignoring case). */
  list(): Promise<RamRoleRecord[]>;
  delete(roleId: string): Promise<boolean>;
}

export function createRamRoleStore(db: Db, options: { now?: () => Date } = {}): RamRoleStore {
  const now = options.now ?? (() => new Date());
  const { kysely } = db;
  const by = async (column: 'role_key' | 'role_id', value: string) => {
    const row = await kysely.selectFrom('ram_roles').selectAll().where(column, '=', value).executeTakeFirst();
    return row && toRecord(row);
  };
  return {
    async insert(role) {
      const at = now().toISOString();
      const record: RamRoleRecord = { ...role, createDate: at, updateDate: at };
      try {
        await kysely
          .insertInto('ram_roles')
          .values({
            role_id: role.roleId,
            role_name: role.roleName,
            role_key: role.roleName.toLowerCase(),
            description: role.description,
            assume_role_policy_document: role.assumeRolePolicyDocument,
            max_session_duration: role.maxSessionDuration,
            create_date: at,
            update_date: at,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new StoreError('AlreadyExists', `Role ${role.roleName} already exists`, { cause: error });
        }
        throw error;
      }
      return record;
    },

    findByName: (roleName) => by('role_key', roleName.toLowerCase()),
    findById: (roleId) => by('role_id', roleId),

    async list() {
      return (await kysely.selectFrom('ram_roles').selectAll().orderBy('role_key').execute()).map(toRecord);
    },

    async delete(roleId) {
      const result = await kysely.deleteFrom('ram_roles').where('role_id', '=', roleId).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function toRecord(row: RamRolesTable): RamRoleRecord {
  return {
    roleId: row.role_id,
    roleName: row.role_name,
    description: row.description,
    assumeRolePolicyDocument: row.assume_role_policy_document,
    maxSessionDuration: row.max_session_duration,
    createDate: row.create_date,
    updateDate: row.update_date,
  };
}
