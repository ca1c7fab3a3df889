/** RAM users (ram-sts.md §4). Names are unique and case-sensitive; ids never change. */
import type { Db } from './database.js';
import type { RamUsersTable } from './access-schema.js';
import { isUniqueViolation, StoreError } from './store-error.js';

export interface RamUserRecord {
  userId: string;
  userName: string;
  displayName: string | null;
  email: string | null;
  mobilePhone: string | null;
  comments: string | null;
  createDate: string;
  updateDate: string;
}

export type RamUserPatch = Partial<Pick<RamUserRecord, 'displayName' | 'email' | 'mobilePhone' | 'comments'>>;

export interface RamUserStore {
  /** Throws `StoreError('AlreadyExists')` if the name (or id) is taken. */
  insert(user: Omit<RamUserRecord, 'createDate' | 'updateDate'>): Promise<RamUserRecord>;
  findByName(userName: string): Promise<RamUserRecord | undefined>;
  findById(userId: string): Promise<RamUserRecord | undefined>;
  /** Sorted by name; `after` continues past that name (the ListUsers Marker). */
  list(options: { after?: string; limit: number }): Promise<RamUserRecord[]>;
  update(userId: string, patch: RamUserPatch): Promise<boolean>;
  delete(userId: string): Promise<boolean>;
}

export function createRamUserStore(db: Db, options: { now?: () => Date } = {}): RamUserStore {
  const now = options.now ?? (() => new Date());
  const { kysely } = db;
  const byColumn = async (column: 'user_name' | 'user_id', value: string) => {
    const row = await kysely.selectFrom('ram_users').selectAll().where(column, '=', value).executeTakeFirst();
    return row && toRecord(row);
  };
  return {
    async insert(user) {
      const at = now().toISOString();
      const record: RamUserRecord = { ...user, createDate: at, updateDate: at };
      try {
        await kysely
          .insertInto('ram_users')
          .values({
            user_id: record.userId,
            user_name: record.userName,
            display_name: record.displayName,
            email: record.email,
            mobile_phone: record.mobilePhone,
            comments: record.comments,
            create_date: at,
            update_date: at,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new StoreError('AlreadyExists', `RAM user ${user.userName} already exists`, { cause: error });
        }
        throw error;
      }
      return record;
    },

    findByName: (userName) => byColumn('user_name', userName),
    findById: (userId) => byColumn('user_id', userId),

    async list({ after, limit }) {
      let query = kysely.selectFrom('ram_users').selectAll();
      if (after !== undefined) query = query.where('user_name', '>', after);
      const rows = await query.orderBy('user_name').limit(limit).execute();
      return rows.map(toRecord);
    },

    async update(userId, patch) {
      const set: Partial<RamUsersTable> = { update_date: now().toISOString() };
      if (patch.displayName !== undefined) set.display_name = patch.displayName;
      if (patch.email !== undefined) set.email = patch.email;
      if (patch.mobilePhone !== undefined) set.mobile_phone = patch.mobilePhone;
      if (patch.comments !== undefined) set.comments = patch.comments;
      const result = await kysely
        .updateTable('ram_users')
        .set(set)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async delete(userId) {
      const result = await kysely.deleteFrom('ram_users').where('user_id', '=', userId).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function toRecord(row: RamUsersTable): RamUserRecord {
  return {
    userId: row.user_id,
    userName: row.user_name,
    displayName: row.display_name,
    email: row.email,
    mobilePhone: row.mobile_phone,
    comments: row.comments,
    createDate: row.create_date,
    updateDate: row.update_date,
  };
}
