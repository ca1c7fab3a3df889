/**
 * `videos.mezzanine_deleted_at`: when DeleteMezzanines removed the source file (null while it
 * exists). GetMezzanineInfo then reports the mezzanine as Deleted, and no further transcoding is
 * possible. Frozen once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('videos').addColumn('mezzanine_deleted_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('videos').dropColumn('mezzanine_deleted_at').execute();
}
