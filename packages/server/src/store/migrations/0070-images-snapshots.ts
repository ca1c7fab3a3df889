/**
 * Images (CreateUploadImage, reference-more §2) and snapshot jobs (SubmitSnapshotJob /
 * ListSnapshots, §3, and the cover snapshot at transcode). Frozen once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('images')
    .addColumn('image_id', 'text', (col) => col.primaryKey())
    .addColumn('image_type', 'text', (col) => col.notNull())
    .addColumn('image_ext', 'text', (col) => col.notNull())
    .addColumn('title', 'text')
    .addColumn('description', 'text')
    .addColumn('tags', 'text')
    .addColumn('cate_id', 'bigint')
    .addColumn('storage_location', 'text', (col) => col.notNull())
    .addColumn('app_id', 'text', (col) => col.notNull())
    .addColumn('user_data', 'text')
    .addColumn('original_file_name', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('object_key', 'text', (col) => col.notNull())
    .addColumn('file_size', 'bigint')
    .addColumn('creation_time', 'text', (col) => col.notNull())
    .addColumn('modification_time', 'text', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('snapshot_jobs')
    .addColumn('job_id', 'text', (col) => col.primaryKey())
    .addColumn('video_id', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('request', 'text', (col) => col.notNull())
    .addColumn('outputs', 'text')
    .addColumn('user_data', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('creation_time', 'text', (col) => col.notNull())
    .addColumn('complete_time', 'text')
    .execute();
  await db.schema
    .createIndex('snapshot_jobs_video_idx')
    .on('snapshot_jobs')
    .columns(['video_id', 'creation_time'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('snapshot_jobs').execute();
  await db.schema.dropTable('images').execute();
}
