/**
 * The job-queue contract on SQLite (a fresh file per test), plus what only SQLite needs proving:
 * claims stay exclusive when several processes share one file.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { createDbJobQueue } from '../../src/jobs/db-job-queue.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { jobQueueContract, type JobQueueStore } from '../contracts/job-queue-contract.js';

const root = await mkdtemp(join(tmpdir(), 'securevod-jobs-sqlite-'));
after(() => rm(root, { recursive: true, force: true }));
let counter = 0;
const freshPath = () => join(root, `db-${++counter}`, 'securevod.sqlite');

async function migratedFile(): Promise<string> {
  const path = freshPath();
  const db = await openDatabase({ sqlitePath: path });
  try {
    await migrateToLatest(db);
  } finally {
    await db.close();
  }
  return path;
}

jobQueueContract('SQLite', async (): Promise<JobQueueStore> => {
  const path = await migratedFile();
  return {
    async connect({ now, retryPolicies }) {
      const db = await openDatabase({ sqlitePath: path });
      const queue = createDbJobQueue(db, { now, retryPolicies });
      return {
        queue,
        close: async () => {
          await queue.close();
          await db.close();
        },
      };
    },
    // The directory is removed after all tests.
    async destroy() {},
  };
});

describe('SQLite job queue specifics', () => {
  it('creates the jobs table with its (status, run_at) index', async () => {
    const db = await openDatabase({ sqlitePath: await migratedFile() });
    try {
      const { rows } = await sql<{ sql: string }>`
        select sql from sqlite_master where type = 'index' and name = 'jobs_status_run_at_idx'`.execute(
        db.kysely,
      );
      assert.match(rows[0]?.sql ?? '', /on "jobs" \("status", "run_at"\)/i);
    } finally {
      await db.close();
    }
  });

  it('applies the default maxAttempts of the retry policy for the type', async () => {
    const db = await openDatabase({ sqlitePath: await migratedFile() });
    try {
      const queue = createDbJobQueue(db, {
        retryPolicies: { transcode: { maxAttempts: 7, baseDelayMs: 1, maxDelayMs: 1 } },
        idFactory: (() => {
          let n = 0;
          return () => `job-${++n}`;
        })(),
      });
      const t = await queue.enqueue('transcode', { videoId: 'v', templateGroupId: 'g', jobId: 'j' });
      const c = await queue.enqueue('callback', { url: 'http://127.0.0.1:9/', body: {}, signed: false });
      assert.deepEqual([t, c], ['job-1', 'job-2']);
      assert.equal((await queue.get(t))?.maxAttempts, 7);
      assert.equal((await queue.get(c))?.maxAttempts, 3);
    } finally {
      await db.close();
    }
  });

  it('never hands one job to two processes claiming from one file at once', async () => {
    const path = await migratedFile();
    const total = 90;
    const db = await openDatabase({ sqlitePath: path });
    try {
      const queue = createDbJobQueue(db);
      for (let n = 0; n < total; n++) {
        await queue.enqueue('callback', { url: 'http://127.0.0.1:9/', body: { n }, signed: false });
      }
    } finally {
      await db.close();
    }

    const source = (file: string) =>
      pathToFileURL(fileURLToPath(new URL(`../../src/${file}`, import.meta.url))).href;
    const script = join(root, 'claimer.mts');
    await writeFile(
      script,
      `import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from ${JSON.stringify(source('store/database.ts'))};
import { createDbJobQueue } from ${JSON.stringify(source('jobs/db-job-queue.ts'))};
const [path, worker, startAt] = process.argv.slice(2);
const db = await openDatabase({ sqlitePath: path });
const queue = createDbJobQueue(db);
await sleep(Math.max(0, Number(startAt) - Date.now()));
const claimed = [];
for (let job; (job = await queue.claim(worker, ['callback'], 60_000)); ) {
  claimed.push(job.id);
  await sleep(3);
  if (!(await queue.complete(job.id, worker))) throw new Error('lost ' + job.id);
}
await db.close();
console.log(JSON.stringify(claimed));
`,
    );
    // Every process starts claiming at the same moment, after all have loaded.
    const startAt = Date.now() + 3000;
    const run = promisify(execFile);
    const outputs = await Promise.all(
      ['p1', 'p2', 'p3'].map((worker) =>
        run(process.execPath, ['--import', 'tsx', script, path, worker, String(startAt)], {
          cwd: fileURLToPath(new URL('.', import.meta.url)),
        }),
      ),
    );
    const perProcess = outputs.map((o) => JSON.parse(o.stdout) as string[]);
    const all = perProcess.flat();
    assert.equal(all.length, total, 'every job claimed');
    assert.equal(new Set(all).size, total, 'a job was handed to two processes');
    assert.ok(
      perProcess.filter((ids) => ids.length > 0).length >= 2,
      `claims did not overlap: ${perProcess.map((ids) => ids.length).join(', ')}`,
    );
  });
});
