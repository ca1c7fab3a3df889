/**
 * VOD applications (ram-sts.md §2.3) and the app policies granted to RAM identities on them.
 * The default app `app-1000000` (type System) is created by `ensureApp` at start-up.
 */
import type { Db } from './database.js';
import type { AppStatus, AppType, IdentityType, VodAppGrantsTable, VodAppsTable } from './access-schema.js';
import { isUniqueViolation, StoreError } from './store-error.js';

export interface VodAppRecord {
  appId: string;
  appName: string;
  description: string | null;
  type: AppType;
  status: AppStatus;
  creationTime: string;
  modificationTime: string;
}

export interface AppGrantRecord {
  identityType: IdentityType;
  identityId: string;
  /** `*` for VODAppAdministratorAccess. */
  appId: string;
  policyName: string;
  creationTime: string;
}

export interface Identity {
  identityType: IdentityType;
  identityId: string;
}

export type AppPatch = Partial<Pick<VodAppRecord, 'appName' | 'description' | 'status'>>;

export interface VodAppStore {
  /** Throws `StoreError('AlreadyExists')` if the id or the name is taken. */
  insert(app: Omit<VodAppRecord, 'creationTime' | 'modificationTime'>): Promise<VodAppRecord>;
  /** Inserts the app unless one with that id exists; returns the stored one. */
  ensure(app: Omit<VodAppRecord, 'creationTime' | 'modificationTime'>): Promise<VodAppRecord>;
  find(appId: string): Promise<VodAppRecord | undefined>;
  /** Oldest first; `status` filters. */
  list(options?: { status?: AppStatus }): Promise<VodAppRecord[]>;
  count(): Promise<number>;
  /** Throws `StoreError('AlreadyExists')` if the new name is taken. */
  update(appId: string, patch: AppPatch): Promise<boolean>;
  /** Deletes the app and every grant on it. */
  delete(appId: string): Promise<boolean>;

  /** Idempotent: granting twice keeps one grant. */
  grant(identity: Identity, appId: string, policyName: string): Promise<void>;
  revoke(identity: Identity, appId: string, policyName: string): Promise<boolean>;
  grantsOf(identity: Identity): Promise<AppGrantRecord[]>;
  /** Removes every grant of an identity (when the user or role is deleted). */
  revokeAll(identity: Identity): Promise<number>;
}

export function createVodAppStore(db: Db, options: { now?: () => Date } = {}): VodAppStore {
  const now = options.now ?? (() => new Date());
  const { kysely } = db;
  const find = async (appId: string) => {
    const row = await kysely
      .selectFrom('vod_apps')
      .selectAll()
      .where('app_id', '=', appId)
      .executeTakeFirst();
    return row && toApp(row);
  };
  const insert = async (app: Omit<VodAppRecord, 'creationTime' | 'modificationTime'>) => {
    const at = now().toISOString();
    const record: VodAppRecord = { ...app, creationTime: at, modificationTime: at };
    try {
      await kysely
        .insertInto('vod_apps')
        .values({
          app_id: app.appId,
          app_name: app.appName,
          description: app.description,
          type: app.type,
          status: app.status,
          creation_time: at,
          modification_time: at,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new StoreError('AlreadyExists', `App ${app.appId} or name ${app.appName} already exists`, {
          cause: error,
        });
      }
      throw error;
    }
    return record;
  };
  return {
    insert,
    find,

    async ensure(app) {
      const existing = await find(app.appId);
      if (existing) return existing;
      try {
        return await insert(app);
      } catch (error) {
        // Another process created it first.
        const raced = await find(app.appId);
        if (raced) return raced;
        throw error;
      }
    },

    async list(options = {}) {
      let query = kysely.selectFrom('vod_apps').selectAll();
      if (options.status !== undefined) query = query.where('status', '=', options.status);
      return (await query.orderBy('creation_time').orderBy('app_id').execute()).map(toApp);
    },

    async count() {
      const { n } = await kysely
        .selectFrom('vod_apps')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return n;
    },

    async update(appId, patch) {
      const set: Partial<VodAppsTable> = { modification_time: now().toISOString() };
      if (patch.appName !== undefined) set.app_name = patch.appName;
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.status !== undefined) set.status = patch.status;
      try {
        const result = await kysely
          .updateTable('vod_apps')
          .set(set)
          .where('app_id', '=', appId)
          .executeTakeFirst();
        return result.numUpdatedRows > 0n;
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new StoreError('AlreadyExists', `App name ${patch.appName} already exists`, { cause: error });
        }
        throw error;
      }
    },

    async delete(appId) {
      return kysely.transaction().execute(async (trx) => {
        await trx.deleteFrom('vod_app_grants').where('app_id', '=', appId).execute();
        const result = await trx.deleteFrom('vod_apps').where('app_id', '=', appId).executeTakeFirst();
        return result.numDeletedRows > 0n;
      });
    },

    async grant(identity, appId, policyName) {
      await kysely
        .insertInto('vod_app_grants')
        .values({
          identity_type: identity.identityType,
          identity_id: identity.identityId,
          app_id: appId,
          policy_name: policyName,
          creation_time: now().toISOString(),
        })
        .onConflict((oc) => oc.columns(['identity_type', 'identity_id', 'app_id', 'policy_name']).doNothing())
        .execute();
    },

    async revoke(identity, appId, policyName) {
      const result = await kysely
        .deleteFrom('vod_app_grants')
        .where('identity_type', '=', identity.identityType)
        .where('identity_id', '=', identity.identityId)
        .where('app_id', '=', appId)
        .where('policy_name', '=', policyName)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async grantsOf(identity) {
      const rows = await kysely
        .selectFrom('vod_app_grants')
        .selectAll()
        .where('identity_type', '=', identity.identityType)
        .where('identity_id', '=', identity.identityId)
        .orderBy('creation_time')
        .orderBy('app_id')
        .orderBy('policy_name')
        .execute();
      return rows.map(toGrant);
    },

    async revokeAll(identity) {
      const result = await kysely
        .deleteFrom('vod_app_grants')
        .where('identity_type', '=', identity.identityType)
        .where('identity_id', '=', identity.identityId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toApp(row: VodAppsTable): VodAppRecord {
  return {
    appId: row.app_id,
    appName: row.app_name,
    description: row.description,
    type: row.type,
    status: row.status,
    creationTime: row.creation_time,
    modificationTime: row.modification_time,
  };
}

function toGrant(row: VodAppGrantsTable): AppGrantRecord {
  return {
    identityType: row.identity_type,
    identityId: row.identity_id,
    appId: row.app_id,
    policyName: row.policy_name,
    creationTime: row.creation_time,
  };
}
