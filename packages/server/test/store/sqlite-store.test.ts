import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/database.js';
import { createDownloadSecretStore } from '../../src/store/download-secret-store.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { StoreError } from '../../src/store/store-error.js';
import { metadataStoreContract } from '../contracts/metadata-store-contract.js';

const root = await mkdtemp(join(tmpdir(), 'securevod-sqlite-'));
after(() => rm(root, { recursive: true, force: true }));
let counter = 0;
const freshPath = () => join(root, `db-${++counter}`, 'securevod.sqlite');

metadataStoreContract('SQLite', () => openDatabase({ sqlitePath: freshPath() }));

describe('SQLite specifics', () => {
  it('opens in WAL mode with a busy timeout and foreign keys on', async () => {
    const db = await openDatabase({ sqlitePath: freshPath() });
    try {
      const pragma = async (name: string) =>
        Object.values((await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(db.kysely)).rows[0]!)[0];
      assert.equal(db.dialect, 'sqlite');
      assert.equal(await pragma('journal_mode'), 'wal');
      assert.equal(await pragma('busy_timeout'), 5000);
      assert.equal(await pragma('foreign_keys'), 1);
    } finally {
      await db.close();
    }
  });

  it('keeps data across reopening the file, and closing twice is harmless', async () => {
    const path = freshPath();
    const first = await openDatabase({ sqlitePath: path });
    await migrateToLatest(first);
    await createDownloadSecretStore(first).create({ appIdentification: 'ios:a.b', secretCiphertext: 'x', kmsKeyId: 'k' });
    await first.close();
    await first.close();
    const second = await openDatabase({ sqlitePath: path });
    try {
      assert.deepEqual((await migrateToLatest(second)).applied, []);
      assert.equal((await createDownloadSecretStore(second).latestActive('ios:a.b'))?.version, 1);
    } finally {
      await second.close();
    }
  });

  it('numbers versions correctly with two connections to one file', async () => {
    const path = freshPath();
    const [a, b] = [await openDatabase({ sqlitePath: path }), await openDatabase({ sqlitePath: path })];
    try {
      await migrateToLatest(a);
      const stores = [createDownloadSecretStore(a), createDownloadSecretStore(b)];
      const created = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          stores[i % 2]!.create({ appIdentification: 'ios:a.b', secretCiphertext: `${i}`, kmsKeyId: 'k' }),
        ),
      );
      assert.deepEqual(
        created.map((c) => c.version).sort((x, y) => x - y),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses missing or unsupported configuration with a clear error', async () => {
    const refused = async (options: Parameters<typeof openDatabase>[0], pattern: RegExp) =>
      assert.rejects(openDatabase(options), (error: unknown) => {
        assert.ok(error instanceof StoreError);
        assert.equal(error.code, 'InvalidConfiguration');
        assert.match(error.message, pattern);
        return true;
      });
    await refused({}, /No database configured/);
    await refused({ url: 'mysql://user:hunter2@db/x' }, /Unsupported database URL scheme "mysql"/);
    await refused({ sqlitePath: freshPath(), schema: 'x' }, /only be chosen for PostgreSQL/);
    // The password must not be echoed.
    await assert.rejects(openDatabase({ url: 'mysql://user:hunter2@db/x' }), (e: Error) => !e.message.includes('hunter2'));
  });
});
