import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/database.js';
import { createDownloadSecretStore } from '../../src/store/download-secret-store.js';
import { migrateToLatest, migrations } from '../../src/store/migrator.js';
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
        Object.values(
          (await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(db.kysely)).rows[0]!,
        )[0];
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
    await createDownloadSecretStore(first).create({
      appIdentification: 'ios:a.b',
      secretCiphertext: 'x',
      kmsKeyId: 'k',
    });
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

  it('lets several processes migrate and number versions in one file at once', async () => {
    const path = freshPath();
    const source = (file: string) =>
      pathToFileURL(fileURLToPath(new URL(`../../src/store/${file}`, import.meta.url))).href;
    const script = join(root, 'worker.mts');
    await writeFile(
      script,
      `import { openDatabase } from ${JSON.stringify(source('database.ts'))};
import { migrateToLatest } from ${JSON.stringify(source('migrator.ts'))};
import { createDownloadSecretStore } from ${JSON.stringify(source('download-secret-store.ts'))};
const db = await openDatabase({ sqlitePath: process.argv[2] });
const { applied } = await migrateToLatest(db);
const store = createDownloadSecretStore(db);
const versions = [];
for (let i = 0; i < 5; i++) versions.push((await store.create({ appIdentification: 'ios:a.b', secretCiphertext: 'x', kmsKeyId: 'k' })).version);
await db.close();
console.log(JSON.stringify({ applied, versions }));
`,
    );
    const run = promisify(execFile);
    const outputs = await Promise.all(
      [0, 1, 2].map(() =>
        run(process.execPath, ['--import', 'tsx', script, path], {
          cwd: fileURLToPath(new URL('.', import.meta.url)),
        }),
      ),
    );
    const results = outputs.map((o) => JSON.parse(o.stdout) as { applied: string[]; versions: number[] });
    assert.deepEqual(
      results.flatMap((r) => r.applied),
      Object.keys(migrations),
      'exactly one process applied each migration',
    );
    assert.deepEqual(
      results.flatMap((r) => r.versions).sort((a, b) => a - b),
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
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
    await assert.rejects(
      openDatabase({ url: 'mysql://user:hunter2@db/x' }),
      (e: Error) => !e.message.includes('hunter2'),
    );
  });
});
