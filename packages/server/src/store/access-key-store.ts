/**
 * AccessKeys of the RPC API (DESIGN §7). The secret is stored only as a KMS blob; unwrapping it
 * is the caller's business (auth/access-key-service.ts), so this store never sees plaintext.
 */
import type { SelectQueryBuilder } from 'kysely';
import type { Db } from './database.js';
import type { AccessKeysTable, AccessKeyStatus, Schema } from './schema.js';
import { isUniqueViolation, StoreError } from './store-error.js';

export interface AccessKeyRecord {
  accessKeyId: string;
  /** KMS blob (base64) of the secret. */
  secretCiphertext: string;
  kmsKeyId: string;
  status: AccessKeyStatus;
  isRoot: boolean;
  description: string | null;
  /** ISO-8601 UTC. */
  createdAt: string;
  /** The RAM user the key belongs to; null for the account's own keys (root). */
  userId: string | null;
}

type NewAccessKey = Omit<AccessKeyRecord, 'createdAt' | 'userId'> & {
  createdAt?: string;
  userId?: string | null;
};

export interface AccessKeyStore {
  /**
   * Throws `StoreError('AlreadyExists')` if the id is taken. `createdAt` defaults to now,
   * `userId` to null. With `maxPerOwner`, refuses with `StoreError('LimitExceeded')` when the
   * owner (the user, or the account for null) already has that many keys; concurrent inserts for
   * one owner are serialised, so the limit holds under races.
   */
  insert(row: NewAccessKey, options?: { maxPerOwner?: number }): Promise<AccessKeyRecord>;
  find(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  /** Every key, oldest first. */
  list(): Promise<AccessKeyRecord[]>;
  /** The keys of one RAM user, or of the account itself for null; oldest first. */
  listForOwner(userId: string | null): Promise<AccessKeyRecord[]>;
  /** Returns false if there is no such key. */
  setStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean>;
  /** Returns false if there is no such key. */
  delete(accessKeyId: string): Promise<boolean>;
}

export function createAccessKeyStore(db: Db, options: { now?: () => Date } = {}): AccessKeyStore {
  const now = options.now ?? (() => new Date());
  const { kysely } = db;
  return {
    async insert(row, options = {}) {
      const record: AccessKeyRecord = {
        ...row,
        createdAt: row.createdAt ?? now().toISOString(),
        userId: row.userId ?? null,
      };
      try {
        await kysely.transaction().execute(async (trx) => {
          if (options.maxPerOwner !== undefined) {
            // PostgreSQL: lock the owner's row so two inserts for one user cannot both pass the
            // count. SQLite already runs one write transaction at a time.
            if (db.dialect === 'postgres' && record.userId !== null) {
              await trx
                .selectFrom('ram_users')
                .select('user_id')
                .where('user_id', '=', record.userId)
                .forUpdate()
                .execute();
            }
            const { n } = await ownerKeys(trx.selectFrom('access_keys'), record.userId)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow();
            if (n >= options.maxPerOwner) {
              throw new StoreError('LimitExceeded', `The owner already has ${n} AccessKeys`);
            }
          }
          await trx
            .insertInto('access_keys')
            .values({
              access_key_id: record.accessKeyId,
              secret_ciphertext: record.secretCiphertext,
              kms_key_id: record.kmsKeyId,
              status: record.status,
              is_root: record.isRoot ? 1 : 0,
              description: record.description,
              created_at: record.createdAt,
              user_id: record.userId,
            })
            .execute();
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new StoreError('AlreadyExists', `AccessKey ${record.accessKeyId} already exists`, {
            cause: error,
          });
        }
        throw error;
      }
      return record;
    },

    async find(accessKeyId) {
      const row = await kysely
        .selectFrom('access_keys')
        .selectAll()
        .where('access_key_id', '=', accessKeyId)
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async list() {
      const rows = await kysely
        .selectFrom('access_keys')
        .selectAll()
        .orderBy('created_at')
        .orderBy('access_key_id')
        .execute();
      return rows.map(toRecord);
    },

    async listForOwner(userId) {
      const rows = await ownerKeys(kysely.selectFrom('access_keys'), userId)
        .selectAll()
        .orderBy('created_at')
        .orderBy('access_key_id')
        .execute();
      return rows.map(toRecord);
    },

    async delete(accessKeyId) {
      const result = await kysely
        .deleteFrom('access_keys')
        .where('access_key_id', '=', accessKeyId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async setStatus(accessKeyId, status) {
      const result = await kysely
        .updateTable('access_keys')
        .set({ status })
        .where('access_key_id', '=', accessKeyId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

function toRecord(row: AccessKeysTable): AccessKeyRecord {
  return {
    accessKeyId: row.access_key_id,
    secretCiphertext: row.secret_ciphertext,
    kmsKeyId: row.kms_key_id,
    status: row.status,
    isRoot: row.is_root === 1,
    description: row.description,
    createdAt: row.created_at,
    userId: row.user_id,
  };
}

function ownerKeys<Q extends SelectQueryBuilder<Schema, 'access_keys', object>>(
  query: Q,
  userId: string | null,
): Q {
  return (userId === null ? query.where('user_id', 'is', null) : query.where('user_id', '=', userId)) as Q;
}
