/**
 * Download secrets (DESIGN §6): per app, a numbered series of 256-bit secrets, each stored only
 * as a KMS blob. Versions count 1, 2, … per app and are never reused, also when revoked, because
 * key files and packages in the field name the version they were made with.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from './database.js';
import type { DownloadSecretsTable, DownloadSecretStatus } from './schema.js';
import { isUniqueViolation, StoreError } from './store-error.js';

export interface DownloadSecretRecord {
  /** Canonical form (see @securevod/crypto normalizeAppIdentification). */
  appIdentification: string;
  version: number;
  /** KMS blob (base64) of the secret. */
  secretCiphertext: string;
  kmsKeyId: string;
  status: DownloadSecretStatus;
  /** ISO-8601 UTC. */
  createdAt: string;
  revokedAt: string | null;
}

export interface DownloadSecretStore {
  /** Adds the app's next version (previous highest + 1, starting at 1), safe under concurrent calls. */
  create(input: {
    appIdentification: string;
    secretCiphertext: string;
    kmsKeyId: string;
  }): Promise<{ version: number; createdAt: string }>;
  find(appIdentification: string, version: number): Promise<DownloadSecretRecord | undefined>;
  /** The highest version that is not revoked. */
  latestActive(appIdentification: string): Promise<DownloadSecretRecord | undefined>;
  /** All versions of one app, lowest first. */
  list(appIdentification: string): Promise<DownloadSecretRecord[]>;
  /** Every app that has at least one version, sorted. */
  listApps(): Promise<string[]>;
  /** Returns true if the version was active and is now revoked; false if unknown or already revoked. */
  revoke(appIdentification: string, version: number): Promise<boolean>;
}

/**
 * Concurrent creates for one app compute the same next version; all but one then hit the
 * primary key and try again with a fresh maximum. Each round lets at least one writer through,
 * so n concurrent writers need at most n attempts; the limit only stops a livelock.
 */
const MAX_CREATE_ATTEMPTS = 50;

export function createDownloadSecretStore(db: Db, options: { now?: () => Date } = {}): DownloadSecretStore {
  const now = options.now ?? (() => new Date());
  const { kysely } = db;

  async function insertNextVersion(input: {
    appIdentification: string;
    secretCiphertext: string;
    kmsKeyId: string;
    createdAt: string;
  }): Promise<number> {
    // One statement computes the next version and inserts it, so there is no window between
    // reading the maximum and writing on SQLite, and on PostgreSQL the loser of a race gets a
    // unique violation instead of a duplicate.
    const row = await kysely
      .insertInto('download_secrets')
      .columns(['app_identification', 'version', 'secret_ciphertext', 'kms_key_id', 'status', 'created_at'])
      .expression(
        kysely
          .selectFrom('download_secrets')
          .where('app_identification', '=', input.appIdentification)
          .select((eb) => [
            eb.val(input.appIdentification).as('app_identification'),
            eb(eb.fn.coalesce(eb.fn.max('version'), eb.lit(0)), '+', eb.lit(1)).as('version'),
            eb.val(input.secretCiphertext).as('secret_ciphertext'),
            eb.val(input.kmsKeyId).as('kms_key_id'),
            eb.val('Active').as('status'),
            eb.val(input.createdAt).as('created_at'),
          ]),
      )
      .returning('version')
      .executeTakeFirstOrThrow();
    return Number(row.version);
  }

  return {
    async create(input) {
      const createdAt = now().toISOString();
      for (let attempt = 1; ; attempt++) {
        try {
          const version = await insertNextVersion({ ...input, createdAt });
          return { version, createdAt };
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          if (attempt >= MAX_CREATE_ATTEMPTS) {
            throw new StoreError(
              'Conflict',
              `Could not allocate a download secret version for ${input.appIdentification} after ${attempt} attempts`,
              { cause: error },
            );
          }
          // Jitter spreads the retrying writers so they do not collide again in lockstep.
          await sleep(Math.random() * Math.min(2 * attempt, 20));
        }
      }
    },

    async find(appIdentification, version) {
      const row = await kysely
        .selectFrom('download_secrets')
        .selectAll()
        .where('app_identification', '=', appIdentification)
        .where('version', '=', version)
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async latestActive(appIdentification) {
      const row = await kysely
        .selectFrom('download_secrets')
        .selectAll()
        .where('app_identification', '=', appIdentification)
        .where('status', '=', 'Active')
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async list(appIdentification) {
      const rows = await kysely
        .selectFrom('download_secrets')
        .selectAll()
        .where('app_identification', '=', appIdentification)
        .orderBy('version')
        .execute();
      return rows.map(toRecord);
    },

    async listApps() {
      const rows = await kysely
        .selectFrom('download_secrets')
        .select('app_identification')
        .distinct()
        .orderBy('app_identification')
        .execute();
      return rows.map((row) => row.app_identification);
    },

    async revoke(appIdentification, version) {
      const result = await kysely
        .updateTable('download_secrets')
        .set({ status: 'Revoked', revoked_at: now().toISOString() })
        .where('app_identification', '=', appIdentification)
        .where('version', '=', version)
        .where('status', '=', 'Active')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

function toRecord(row: DownloadSecretsTable): DownloadSecretRecord {
  return {
    appIdentification: row.app_identification,
    version: row.version,
    secretCiphertext: row.secret_ciphertext,
    kmsKeyId: row.kms_key_id,
    status: row.status,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
