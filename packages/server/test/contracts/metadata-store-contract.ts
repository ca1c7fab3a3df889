/**
 * Conformance suite of the metadata store: migrations and every store on the metadata database
 * (access keys, download secrets, settings here; videos, streams, template groups and upload
 * credentials in catalogue-store-contract.ts; the key-delivery log in
 * key-delivery-log-contract.ts; RAM users, policies, roles and apps in access-store-contract.ts),
 * run against each database the server supports. `makeDb` opens
 * a fresh, empty database (a new SQLite file, a new PostgreSQL schema); the suite migrates and
 * closes it. The job queue, which lives in the same database, has its own contract
 * (job-queue-contract.ts), run on both engines by test/jobs/.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { createAccessKeyStore, type AccessKeyRecord } from '../../src/store/access-key-store.js';
import type { Db } from '../../src/store/database.js';
import { createDownloadSecretStore } from '../../src/store/download-secret-store.js';
import { migrateToLatest, migrations } from '../../src/store/migrator.js';
import { createSettingsStore } from '../../src/store/settings-store.js';
import { StoreError } from '../../src/store/store-error.js';
import { accessStoreContract } from './access-store-contract.js';
import { catalogueStoreContract } from './catalogue-store-contract.js';
import { traceStoreContract } from './trace-store-contract.js';
import { keyDeliveryLogContract } from './key-delivery-log-contract.js';
import { videoEncryptionContract } from './video-encryption-contract.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const APP = 'android:BB:0D:AC:74:D3:21:E1:43:07:71:9B:62:90:AF:A1:66:6E:44:5D:75';
const OTHER_APP = 'ios:com.example.player';

export function metadataStoreContract(name: string, makeDb: () => Promise<Db>): void {
  describe(`metadata store contract: ${name}`, () => {
    async function withDb(
      body: (db: Db) => Promise<void>,
      options: { migrate?: boolean } = {},
    ): Promise<void> {
      const db = await makeDb();
      try {
        if (options.migrate !== false) await migrateToLatest(db);
        await body(db);
      } finally {
        await db.close();
      }
    }

    describe('migrations', () => {
      it('apply once, then are a no-op', () =>
        withDb(
          async (db) => {
            const first = await migrateToLatest(db);
            assert.deepEqual(first.applied, Object.keys(migrations));
            const second = await migrateToLatest(db);
            assert.deepEqual(second.applied, []);
            // The tables exist and are empty.
            assert.deepEqual(await db.kysely.selectFrom('access_keys').selectAll().execute(), []);
            assert.deepEqual(await db.kysely.selectFrom('download_secrets').selectAll().execute(), []);
            assert.deepEqual(await db.kysely.selectFrom('settings').selectAll().execute(), []);
          },
          { migrate: false },
        ));

      it('run concurrently without applying anything twice', () =>
        withDb(
          async (db) => {
            const results = await Promise.all([
              migrateToLatest(db),
              migrateToLatest(db),
              migrateToLatest(db),
            ]);
            assert.deepEqual(
              results.flatMap((r) => r.applied),
              Object.keys(migrations),
            );
          },
          { migrate: false },
        ));

      it('report a failing migration by name and roll it back', () =>
        withDb(async (db) => {
          const broken = {
            ...migrations,
            '9999-broken': {
              async up(kysely: Kysely<unknown>) {
                await kysely.schema.createTable('half_done').addColumn('id', 'integer').execute();
                await sql`select * from no_such_table`.execute(kysely);
              },
            },
          };
          await assert.rejects(migrateToLatest(db, { migrations: broken }), (error: unknown) => {
            assert.ok(error instanceof StoreError);
            assert.equal(error.code, 'MigrationFailed');
            assert.match(error.message, /"9999-broken" failed/);
            return true;
          });
          const tables = await db.kysely.introspection.getTables();
          assert.ok(!tables.some((t) => t.name === 'half_done'), 'the failed migration left a table behind');
          assert.deepEqual((await migrateToLatest(db)).applied, []);
        }));
    });

    describe('types', () => {
      it('returns integers beyond 2^31 and counts as JS numbers', () =>
        withDb(async (db) => {
          const big = 2 ** 40 + 3;
          const row = await db.kysely
            .selectNoFrom((eb) => eb.cast<number>(eb.val(big), 'bigint').as('n'))
            .executeTakeFirstOrThrow();
          assert.equal(row.n, big);
          const count = await db.kysely
            .selectFrom('settings')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow();
          assert.equal(count.n, 0);
        }));
    });

    describe('access keys', () => {
      const key = (id: string, overrides: Partial<AccessKeyRecord> = {}): AccessKeyRecord => ({
        accessKeyId: id,
        secretCiphertext: `blob-of-${id}`,
        kmsKeyId: 'local/master',
        status: 'Active',
        isRoot: false,
        description: null,
        createdAt: '2026-11-22T17:46:27.123Z',
        userId: null,
        ...overrides,
      });

      it('inserts, finds and lists in creation order, as camelCase records', () =>
        withDb(async (db) => {
          const store = createAccessKeyStore(db);
          const root = key('SVAKROOT', {
            isRoot: true,
            description: 'root',
            createdAt: '2026-01-01T00:00:00.000Z',
          });
          assert.deepEqual(await store.insert(root), root);
          const other = key('SVAKOTHER', { createdAt: '2026-02-01T00:00:00.000Z' });
          await store.insert(other);
          assert.deepEqual(await store.find('SVAKROOT'), root);
          assert.deepEqual(await store.find('SVAKOTHER'), other);
          assert.deepEqual(await store.list(), [root, other]);
        }));

      it('defaults createdAt to now, as ISO-8601 UTC', () =>
        withDb(async (db) => {
          const store = createAccessKeyStore(db, { now: () => new Date('2026-11-22T17:46:27.123Z') });
          const { createdAt: _ignored, ...input } = key('SVAKNOW');
          const inserted = await store.insert(input);
          assert.equal(inserted.createdAt, '2026-11-22T17:46:27.123Z');
          assert.equal((await store.find('SVAKNOW'))?.createdAt, '2026-11-22T17:46:27.123Z');
          const real = await createAccessKeyStore(db).insert({ ...input, accessKeyId: 'SVAKREAL' });
          assert.match(real.createdAt, ISO);
        }));

      it('refuses a duplicate id with AlreadyExists', () =>
        withDb(async (db) => {
          const store = createAccessKeyStore(db);
          await store.insert(key('SVAKDUP'));
          await assert.rejects(
            store.insert(key('SVAKDUP', { secretCiphertext: 'other' })),
            (error: unknown) => {
              assert.ok(error instanceof StoreError);
              assert.equal(error.code, 'AlreadyExists');
              return true;
            },
          );
          assert.equal((await store.find('SVAKDUP'))?.secretCiphertext, 'blob-of-SVAKDUP');
        }));

      it('sets the status of one key and reports unknown ids', () =>
        withDb(async (db) => {
          const store = createAccessKeyStore(db);
          await store.insert(key('SVAKA'));
          await store.insert(key('SVAKB'));
          assert.equal(await store.setStatus('SVAKA', 'Inactive'), true);
          assert.equal((await store.find('SVAKA'))?.status, 'Inactive');
          assert.equal((await store.find('SVAKB'))?.status, 'Active');
          assert.equal(await store.setStatus('SVAKA', 'Active'), true);
          assert.equal((await store.find('SVAKA'))?.status, 'Active');
          assert.equal(await store.setStatus('SVAKNONE', 'Inactive'), false);
          assert.equal(await store.find('SVAKNONE'), undefined);
        }));

      it('lists nothing on an empty database', () =>
        withDb(async (db) => {
          assert.deepEqual(await createAccessKeyStore(db).list(), []);
        }));
    });

    describe('download secrets', () => {
      const input = (n: number, app = APP) => ({
        appIdentification: app,
        secretCiphertext: `blob-${n}`,
        kmsKeyId: 'local/master',
      });

      it('numbers versions per app from 1 and finds each', () =>
        withDb(async (db) => {
          const store = createDownloadSecretStore(db, { now: () => new Date('2026-11-22T17:46:27.123Z') });
          assert.deepEqual(await store.create(input(1)), {
            version: 1,
            createdAt: '2026-11-22T17:46:27.123Z',
          });
          assert.equal((await store.create(input(2))).version, 2);
          assert.equal((await store.create(input(3, OTHER_APP))).version, 1);
          assert.equal((await store.create(input(4))).version, 3);
          assert.deepEqual(await store.find(APP, 2), {
            appIdentification: APP,
            version: 2,
            secretCiphertext: 'blob-2',
            kmsKeyId: 'local/master',
            status: 'Active',
            createdAt: '2026-11-22T17:46:27.123Z',
            revokedAt: null,
          });
          assert.equal((await store.find(OTHER_APP, 1))?.secretCiphertext, 'blob-3');
        }));

      it('gives 10 concurrent creates for one app the versions 1..10, each once', () =>
        withDb(async (db) => {
          const store = createDownloadSecretStore(db);
          const created = await Promise.all([
            ...Array.from({ length: 10 }, (_, i) => store.create(input(i))),
            store.create(input(99, OTHER_APP)),
          ]);
          const versions = created.slice(0, 10).map((c) => c.version);
          assert.deepEqual(
            [...versions].sort((a, b) => a - b),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
          );
          assert.equal(created[10]!.version, 1);
          // Each version holds the blob of the call that was told that version.
          for (const [i, c] of created.slice(0, 10).entries()) {
            assert.equal((await store.find(APP, c.version))?.secretCiphertext, `blob-${i}`);
            assert.match(c.createdAt, ISO);
          }
          const listed = await store.list(APP);
          assert.deepEqual(
            listed.map((r) => r.version),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
          );
        }));

      it('revokes a version once, keeps it listed, and falls back to the latest active one', () =>
        withDb(async (db) => {
          let clock = new Date('2026-11-22T10:00:00.000Z');
          const store = createDownloadSecretStore(db, { now: () => clock });
          for (let i = 1; i <= 3; i++) await store.create(input(i));
          assert.equal((await store.latestActive(APP))?.version, 3);

          clock = new Date('2026-11-23T10:00:00.000Z');
          assert.equal(await store.revoke(APP, 3), true);
          assert.equal(await store.revoke(APP, 3), false, 'already revoked');
          const revoked = await store.find(APP, 3);
          assert.equal(revoked?.status, 'Revoked');
          assert.equal(revoked?.revokedAt, '2026-11-23T10:00:00.000Z');
          assert.equal((await store.latestActive(APP))?.version, 2);

          assert.equal(await store.revoke(APP, 1), true);
          assert.equal(await store.revoke(APP, 2), true);
          assert.equal(await store.latestActive(APP), undefined);
          assert.deepEqual(
            (await store.list(APP)).map((r) => [r.version, r.status]),
            [
              [1, 'Revoked'],
              [2, 'Revoked'],
              [3, 'Revoked'],
            ],
          );
          // A revoked version is never handed out again.
          assert.equal((await store.create(input(4))).version, 4);
          assert.equal((await store.latestActive(APP))?.version, 4);
        }));

      it('lists apps sorted, each once', () =>
        withDb(async (db) => {
          const store = createDownloadSecretStore(db);
          assert.deepEqual(await store.listApps(), []);
          await store.create(input(1, OTHER_APP));
          await store.create(input(2));
          await store.create(input(3, OTHER_APP));
          assert.deepEqual(await store.listApps(), [APP, OTHER_APP].sort());
        }));

      it('answers unknown apps and versions with undefined, empty or false', () =>
        withDb(async (db) => {
          const store = createDownloadSecretStore(db);
          await store.create(input(1));
          assert.equal(await store.find(APP, 2), undefined);
          assert.equal(await store.find(OTHER_APP, 1), undefined);
          assert.equal(await store.latestActive(OTHER_APP), undefined);
          assert.deepEqual(await store.list(OTHER_APP), []);
          assert.equal(await store.revoke(OTHER_APP, 1), false);
          assert.equal(await store.revoke(APP, 2), false);
        }));
    });

    describe('settings', () => {
      it('returns undefined for a key never set', () =>
        withDb(async (db) => {
          assert.equal(await createSettingsStore(db).get('download'), undefined);
        }));

      it('round-trips JSON values and replaces on set', () =>
        withDb(async (db) => {
          const store = createSettingsStore(db);
          const download = {
            enabled: true,
            mode: 'Secure',
            limits: [1, 2.5, null],
            note: 'ünïcode "quoted"',
          };
          await store.set('download', download);
          assert.deepEqual(await store.get('download'), download);
          await store.set('download', { enabled: false, mode: 'Normal' });
          assert.deepEqual(await store.get('download'), { enabled: false, mode: 'Normal' });
          await store.set('flag', false);
          await store.set('nothing', null);
          assert.equal(await store.get('flag'), false);
          assert.equal(await store.get('nothing'), null);
          assert.deepEqual(await store.get('download'), { enabled: false, mode: 'Normal' });
          const rows = await db.kysely.selectFrom('settings').select('key').orderBy('key').execute();
          assert.deepEqual(
            rows.map((r) => r.key),
            ['download', 'flag', 'nothing'],
          );
        }));

      it('survives concurrent upserts of one key', () =>
        withDb(async (db) => {
          const store = createSettingsStore(db);
          await Promise.all(Array.from({ length: 10 }, (_, i) => store.set('race', { i })));
          const value = await store.get<{ i: number }>('race');
          assert.ok(value !== undefined && value.i >= 0 && value.i < 10);
        }));

      it('inserts only when absent, and concurrent callers all get the winning value', () =>
        withDb(async (db) => {
          const store = createSettingsStore(db);
          const results = await Promise.all(
            Array.from({ length: 8 }, (_, i) => store.setIfAbsent('once', { i })),
          );
          assert.equal(new Set(results.map((r) => r.i)).size, 1);
          assert.deepEqual(await store.get('once'), results[0]);
          assert.deepEqual(await store.setIfAbsent('once', { i: 99 }), results[0]);
        }));

      it('refuses a value that is not JSON', () =>
        withDb(async (db) => {
          await assert.rejects(createSettingsStore(db).set('bad', undefined), TypeError);
          await assert.rejects(
            createSettingsStore(db).set('bad', () => 1),
            TypeError,
          );
          assert.equal(await createSettingsStore(db).get('bad'), undefined);
        }));
    });

    catalogueStoreContract(withDb);
    describe('issued trace IDs', () => traceStoreContract(withDb));
    keyDeliveryLogContract(withDb);
    describe('access control', () => accessStoreContract((body) => withDb(body)));
    describe('videos by the encryption of their published streams', () =>
      videoEncryptionContract((body) => withDb(body)));
  });
}
