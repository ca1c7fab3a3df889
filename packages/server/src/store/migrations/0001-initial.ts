/**
 * Initial tables: AccessKeys, download secrets and account-wide settings.
 *
 * Migrations are frozen once released: change the schema with a new file, never by editing this
 * one. They see `Kysely<unknown>` rather than today's `Schema`, because they describe the database
 * as it was when they were written. Column types are the portable subset (text, integer).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('access_keys')
    .addColumn('access_key_id', 'text', (col) => col.primaryKey())
    .addColumn('secret_ciphertext', 'text', (col) => col.notNull())
    .addColumn('kms_key_id', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('is_root', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('description', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addCheckConstraint('access_keys_status_check', sql`status in ('Active', 'Inactive')`)
    .addCheckConstraint('access_keys_is_root_check', sql`is_root in (0, 1)`)
    .execute();

  await db.schema
    .createTable('download_secrets')
    .addColumn('app_identification', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('secret_ciphertext', 'text', (col) => col.notNull())
    .addColumn('kms_key_id', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('revoked_at', 'text')
    .addPrimaryKeyConstraint('download_secrets_pkey', ['app_identification', 'version'])
    .addCheckConstraint('download_secrets_status_check', sql`status in ('Active', 'Revoked')`)
    .addCheckConstraint('download_secrets_version_check', sql`version >= 1`)
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (col) => col.primaryKey())
    .addColumn('value', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('settings').execute();
  await db.schema.dropTable('download_secrets').execute();
  await db.schema.dropTable('access_keys').execute();
}
