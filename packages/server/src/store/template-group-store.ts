/** Transcode template groups (reference §2.10–2.12). Templates are stored as JSON text. */
import type { TranscodeTemplate } from '../templates/transcode-template.js';
import type { TemplateGroupsTable } from './catalogue-schema.js';
import type { Db } from './database.js';

export interface TemplateGroupRecord {
  templateGroupId: string;
  name: string;
  isDefault: boolean;
  locked: boolean;
  special: 'no-transcode' | null;
  appId: string;
  templates: TranscodeTemplate[];
  creationTime: string;
  modifyTime: string;
}

function fromRow(row: TemplateGroupsTable): TemplateGroupRecord {
  return {
    templateGroupId: row.template_group_id,
    name: row.name,
    isDefault: row.is_default === 1,
    locked: row.locked === 1,
    special: row.special === 'no-transcode' ? 'no-transcode' : null,
    appId: row.app_id,
    templates: JSON.parse(row.templates) as TranscodeTemplate[],
    creationTime: row.creation_time,
    modifyTime: row.modify_time,
  };
}

export function createTemplateGroupStore(db: Db, options: { now?: () => Date } = {}) {
  const { kysely } = db;
  const now = () => (options.now?.() ?? new Date()).toISOString();
  return {
    async insert(
      group: Omit<TemplateGroupRecord, 'creationTime' | 'modifyTime'>,
    ): Promise<TemplateGroupRecord> {
      const time = now();
      const row: TemplateGroupsTable = {
        template_group_id: group.templateGroupId,
        name: group.name,
        is_default: group.isDefault ? 1 : 0,
        locked: group.locked ? 1 : 0,
        special: group.special,
        app_id: group.appId,
        templates: JSON.stringify(group.templates),
        creation_time: time,
        modify_time: time,
      };
      await kysely.insertInto('template_groups').values(row).execute();
      return fromRow(row);
    },

    async find(id: string): Promise<TemplateGroupRecord | undefined> {
      const row = await kysely
        .selectFrom('template_groups')
        .selectAll()
        .where('template_group_id', '=', id)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async list(appId?: string): Promise<TemplateGroupRecord[]> {
      let query = kysely.selectFrom('template_groups').selectAll();
      if (appId) query = query.where('app_id', '=', appId);
      const rows = await query.orderBy('creation_time').orderBy('template_group_id').execute();
      return rows.map(fromRow);
    },

    async findDefault(appId: string): Promise<TemplateGroupRecord | undefined> {
      const row = await kysely
        .selectFrom('template_groups')
        .selectAll()
        .where('app_id', '=', appId)
        .where('is_default', '=', 1)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async update(
      id: string,
      patch: { name?: string; locked?: boolean; templates?: TranscodeTemplate[] },
    ): Promise<boolean> {
      const result = await kysely
        .updateTable('template_groups')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.locked !== undefined ? { locked: patch.locked ? 1 : 0 } : {}),
          ...(patch.templates !== undefined ? { templates: JSON.stringify(patch.templates) } : {}),
          modify_time: now(),
        })
        .where('template_group_id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Makes `id` the only default group of its app, atomically. */
    async setDefault(id: string, appId: string): Promise<void> {
      await kysely.transaction().execute(async (trx) => {
        await trx.updateTable('template_groups').set({ is_default: 0 }).where('app_id', '=', appId).execute();
        await trx
          .updateTable('template_groups')
          .set({ is_default: 1, modify_time: now() })
          .where('template_group_id', '=', id)
          .execute();
      });
    },

    async delete(id: string): Promise<boolean> {
      const result = await kysely
        .deleteFrom('template_groups')
        .where('template_group_id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type TemplateGroupStore = ReturnType<typeof createTemplateGroupStore>;
