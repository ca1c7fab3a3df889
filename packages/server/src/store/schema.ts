/**
 * Kysely table types of the metadata store: the database as SQL sees it (snake_case columns).
 * Stores map these rows to camelCase records; nothing outside `store/` should need this file.
 *
 * Portability rules shared by every table, so one set of queries runs on SQLite and PostgreSQL:
 * - timestamps are ISO-8601 UTC text with milliseconds (`2026-11-22T17:46:27.123Z`), which sorts
 *   correctly as text and needs no per-dialect date handling;
 * - booleans are integers 0/1;
 * - JSON is text (the stores parse and serialise it).
 */
import type { AccessTables } from './access-schema.js';
import type { CatalogueTables } from './catalogue-schema.js';
import type { TraceTables } from './trace-schema.js';
import type { JobsTable } from '../jobs/jobs-table.js';
import type { KeyDeliveriesTable } from '../keys/key-delivery-log.js';
/** ISO-8601 UTC text, e.g. `2026-11-22T17:46:27.123Z`. */
export type IsoTimestamp = string;

export type AccessKeyStatus = 'Active' | 'Inactive';
export type DownloadSecretStatus = 'Active' | 'Revoked';

export interface AccessKeysTable {
  access_key_id: string;
  /** KMS blob (base64) of the AccessKey secret; the plaintext is never stored. */
  secret_ciphertext: string;
  kms_key_id: string;
  status: AccessKeyStatus;
  is_root: 0 | 1;
  description: string | null;
  created_at: IsoTimestamp;
  /** The RAM user the key belongs to; null for the account's own keys (root). Migration 0040. */
  user_id: string | null;
}

export interface DownloadSecretsTable {
  /** Canonical form, e.g. `android:BB:0D:...`, `ios:com.example.app`. */
  app_identification: string;
  /** 1, 2, … per app; a new version on every GenerateDownloadSecretKey. */
  version: number;
  /** KMS blob (base64) of the 256-bit download secret. */
  secret_ciphertext: string;
  kms_key_id: string;
  status: DownloadSecretStatus;
  created_at: IsoTimestamp;
  revoked_at: IsoTimestamp | null;
}

export interface SettingsTable {
  key: string;
  /** JSON text. */
  value: string;
}

export interface Schema extends CatalogueTables, AccessTables, TraceTables {
  access_keys: AccessKeysTable;
  download_secrets: DownloadSecretsTable;
  settings: SettingsTable;
  jobs: JobsTable;
  key_deliveries: KeyDeliveriesTable;
}
