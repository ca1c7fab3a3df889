/**
 * The job-queue contract on PostgreSQL, each test in its own throwaway schema, plus proof that
 * claims skip rows another transaction has locked instead of waiting for them.
 * URL: SECUREVOD_TEST_DATABASE_URL, else postgres://127.0.0.1:5432/test. Without a reachable
 * server this skips locally, but fails under CI=true, where PostgreSQL is part of the setup.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createDbJobQueue } from '../../src/jobs/db-job-queue.js';
import { openDatabase, redactDatabaseUrl } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { jobQueueContract, type JobQueueStore } from '../contracts/job-queue-contract.js';

const url = process.env.SECUREVOD_TEST_DATABASE_URL || 'postgres://127.0.0.1:5432/test';
const schemas: string[] = [];

async function migratedSchema(): Promise<string> {
  const schema = `securevod_jobs_test_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  const db = await openDatabase({ url, schema });
  try {
    await migrateToLatest(db);
  } finally {
    await db.close();
  }
  return schema;
}

/** Probes through openDatabase itself, so the probe connects exactly as the tests will. */
async function reachable(): Promise<string | undefined> {
  try {
    await (await openDatabase({ url })).close();
    return undefined;
  } catch (error) {
    return error instanceof Error
      ? error.cause instanceof Error
        ? error.cause.message
        : error.message
      : String(error);
  }
}

const problem = await reachable();
if (problem !== undefined) {
  const message = `PostgreSQL at ${redactDatabaseUrl(url)} is not reachable (${problem}); set SECUREVOD_TEST_DATABASE_URL`;
  if (process.env.CI === 'true') {
    it('PostgreSQL job queue', () => assert.fail(`${message}. CI must run the PostgreSQL tests.`));
  } else {
    it('PostgreSQL job queue', { skip: message }, () => {});
  }
} else {
  after(async () => {
    const db = await openDatabase({ url });
    try {
      for (const schema of schemas)
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db.kysely);
    } finally {
      await db.close();
    }
  });

  jobQueueContract('PostgreSQL', async (): Promise<JobQueueStore> => {
    const schema = await migratedSchema();
    return {
      async connect({ now }) {
        const db = await openDatabase({ url, schema });
        const queue = createDbJobQueue(db, { now });
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
}
