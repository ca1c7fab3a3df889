/**
 * Media categories (migration 0020): a tree under the virtual root -1. Deleting a category takes
 * its descendants with it and clears them from the videos that carried them, in one transaction.
 */
import type { CategoriesTable } from './catalogue-schema.js';
import type { Db } from './database.js';

export const ROOT_CATE_ID = -1;
/** The first CateId assigned; ids grow from here (they also fit a 32-bit integer column). */
export const FIRST_CATE_ID = 1_000_000_001;

export interface CategoryRecord {
  cateId: number;
  cateName: string;
  parentId: number;
  level: number;
  type: 'default' | 'material';
  appId: string;
  creationTime: string;
  modificationTime: string;
}

export interface CategoryWithCount extends CategoryRecord {
  /** Direct children. */
  subTotal: number;
}

function fromRow(r: CategoriesTable): CategoryRecord {
  return {
    cateId: Number(r.cate_id),
    cateName: r.cate_name,
    parentId: Number(r.parent_id),
    level: r.level,
    type: r.type,
    appId: r.app_id,
    creationTime: r.creation_time,
    modificationTime: r.modification_time,
  };
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}

export function createCategoryStore(db: Db, options: { now?: () => Date } = {}) {
  const { kysely } = db;
  const now = () => (options.now?.() ?? new Date()).toISOString();

  return {
    /** Inserts with the next free CateId (two racing inserts: the loser takes the next one). */
    async insert(
      category: Pick<CategoryRecord, 'cateName' | 'parentId' | 'level' | 'type' | 'appId'>,
    ): Promise<CategoryRecord> {
      for (let attempt = 0; ; attempt++) {
        const max = await kysely
          .selectFrom('categories')
          .select((eb) => eb.fn.max('cate_id').as('max'))
          .executeTakeFirst();
        const time = now();
        const row: CategoriesTable = {
          cate_id: Math.max(FIRST_CATE_ID - 1, Number(max?.max ?? 0)) + 1,
          cate_name: category.cateName,
          parent_id: category.parentId,
          level: category.level,
          type: category.type,
          app_id: category.appId,
          creation_time: time,
          modification_time: time,
        };
        try {
          await kysely.insertInto('categories').values(row).execute();
          return fromRow(row);
        } catch (error) {
          if (attempt >= 4 || !isUniqueViolation(error)) throw error;
        }
      }
    },

    async find(cateId: number): Promise<CategoryRecord | undefined> {
      const row = await kysely
        .selectFrom('categories')
        .selectAll()
        .where('cate_id', '=', cateId)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async countChildren(parentId: number): Promise<number> {
      const row = await kysely
        .selectFrom('categories')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('parent_id', '=', parentId)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /** One page of the direct children of `parentId`, each with its own child count. */
    async children(query: {
      parentId: number;
      type?: 'default' | 'material';
      ascending: boolean;
      offset: number;
      limit: number;
    }): Promise<{ total: number; categories: CategoryWithCount[] }> {
      let base = kysely.selectFrom('categories').where('parent_id', '=', query.parentId);
      if (query.type) base = base.where('type', '=', query.type);
      const counted = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
      const direction = query.ascending ? 'asc' : 'desc';
      const rows = await base
        .selectAll('categories')
        .select((eb) =>
          eb
            .selectFrom('categories as child')
            .select((inner) => inner.fn.countAll<number | string>().as('n'))
            .whereRef('child.parent_id', '=', 'categories.cate_id')
            .as('sub_total'),
        )
        .orderBy('creation_time', direction)
        .orderBy('cate_id', direction)
        .offset(query.offset)
        .limit(query.limit)
        .execute();
      return {
        total: Number(counted?.n ?? 0),
        categories: rows.map((r) => ({ ...fromRow(r), subTotal: Number(r.sub_total ?? 0) })),
      };
    },

    async rename(cateId: number, cateName: string): Promise<boolean> {
      const result = await kysely
        .updateTable('categories')
        .set({ cate_name: cateName, modification_time: now() })
        .where('cate_id', '=', cateId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /**
     * Deletes the category and every descendant, and clears them from videos. Returns the ids
     * deleted (empty when the category did not exist).
     */
    async deleteTree(cateId: number): Promise<number[]> {
      return kysely.transaction().execute(async (trx) => {
        const ids: number[] = [];
        let level = (
          await trx.selectFrom('categories').select('cate_id').where('cate_id', '=', cateId).execute()
        ).map((r) => Number(r.cate_id));
        // At most three levels: a loop per level, not a recursive query, keeps one SQL for both dialects.
        while (level.length > 0) {
          ids.push(...level);
          level = (
            await trx.selectFrom('categories').select('cate_id').where('parent_id', 'in', level).execute()
          ).map((r) => Number(r.cate_id));
        }
        if (ids.length === 0) return ids;
        await trx.updateTable('videos').set({ cate_id: null }).where('cate_id', 'in', ids).execute();
        await trx.deleteFrom('categories').where('cate_id', 'in', ids).execute();
        return ids;
      });
    },
  };
}

export type CategoryStore = ReturnType<typeof createCategoryStore>;
