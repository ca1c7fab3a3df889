/**
 * Leak tracing (issue 13): every trace ID issued for a video, with when and for which session.
 * The detector scores a leak against exactly these IDs. Frozen once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('trace_sessions')
    .addColumn('session_id', 'text', (col) => col.primaryKey())
    .addColumn('video_id', 'text', (col) => col.notNull())
    .addColumn('trace_id', 'text', (col) => col.notNull())
    .addColumn('viewer_id', 'text')
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('client_ip', 'text')
    .addColumn('access_key_id', 'text')
    .addColumn('issued_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('trace_sessions_video_trace_idx')
    .on('trace_sessions')
    .columns(['video_id', 'trace_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('trace_sessions').execute();
}
