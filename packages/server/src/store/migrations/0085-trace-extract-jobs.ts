/**
 * Leak tracing (issue 13): extraction jobs (SubmitDigitalWatermarkExtractJob /
 * GetDigitalWatermarkExtractResult). `media_id` is the leaked copy (an uploaded video),
 * `source_video_id` the traced original it is compared with. Frozen once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('trace_extract_jobs')
    .addColumn('job_id', 'text', (col) => col.primaryKey())
    .addColumn('media_id', 'text', (col) => col.notNull())
    .addColumn('source_video_id', 'text', (col) => col.notNull())
    .addColumn('extract_type', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('progress', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('water_mark_text', 'text')
    .addColumn('report', 'text')
    .addColumn('error_message', 'text')
    .addColumn('create_time', 'text', (col) => col.notNull())
    .addColumn('modify_time', 'text', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('trace_extract_jobs_media_idx')
    .on('trace_extract_jobs')
    .columns(['media_id', 'create_time'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('trace_extract_jobs').execute();
}
