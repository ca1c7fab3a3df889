/** The key-delivery audit log (who got which key, when, from where). Frozen once released. */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('key_deliveries')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('delivered_at', 'text', (col) => col.notNull())
    .addColumn('video_id', 'text', (col) => col.notNull())
    .addColumn('stream_id', 'text', (col) => col.notNull())
    .addColumn('period', 'integer', (col) => col.notNull())
    .addColumn('scheme', 'text', (col) => col.notNull())
    .addColumn('client_ip', 'text', (col) => col.notNull())
    .addColumn('credential', 'text', (col) => col.notNull())
    .addColumn('viewer_id', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema
    .createIndex('key_deliveries_time_idx')
    .on('key_deliveries')
    .column('delivered_at')
    .execute();
  await db.schema
    .createIndex('key_deliveries_video_idx')
    .on('key_deliveries')
    .columns(['video_id', 'delivered_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('key_deliveries').execute();
}
