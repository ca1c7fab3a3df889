/**
 * Media categories (AddCategory … GetCategories, reference-more §5.2–§5.6): a tree of at most
 * three levels under the virtual root -1. Videos point at a category by `videos.cate_id`; the
 * name is resolved at read time, so renaming needs no update of the videos. Frozen once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('categories')
    // bigint: CateIds are Long in the API. Ours are assigned from 1000000001 upwards, which also
    // fits `videos.cate_id` (integer) on PostgreSQL.
    .addColumn('cate_id', 'bigint', (col) => col.primaryKey())
    .addColumn('cate_name', 'text', (col) => col.notNull())
    .addColumn('parent_id', 'bigint', (col) => col.notNull())
    .addColumn('level', 'integer', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('app_id', 'text', (col) => col.notNull())
    .addColumn('creation_time', 'text', (col) => col.notNull())
    .addColumn('modification_time', 'text', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('categories_parent_idx')
    .on('categories')
    .columns(['parent_id', 'creation_time'])
    .execute();
  await db.schema.createIndex('videos_cate_idx').on('videos').column('cate_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('videos_cate_idx').execute();
  await db.schema.dropTable('categories').execute();
}
