/**
 * Account-wide settings (download switch and mode, callback configuration, …) as JSON values
 * under string keys. The meaning and validation of each key belongs to its caller; this store
 * only persists them.
 */
import type { Db } from './database.js';

export interface SettingsStore {
  /** The parsed value, or undefined if the key was never set. Not validated: `T` is the caller's claim. */
  get<T>(key: string): Promise<T | undefined>;
  /** Insert or replace. `value` must be JSON-serialisable. */
  set(key: string, value: unknown): Promise<void>;
  /** Insert unless the key exists; returns the stored value (ours, or the one that won a race). */
  setIfAbsent<T>(key: string, value: T): Promise<T>;
}

export function createSettingsStore(db: Db): SettingsStore {
  const { kysely } = db;
  return {
    async get<T>(key: string) {
      const row = await kysely
        .selectFrom('settings')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirst();
      return row === undefined ? undefined : (JSON.parse(row.value) as T);
    },

    async set(key, value) {
      const json = JSON.stringify(value) as string | undefined;
      if (json === undefined)
        throw new TypeError(`Setting "${key}" must be a JSON value, not ${typeof value}`);
      // ON CONFLICT … DO UPDATE reads the same on SQLite (≥ 3.24) and PostgreSQL.
      await kysely
        .insertInto('settings')
        .values({ key, value: json })
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
        .execute();
    },

    async setIfAbsent<T>(key: string, value: T) {
      const json = JSON.stringify(value) as string | undefined;
      if (json === undefined)
        throw new TypeError(`Setting "${key}" must be a JSON value, not ${typeof value}`);
      await kysely
        .insertInto('settings')
        .values({ key, value: json })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await kysely
        .selectFrom('settings')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      return JSON.parse(row.value) as T;
    },
  };
}
