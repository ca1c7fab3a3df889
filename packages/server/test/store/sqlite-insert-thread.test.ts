/**
 * The SQLite insert thread (store/sqlite-insert-thread.ts) that writes the key-delivery audit
 * log's batches off the event loop: batches commit whole or not at all, the main connection sees
 * them, writes from both connections interleave, a thread that cannot run fails its batches
 * (the log then writes in-thread and loses nothing), close lets sent batches finish, and an idle
 * thread stops until the next batch.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createKeyDeliveryLog } from '../../src/keys/key-delivery-log.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { SqliteInsertThread } from '../../src/store/sqlite-insert-thread.js';

const root = await mkdtemp(join(tmpdir(), 'securevod-insert-thread-'));
after(() => rm(root, { recursive: true, force: true }));
let counter = 0;

async function freshDb() {
  const db = await openDatabase({ sqlitePath: join(root, `db-${++counter}`, 'securevod.sqlite') });
  if (db.native.dialect === 'sqlite')
    db.native.database.exec('create table t (id integer primary key, v text not null)');
  return db;
}

const rowsOf = (db: Awaited<ReturnType<typeof freshDb>>) =>
  db.native.dialect === 'sqlite'
    ? (db.native.database.prepare('select id, v from t order by id').all() as Array<{
        id: number;
        v: string;
      }>)
    : [];

describe('SQLite insert thread', () => {
  it('commits each batch whole, visible to the main connection, interleaved with its writes', async () => {
    const db = await freshDb();
    const path = db.native.dialect === 'sqlite' ? db.native.database.name : '';
    const thread = new SqliteInsertThread(path, 'insert into t (id, v) values (?, ?)');
    try {
      await thread.insert([
        [1, 'one'],
        [2, 'two ✓ "quoted"\n\ttabbed'],
      ]);
      if (db.native.dialect === 'sqlite')
        db.native.database.prepare('insert into t values (3, ?)').run('main');
      await Promise.all([thread.insert([[4, 'four']]), thread.insert([[5, 'five']])]);
      assert.deepEqual(
        rowsOf(db).map((r) => r.v),
        ['one', 'two ✓ "quoted"\n\ttabbed', 'main', 'four', 'five'],
      );

      // A batch SQLite refuses (a duplicate id) keeps none of its rows, and the thread goes on.
      await assert.rejects(
        thread.insert([
          [6, 'six'],
          [1, 'again'],
        ]),
        /SQLite insert failed: .*UNIQUE/,
      );
      assert.equal(rowsOf(db).length, 5);
      assert.equal(thread.usable, true);
      await thread.insert([[6, 'six']]);
      assert.equal(rowsOf(db).length, 6);
    } finally {
      await thread.close();
      await db.close();
    }
    assert.equal(thread.usable, false);
    await assert.rejects(thread.insert([[7, 'seven']]), /closed/);
  });

  it('stops when idle and starts again for the next batch', async () => {
    const db = await freshDb();
    const path = db.native.dialect === 'sqlite' ? db.native.database.name : '';
    const thread = new SqliteInsertThread(path, 'insert into t (id, v) values (?, ?)', { idleMs: 50 });
    try {
      assert.equal(thread.running, false, 'no thread before the first batch');
      await thread.insert([[1, 'one']]);
      assert.equal(thread.running, true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(thread.running, false, 'stopped after idleMs');
      assert.equal(thread.usable, true);
      await thread.insert([[2, 'two']]);
      assert.deepEqual(
        rowsOf(db).map((r) => r.v),
        ['one', 'two'],
      );
    } finally {
      await thread.close();
      await db.close();
    }
  });

  it('a thread that cannot open its file fails its batches and says so', async () => {
    const thread = new SqliteInsertThread(
      join(root, 'missing', 'nothing.sqlite'),
      'insert into t values (?, ?)',
    );
    await assert.rejects(thread.insert([[1, 'x']]));
    assert.equal(thread.usable, false);
    await thread.close();
  });

  it('the key-delivery log on a file writes through the thread and flushes on close', async () => {
    const db = await openDatabase({ sqlitePath: join(root, `db-${++counter}`, 'securevod.sqlite') });
    await migrateToLatest(db);
    const log = createKeyDeliveryLog(db, { flushMs: 60_000, maxBuffer: 1000 });
    try {
      for (let n = 0; n < 50; n++) {
        log.record({
          videoId: 'v',
          streamId: 's',
          period: n,
          scheme: 'aes-128',
          clientIp: '127.0.0.1',
          credential: 'media-token',
          viewerId: null,
          userAgent: 'ua',
        });
      }
      const before = db.statements.snapshot().insert;
      const { total, deliveries } = await log.query({ limit: 100, offset: 0 });
      assert.equal(total, 50);
      assert.equal(new Set(deliveries.map((d) => d.id)).size, 50, 'every row has its own id');
      assert.equal(db.statements.snapshot().insert - before, 50, 'each row counted as an insert');
    } finally {
      await log.close();
      await db.close();
    }
  });
});
