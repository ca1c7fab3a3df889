/**
 * PostgreSQL connections that drop (a failover, a restarted server, an idle-connection killer):
 * the process must not crash, and the next query must work. The test kills only its own backend
 * connections, found by a unique application_name, with `pg_terminate_backend`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createSettingsStore } from '../../src/store/settings-store.js';
import { createVideoStore } from '../../src/store/video-store.js';
import { video } from '../contracts/catalogue-store-contract.js';
import { POSTGRES_URL, withPostgres } from '../support/postgres.js';

await withPostgres('PostgreSQL connection drops', 'securevod_drop_test', (newSchema) => {
  /** A database whose connections carry a unique application_name, and a way to kill them. */
  async function openTagged(): Promise<{
    db: Db;
    kill: () => Promise<number>;
    connections: () => Promise<number>;
  }> {
    const tag = `securevod-drop-${randomBytes(6).toString('hex')}`;
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('application_name', tag);
    const warnings: string[] = [];
    const db = await openDatabase({
      url: url.toString(),
      schema: newSchema(),
      logger: { debug() {}, warn: (_fields, message) => warnings.push(message) },
    });
    const admin = async <T>(body: (adminDb: Db) => Promise<T>): Promise<T> => {
      const adminDb = await openDatabase({ url: POSTGRES_URL });
      try {
        return await body(adminDb);
      } finally {
        await adminDb.close();
      }
    };
    return {
      db,
      kill: () =>
        admin(async (a) => {
          const { rows } = await sql<{ pid: number }>`
            select pg_terminate_backend(pid) as killed, pid from pg_stat_activity
            where application_name = ${tag}`.execute(a.kysely);
          return rows.length;
        }),
      connections: () =>
        admin(async (a) => {
          const { rows } = await sql<{ n: number }>`
            select count(*)::int as n from pg_stat_activity where application_name = ${tag}`.execute(
            a.kysely,
          );
          return rows[0]!.n;
        }),
    };
  }

  describe('PostgreSQL connection drops', () => {
    it('survives its idle pooled connections being terminated: no crash, the next query works', async () => {
      const { db, kill, connections } = await openTagged();
      try {
        await migrateToLatest(db);
        const settings = createSettingsStore(db);
        // Several pooled connections at once.
        await Promise.all(Array.from({ length: 4 }, (_, i) => settings.set(`k${i}`, i)));
        assert.ok((await connections()) >= 1);
        assert.ok((await kill()) >= 1);
        await new Promise((resolve) => setTimeout(resolve, 100)); // let the pool see the errors
        assert.equal(await settings.get('k3'), 3);
        await settings.set('after', true);
        assert.equal(await settings.get('after'), true);
      } finally {
        await db.close();
      }
    });

    it('runs a statement whose connection is terminated mid-query again on a fresh connection', async () => {
      const { db, kill } = await openTagged();
      try {
        await migrateToLatest(db);
        // Outside a transaction PostgreSQL aborted the statement (57P01), so running it again is safe.
        const slow = sql<{ n: number }>`select 7 as n from pg_sleep(1)`.execute(db.kysely);
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.ok((await kill()) >= 1);
        assert.deepEqual((await slow).rows, [{ n: 7 }]);
        const videos = createVideoStore(db);
        await videos.insert(video('v-after-drop'));
        assert.equal((await videos.find('v-after-drop'))?.videoId, 'v-after-drop');
      } finally {
        await db.close();
      }
    });

    it('answers the first query after every pooled connection was killed while idle', async () => {
      const { db, kill } = await openTagged();
      try {
        await migrateToLatest(db);
        const settings = createSettingsStore(db);
        await Promise.all(Array.from({ length: 3 }, (_, i) => settings.set(`k${i}`, i)));
        assert.ok((await kill()) >= 1);
        // No pause: the pool has not yet noticed that its idle connections are gone.
        assert.deepEqual(
          await Promise.all([settings.get('k0'), settings.get('k1'), settings.get('k2')]),
          [0, 1, 2],
        );
      } finally {
        await db.close();
      }
    });

    it('rolls back a transaction whose connection dies, and the store keeps working', async () => {
      const { db, kill } = await openTagged();
      try {
        await migrateToLatest(db);
        const settings = createSettingsStore(db);
        await settings.set('kept', 'before');
        const transaction = db.kysely.transaction().execute(async (trx) => {
          await trx.updateTable('settings').set({ value: '"changed"' }).where('key', '=', 'kept').execute();
          await sql`select pg_sleep(10)`.execute(trx);
        });
        const failed = assert.rejects(transaction);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await kill();
        await failed;
        assert.equal(await settings.get('kept'), 'before');
      } finally {
        await db.close();
      }
    });
  });
});
