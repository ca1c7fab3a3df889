/**
 * Schema migrations (Kysely `Migrator`). The entry point calls `migrateToLatest(db)` at start,
 * before building stores; running it again is a no-op, and concurrent starts are serialised by
 * Kysely's migration lock.
 *
 * Migrations are imported here, not read from disk, so they travel with the code (no build step
 * or file layout to get wrong). To add one: create `migrations/NNNN-name.ts` and list it below;
 * names sort in the order they must run.
 */
import { Migrator, sql, type Migration } from 'kysely';
import type { Db } from './database.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-catalogue.js';
import * as m0003 from './migrations/0003-jobs.js';
import * as m0004 from './migrations/0004-key-deliveries.js';
import * as m0020 from './migrations/0020-categories.js';
import * as m0021 from './migrations/0021-url-uploads.js';
import * as m0022 from './migrations/0022-mezzanine-deleted.js';
import * as m0030 from './migrations/0030-postgres-column-types.js';
import * as m0035 from './migrations/0035-job-progress.js';
import * as m0040 from './migrations/0040-access-control.js';
import * as m0070 from './migrations/0070-images-snapshots.js';
import * as m0080 from './migrations/0080-trace-sessions.js';
import * as m0081 from './migrations/0081-traced-streams.js';
import * as m0085 from './migrations/0085-trace-extract-jobs.js';
import { StoreError } from './store-error.js';

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-initial': m0001,
  '0002-catalogue': m0002,
  '0003-jobs': m0003,
  '0004-key-deliveries': m0004,
  '0020-categories': m0020,
  '0021-url-uploads': m0021,
  '0022-mezzanine-deleted': m0022,
  '0030-postgres-column-types': m0030,
  '0035-job-progress': m0035,
  '0040-access-control': m0040,
  '0070-images-snapshots': m0070,
  '0080-trace-sessions': m0080,
  '0081-traced-streams': m0081,
  '0085-trace-extract-jobs': m0085,
};

export interface MigrationOutcome {
  /** Names of the migrations this call applied, in order; empty when already up to date. */
  readonly applied: string[];
}

/**
 * Brings the schema up to date. A failing migration is rolled back (both dialects run DDL in
 * transactions) and reported as `StoreError('MigrationFailed')` naming it.
 *
 * `options.migrations` replaces the built-in list; only tests need it.
 */
export async function migrateToLatest(
  db: Db,
  options: { migrations?: Readonly<Record<string, Migration>> } = {},
): Promise<MigrationOutcome> {
  const list = options.migrations ?? migrations;
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => ({ ...list }) },
    // Parallel branches own separate number ranges (e.g. 0040–0049), so a database may have run
    // a higher number before a lower one lands; apply the missing ones instead of refusing.
    allowUnorderedMigrations: true,
    // Kysely looks for its bookkeeping tables in every schema it can see unless told which one;
    // on PostgreSQL that would find another schema's tables, so name ours.
    ...(db.dialect === 'postgres' ? { migrationTableSchema: await currentSchema(db) } : {}),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const what = failed !== undefined ? `Database migration "${failed}" failed` : 'Database migration failed';
    throw new StoreError(
      'MigrationFailed',
      `${what}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

async function currentSchema(db: Db): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db.kysely);
  const schema = rows[0]?.schema;
  if (schema === null || schema === undefined) {
    throw new StoreError(
      'MigrationFailed',
      'Database migration failed: PostgreSQL has no current schema (check search_path and that the schema exists)',
    );
  }
  return schema;
}
