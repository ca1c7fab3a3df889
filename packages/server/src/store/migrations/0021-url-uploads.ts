/**
 * URL pull uploads (UploadMediaByURL / GetURLUploadInfos, reference-more §6): one row per
 * submitted URL, the `url-upload` job's progress and outcome. Frozen once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('url_uploads')
    .addColumn('job_id', 'text', (col) => col.primaryKey())
    .addColumn('upload_url', 'text', (col) => col.notNull())
    .addColumn('media_id', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('file_size', 'bigint')
    .addColumn('user_data', 'text')
    .addColumn('metadata', 'text', (col) => col.notNull())
    .addColumn('app_id', 'text', (col) => col.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('creation_time', 'text', (col) => col.notNull())
    .addColumn('complete_time', 'text')
    .execute();
  await db.schema
    .createIndex('url_uploads_url_idx')
    .on('url_uploads')
    .columns(['upload_url', 'creation_time'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('url_uploads').execute();
}
