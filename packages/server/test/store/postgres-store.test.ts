/**
 * The metadata store contract on PostgreSQL, each test in its own throwaway schema.
 * URL: SECUREVOD_TEST_DATABASE_URL, else postgres://127.0.0.1:5432/test. Without a reachable
 * server this skips locally, but fails under CI=true, where PostgreSQL is part of the setup.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../../src/store/database.js';
import { POSTGRES_URL, withPostgres } from '../support/postgres.js';
import { createDownloadSecretStore } from '../../src/store/download-secret-store.js';
import { migrateToLatest, migrations } from '../../src/store/migrator.js';
import { StoreError } from '../../src/store/store-error.js';
import { metadataStoreContract } from '../contracts/metadata-store-contract.js';

await withPostgres('PostgreSQL metadata store', 'securevod_test', (newSchema) => {
  const url = POSTGRES_URL;
  metadataStoreContract('PostgreSQL', () => openDatabase({ url, schema: newSchema() }));

  describe('PostgreSQL specifics', () => {
    it('creates the schema and works only inside it', async () => {
      const schema = newSchema();
      const db = await openDatabase({ url, schema });
      try {
        assert.equal(db.dialect, 'postgres');
        await migrateToLatest(db);
        const { rows } = await sql<{ name: string }>`
          select table_name as name from information_schema.tables
          where table_schema = ${schema} order by table_name`.execute(db.kysely);
        const names = rows.map((r) => r.name);
        for (const table of [
          'access_keys',
          'download_secrets',
          'kysely_migration',
          'kysely_migration_lock',
          'settings',
          'videos',
          'jobs',
        ]) {
          assert.ok(names.includes(table), `table ${table} exists in the schema`);
        }
      } finally {
        await db.close();
      }
    });

    it('uses 64-bit sizes, double-precision measurements and byte-order text, as SQLite does', async () => {
      const db = await openDatabase({ url, schema: newSchema() });
      try {
        await migrateToLatest(db);
        const { rows } = await sql<{ table: string; column: string; type: string; collation: string | null }>`
          select table_name as table, column_name as column, data_type as type, collation_name as collation
          from information_schema.columns where table_schema = current_schema()`.execute(db.kysely);
        const column = (table: string, name: string) =>
          rows.find((r) => r.table === table && r.column === name);
        for (const [table, name] of [
          ['videos', 'file_size'],
          ['videos', 'source_size'],
          ['streams', 'size'],
        ]) {
          assert.equal(column(table!, name!)?.type, 'bigint', `${table}.${name}`);
        }
        for (const [table, name] of [
          ['videos', 'duration'],
          ['videos', 'fps'],
          ['streams', 'bitrate_kbps'],
        ]) {
          assert.equal(column(table!, name!)?.type, 'double precision', `${table}.${name}`);
        }
        for (const [table, name] of [
          ['videos', 'video_id'],
          ['videos', 'creation_time'],
          ['template_groups', 'template_group_id'],
          ['key_deliveries', 'delivered_at'],
          ['download_secrets', 'app_identification'],
        ]) {
          assert.equal(column(table!, name!)?.collation, 'C', `${table}.${name}`);
        }
      } finally {
        await db.close();
      }
    });

    it('migrates a second schema although the first already has migration tables', async () => {
      const [a, b] = [
        await openDatabase({ url, schema: newSchema() }),
        await openDatabase({ url, schema: newSchema() }),
      ];
      try {
        const all = Object.keys(migrations).length;
        assert.equal((await migrateToLatest(a)).applied.length, all);
        assert.equal((await migrateToLatest(b)).applied.length, all);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('numbers versions correctly across two pools (two servers)', async () => {
      const schema = newSchema();
      const dbs: Db[] = [await openDatabase({ url, schema }), await openDatabase({ url, schema })];
      try {
        await migrateToLatest(dbs[0]!);
        const stores = dbs.map((db) => createDownloadSecretStore(db));
        const created = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            stores[i % 2]!.create({ appIdentification: 'ios:a.b', secretCiphertext: `${i}`, kmsKeyId: 'k' }),
          ),
        );
        assert.deepEqual(
          created.map((c) => c.version).sort((x, y) => x - y),
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
      }
    });

    it('fails a query returning an int8 beyond 2^53 instead of rounding it, and stays usable', async () => {
      const db = await openDatabase({ url, schema: newSchema() });
      try {
        await assert.rejects(sql`select (2^60)::bigint as n`.execute(db.kysely), /exceeds 2\^53/);
        assert.deepEqual((await sql`select 2::bigint as n`.execute(db.kysely)).rows, [{ n: 2 }]);
      } finally {
        await db.close();
      }
    });

    it('refuses a schema name that is not a plain identifier', async () => {
      await assert.rejects(openDatabase({ url, schema: 'x"; drop table y; --' }), (error: unknown) => {
        assert.ok(error instanceof StoreError);
        assert.equal(error.code, 'InvalidConfiguration');
        return true;
      });
    });

    it('reports an unreachable server as Unavailable without the password', async () => {
      await assert.rejects(
        openDatabase({ url: 'postgres://someone:hunter2@127.0.0.1:1/nothing' }),
        (error: unknown) => {
          assert.ok(error instanceof StoreError);
          assert.equal(error.code, 'Unavailable');
          assert.match(
            error.message,
            /Cannot use PostgreSQL at postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nothing/,
          );
          assert.ok(!error.message.includes('hunter2'));
          return true;
        },
      );
    });
  });
});
