/**
 * `streams.traced`: 1 when the rendition is stored as leak-tracing variants A and B
 * (`a/seg_N…`, `b/seg_N…`; docs/tracing.md), 0 otherwise. The media role, downloads and the
 * detector read it. Frozen once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('streams')
    .addColumn('traced', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('streams').dropColumn('traced').execute();
}
