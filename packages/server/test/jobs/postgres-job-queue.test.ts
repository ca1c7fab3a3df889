/**
 * The job-queue contract on PostgreSQL, each test in its own throwaway schema, plus proof that
 * claims skip rows another transaction has locked instead of waiting for them.
 * URL: SECUREVOD_TEST_DATABASE_URL, else postgres://127.0.0.1:5432/test. Without a reachable
 * server this skips locally, but fails under CI=true, where PostgreSQL is part of the setup.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createDbJobQueue } from '../../src/jobs/db-job-queue.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { jobQueueContract, type JobQueueStore } from '../contracts/job-queue-contract.js';
import { POSTGRES_URL, withPostgres } from '../support/postgres.js';

await withPostgres('PostgreSQL job queue', 'securevod_jobs_test', (newSchema) => {
  const url = POSTGRES_URL;
  async function migratedSchema(): Promise<string> {
    const schema = newSchema();
    const db = await openDatabase({ url, schema });
    try {
      await migrateToLatest(db);
    } finally {
      await db.close();
    }
    return schema;
  }

  jobQueueContract('PostgreSQL', async (): Promise<JobQueueStore> => {
    const schema = await migratedSchema();
    return {
      async connect({ now, retryPolicies }) {
        const db = await openDatabase({ url, schema });
        const queue = createDbJobQueue(db, { now, retryPolicies });
        return {
          queue,
          close: async () => {
            await queue.close();
            await db.close();
          },
        };
      },
      // Schemas are dropped after all tests.
      async destroy() {},
    };
  });

  describe('PostgreSQL job queue specifics', () => {
    it('skips a job another transaction has locked instead of waiting for it', async () => {
      const schema = await migratedSchema();
      const [producer, locker] = [await openDatabase({ url, schema }), await openDatabase({ url, schema })];
      try {
        const queue = createDbJobQueue(producer);
        const first = await queue.enqueue(
          'callback',
          { url: 'http://127.0.0.1:9/', body: {}, signed: false },
          {
            priority: 1,
          },
        );
        const second = await queue.enqueue('callback', {
          url: 'http://127.0.0.1:9/',
          body: {},
          signed: false,
        });

        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => (locked = resolve));
        const transaction = locker.kysely.transaction().execute(async (trx) => {
          await sql`select id from jobs where id = ${first} for update`.execute(trx);
          locked();
          await held;
        });
        await isLocked;
        try {
          const claimed = await Promise.race([
            queue.claim('w1', ['callback'], 60_000),
            new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 3000).unref()),
          ]);
          if (claimed === 'blocked') assert.fail('claim waited for the locked row');
          assert.equal(claimed?.id, second, 'the locked, higher-priority job was skipped');
        } finally {
          release();
          await transaction;
        }
        assert.equal((await queue.claim('w2', ['callback'], 60_000))?.id, first, 'claimable once unlocked');
      } finally {
        await Promise.all([producer.close(), locker.close()]);
      }
    });
  });
});
