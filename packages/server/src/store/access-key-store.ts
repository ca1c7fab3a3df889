/**
 * AccessKeys of the RPC API (DESIGN §7). The secret is stored only as a KMS blob; unwrapping it
 * is the caller's business (auth/access-key-service.ts), so this store never sees plaintext.
 */
import type { Db } from './database.js';
import type { AccessKeysTable, AccessKeyStatus } from './schema.js';
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
}

export interface AccessKeyStore {
  /** Throws `StoreError('AlreadyExists')` if the id is taken. `createdAt` defaults to now. */
  insert(row: Omit<AccessKeyRecord, 'createdAt'> & { createdAt?: string }): Promise<AccessKeyRecord>;
  find(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  /** Oldest first. */
  list(): Promise<AccessKeyRecord[]>;
  /** Returns false if there is no such key. */
  setStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean>;
}

export function createAccessKeyStore(db: Db, options: { now?: () => Date } = {}): AccessKeyStore {
  const now = options.now ?? (() => new Date());
  const { kysely } = db;
  return {
    async insert(row) {
      const record: AccessKeyRecord = { ...row, createdAt: row.createdAt ?? now().toISOString() };
      try {
        await kysely
          .insertInto('access_keys')
          .values({
            access_key_id: record.accessKeyId,
            secret_ciphertext: record.secretCiphertext,
            kms_key_id: record.kmsKeyId,
            status: record.status,
            is_root: record.isRoot ? 1 : 0,
            description: record.description,
            created_at: record.createdAt,
          })
          .execute();
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
  };
}
