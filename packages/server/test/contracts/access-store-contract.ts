/**
 * Part of the metadata store contract (metadata-store-contract.ts calls it): RAM users, custom
 * policies and attachments, roles, AccessKey ownership and limits, VOD apps and app grants.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAccessKeyStore } from '../../src/store/access-key-store.js';
import type { Db } from '../../src/store/database.js';
import { createRamPolicyStore } from '../../src/store/ram-policy-store.js';
import { createRamRoleStore } from '../../src/store/ram-role-store.js';
import { createRamUserStore } from '../../src/store/ram-user-store.js';
import { StoreError } from '../../src/store/store-error.js';
import { createVodAppStore } from '../../src/store/vod-app-store.js';

type WithDb = (body: (db: Db) => Promise<void>) => Promise<void>;

const clock = () => new Date('2026-11-22T17:46:27.123Z');
const rejectsWith = (promise: Promise<unknown>, code: StoreError['code']) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof StoreError, String(error));
    assert.equal(error.code, code);
    return true;
  });
const user = (userId: string, userName: string) => ({
  userId,
  userName,
  displayName: null,
  email: null,
  mobilePhone: null,
  comments: null,
});
const key = (accessKeyId: string, userId: string | null) => ({
  accessKeyId,
  secretCiphertext: `blob-${accessKeyId}`,
  kmsKeyId: 'local/master',
  status: 'Active' as const,
  isRoot: false,
  description: null,
  userId,
});

export function accessStoreContract(withDb: WithDb): void {
  describe('RAM users', () => {
    it('inserts, finds by name and id, lists by name with a marker, updates and deletes', () =>
      withDb(async (db) => {
        const store = createRamUserStore(db, { now: clock });
        const alice = await store.insert({ ...user('1000000000000001', 'alice'), displayName: 'Alice' });
        assert.deepEqual(alice, {
          ...user('1000000000000001', 'alice'),
          displayName: 'Alice',
          createDate: '2026-11-22T17:46:27.123Z',
          updateDate: '2026-11-22T17:46:27.123Z',
        });
        await store.insert(user('1000000000000003', 'carol'));
        await store.insert(user('1000000000000002', 'bob'));
        assert.deepEqual(await store.findByName('alice'), alice);
        assert.deepEqual(await store.findById('1000000000000001'), alice);
        assert.equal(await store.findByName('Alice'), undefined, 'names are case-sensitive');
        assert.deepEqual(
          (await store.list({ limit: 2 })).map((u) => u.userName),
          ['alice', 'bob'],
        );
        assert.deepEqual(
          (await store.list({ after: 'bob', limit: 2 })).map((u) => u.userName),
          ['carol'],
        );
        assert.equal(
          await store.update('1000000000000002', { comments: 'ci', email: 'b@example.com' }),
          true,
        );
        const bob = await store.findByName('bob');
        assert.equal(bob?.comments, 'ci');
        assert.equal(bob?.email, 'b@example.com');
        assert.equal(bob?.displayName, null);
        assert.equal(await store.delete('1000000000000002'), true);
        assert.equal(await store.delete('1000000000000002'), false);
        assert.equal(await store.findByName('bob'), undefined);
      }));

    it('refuses a duplicate name with AlreadyExists', () =>
      withDb(async (db) => {
        const store = createRamUserStore(db);
        await store.insert(user('1', 'dup'));
        await rejectsWith(store.insert(user('2', 'dup')), 'AlreadyExists');
      }));
  });

  describe('AccessKey owners', () => {
    it('lists keys per owner and enforces a per-owner limit, also under concurrent inserts', () =>
      withDb(async (db) => {
        await createRamUserStore(db).insert(user('U1', 'alice'));
        await createRamUserStore(db).insert(user('U2', 'bob'));
        const keys = createAccessKeyStore(db);
        await keys.insert({ ...key('ROOT', null), isRoot: true });
        const results = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) => keys.insert(key(`ALICE${i}`, 'U1'), { maxPerOwner: 2 })),
        );
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
        for (const r of results.filter((r) => r.status === 'rejected')) {
          assert.ok(r.reason instanceof StoreError && r.reason.code === 'LimitExceeded', String(r.reason));
        }
        await keys.insert(key('BOB0', 'U2'), { maxPerOwner: 2 });
        await keys.insert(key('ACCOUNT1', null), { maxPerOwner: 2 });
        await rejectsWith(keys.insert(key('ACCOUNT2', null), { maxPerOwner: 2 }), 'LimitExceeded');
        assert.equal((await keys.listForOwner('U1')).length, 2);
        assert.deepEqual(
          (await keys.listForOwner('U2')).map((k) => [k.accessKeyId, k.userId]),
          [['BOB0', 'U2']],
        );
        assert.deepEqual((await keys.listForOwner(null)).map((k) => k.accessKeyId).sort(), [
          'ACCOUNT1',
          'ROOT',
        ]);
        assert.equal(await keys.delete('BOB0'), true);
        assert.equal(await keys.delete('BOB0'), false);
        assert.deepEqual(await keys.listForOwner('U2'), []);
      }));
  });

  describe('RAM policies', () => {
    it('stores custom policies and attaches policies to principals', () =>
      withDb(async (db) => {
        const store = createRamPolicyStore(db, { now: clock });
        const doc = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"vod:*","Resource":"*"}]}';
        const created = await store.insert({
          policyName: 'play-only',
          description: 'x',
          policyDocument: doc,
        });
        assert.deepEqual(created, {
          policyName: 'play-only',
          description: 'x',
          policyDocument: doc,
          defaultVersion: 'v1',
          createDate: '2026-11-22T17:46:27.123Z',
          updateDate: '2026-11-22T17:46:27.123Z',
        });
        await rejectsWith(
          store.insert({ policyName: 'play-only', description: null, policyDocument: doc }),
          'AlreadyExists',
        );
        await store.insert({ policyName: 'another', description: null, policyDocument: doc });
        assert.deepEqual(await store.find('play-only'), created);
        assert.deepEqual(
          (await store.list()).map((p) => p.policyName),
          ['another', 'play-only'],
        );
        assert.equal(await store.count(), 2);

        const alice = { principalType: 'User' as const, principalId: 'U1' };
        const role = { principalType: 'Role' as const, principalId: 'R1' };
        const custom = { policyType: 'Custom' as const, policyName: 'play-only' };
        const system = { policyType: 'System' as const, policyName: 'AliyunVODFullAccess' };
        await store.attach(alice, custom);
        await store.attach(alice, system);
        await store.attach(role, custom);
        await rejectsWith(store.attach(alice, custom), 'AlreadyExists');
        assert.deepEqual((await store.attachmentsOf(alice)).map((a) => [a.policyType, a.policyName]).sort(), [
          ['Custom', 'play-only'],
          ['System', 'AliyunVODFullAccess'],
        ]);
        assert.deepEqual(
          (await store.attachmentsTo(custom)).map((a) => [a.principalType, a.principalId]).sort(),
          [
            ['Role', 'R1'],
            ['User', 'U1'],
          ],
        );
        assert.equal(await store.detach(alice, custom), true);
        assert.equal(await store.detach(alice, custom), false);
        assert.equal(await store.detachAll(alice), 1);
        assert.deepEqual(await store.attachmentsOf(alice), []);
        assert.equal((await store.attachmentsOf(role)).length, 1);
        assert.equal(await store.delete('another'), true);
        assert.equal(await store.find('another'), undefined);
      }));
  });

  describe('RAM roles', () => {
    it('inserts and finds roles by name ignoring case', () =>
      withDb(async (db) => {
        const store = createRamRoleStore(db, { now: clock });
        const role = {
          roleId: '3000000000000001',
          roleName: 'VodUploader',
          description: null,
          assumeRolePolicyDocument: '{}',
          maxSessionDuration: 3600,
        };
        await store.insert(role);
        assert.equal((await store.findByName('voduploader'))?.roleId, role.roleId);
        assert.equal((await store.findById(role.roleId))?.roleName, 'VodUploader');
        await rejectsWith(store.insert({ ...role, roleId: '2', roleName: 'VODUPLOADER' }), 'AlreadyExists');
        await store.insert({ ...role, roleId: '3', roleName: 'admin' });
        assert.deepEqual(
          (await store.list()).map((r) => r.roleName),
          ['admin', 'VodUploader'],
        );
        assert.equal(await store.delete('3'), true);
        assert.equal(await store.findByName('admin'), undefined);
      }));
  });

  describe('VOD apps', () => {
    it('creates apps with unique names, updates, lists and deletes them with their grants', () =>
      withDb(async (db) => {
        const store = createVodAppStore(db);
        const base = { description: null, type: 'Custom' as const, status: 'Normal' as const };
        const def = await store.ensure({ ...base, appId: 'app-1000000', appName: 'Default', type: 'System' });
        assert.deepEqual(await store.ensure({ ...base, appId: 'app-1000000', appName: 'other' }), def);
        await store.insert({ ...base, appId: 'app-a', appName: 'A' });
        await rejectsWith(store.insert({ ...base, appId: 'app-b', appName: 'A' }), 'AlreadyExists');
        await store.insert({ ...base, appId: 'app-b', appName: 'B' });
        assert.equal(await store.count(), 3);
        assert.equal(await store.update('app-b', { description: 'bee', status: 'Disable' }), true);
        assert.equal((await store.find('app-b'))?.description, 'bee');
        await rejectsWith(store.update('app-b', { appName: 'A' }), 'AlreadyExists');
        assert.deepEqual((await store.list({ status: 'Normal' })).map((a) => a.appId).sort(), [
          'app-1000000',
          'app-a',
        ]);

        const alice = { identityType: 'RamUser' as const, identityId: 'U1' };
        await store.grant(alice, 'app-a', 'VODAppReadOnlyAccess');
        await store.grant(alice, 'app-a', 'VODAppReadOnlyAccess');
        await store.grant(alice, 'app-b', 'VODAppFullAccess');
        await store.grant(alice, '*', 'VODAppAdministratorAccess');
        assert.deepEqual((await store.grantsOf(alice)).map((g) => [g.appId, g.policyName]).sort(), [
          ['*', 'VODAppAdministratorAccess'],
          ['app-a', 'VODAppReadOnlyAccess'],
          ['app-b', 'VODAppFullAccess'],
        ]);
        assert.equal(await store.revoke(alice, '*', 'VODAppAdministratorAccess'), true);
        assert.equal(await store.revoke(alice, '*', 'VODAppAdministratorAccess'), false);
        assert.equal(await store.delete('app-b'), true);
        assert.deepEqual(
          (await store.grantsOf(alice)).map((g) => g.appId),
          ['app-a'],
        );
        assert.equal(await store.revokeAll(alice), 1);
        assert.deepEqual(await store.grantsOf(alice), []);
      }));
  });
}
