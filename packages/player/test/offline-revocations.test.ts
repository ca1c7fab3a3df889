/**
 * Revocation logic (src/offline/revocation-list.ts, revocation-store.ts): the server's answer is
 * checked, stored lists only grow (an old or partial answer cannot un-revoke a version), lists of
 * another app never apply, and what is stored reads back — or not at all when it is corrupt.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isRevoked,
  mergeRevocations,
  parseRevocationResponse,
  parseStoredRecord,
  RevocationListError,
  type RevocationRecord,
} from '../src/offline/revocation-list.js';
import { localStorageRevocationStore } from '../src/offline/revocation-store.js';

const APP = 'web:https://video.example.com';
const OTHER = 'web:https://other.example.com';
const T1 = new Date('2024-05-01T10:00:00Z');
const T2 = new Date('2024-05-02T10:00:00Z');

/** A `Storage` in memory (the DOM interface `localStorage` implements). */
class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, String(value));
  }
}

describe('parseRevocationResponse', () => {
  test('reads the server answer for this app', () => {
    assert.deepEqual(
      parseRevocationResponse(
        { RequestId: 'x', AppIdentification: APP, RevokedVersions: [3, 1, 3], ActiveVersions: [4, 2] },
        APP,
      ),
      { revokedVersions: [1, 3], activeVersions: [2, 4] },
    );
  });

  test('refuses an answer for another app, or lists that are not secret versions', () => {
    const bad = [
      undefined,
      'text',
      { AppIdentification: OTHER, RevokedVersions: [], ActiveVersions: [] },
      { AppIdentification: APP, RevokedVersions: 'none', ActiveVersions: [] },
      { AppIdentification: APP, RevokedVersions: [0], ActiveVersions: [] },
      { AppIdentification: APP, RevokedVersions: [1.5], ActiveVersions: [] },
      { AppIdentification: APP, RevokedVersions: [1], ActiveVersions: ['2'] },
    ];
    for (const body of bad) {
      assert.throws(() => parseRevocationResponse(body, APP), RevocationListError, JSON.stringify(body));
    }
  });
});

describe('mergeRevocations and isRevoked', () => {
  test('the first answer is stored as it is', () => {
    const record = mergeRevocations(
      undefined,
      { appIdentification: APP, revokedVersions: [1], activeVersions: [2] },
      T1,
    );
    assert.deepEqual(record, {
      appIdentification: APP,
      revokedVersions: [1],
      activeVersions: [2],
      fetchedAt: T1.toISOString(),
    });
    assert.equal(isRevoked(record, APP, 1), true);
    assert.equal(isRevoked(record, APP, 2), false);
  });

  test('a revoked version stays revoked even when a later answer omits it', () => {
    const first = mergeRevocations(
      undefined,
      { appIdentification: APP, revokedVersions: [1, 2], activeVersions: [3] },
      T1,
    );
    const second = mergeRevocations(
      first,
      { appIdentification: APP, revokedVersions: [], activeVersions: [1, 3, 4] },
      T2,
    );
    assert.deepEqual(second.revokedVersions, [1, 2]);
    assert.deepEqual(second.activeVersions, [3, 4], 'a version known revoked is never active');
    assert.equal(second.fetchedAt, T2.toISOString());
    assert.equal(isRevoked(second, APP, 2), true);
  });

  test("another app's list neither merges nor applies", () => {
    const other = mergeRevocations(
      undefined,
      { appIdentification: OTHER, revokedVersions: [1], activeVersions: [] },
      T1,
    );
    const mine = mergeRevocations(
      other,
      { appIdentification: APP, revokedVersions: [5], activeVersions: [6] },
      T2,
    );
    assert.deepEqual(mine.revokedVersions, [5]);
    assert.equal(isRevoked(other, APP, 1), false);
    assert.equal(isRevoked(undefined, APP, 1), false);
  });
});

describe('localStorageRevocationStore', () => {
  test('saves and loads one record per app', async () => {
    const storage = new MemoryStorage();
    const store = localStorageRevocationStore(storage);
    const record: RevocationRecord = {
      appIdentification: APP,
      revokedVersions: [1],
      activeVersions: [2],
      fetchedAt: T1.toISOString(),
    };
    assert.equal(await store.load(APP), undefined);
    await store.save(record);
    assert.deepEqual(await store.load(APP), record);
    assert.equal(await store.load(OTHER), undefined);
    assert.deepEqual(JSON.parse(storage.getItem(`securevod.revocations:${APP}`)!), record);
  });

  test('corrupt or foreign data reads as no record', async () => {
    const storage = new MemoryStorage();
    const store = localStorageRevocationStore(storage);
    storage.setItem(`securevod.revocations:${APP}`, '{not json');
    assert.equal(await store.load(APP), undefined);
    storage.setItem(`securevod.revocations:${APP}`, JSON.stringify({ appIdentification: APP }));
    assert.equal(await store.load(APP), undefined);
    // A record filed under this app's key but naming another app.
    storage.setItem(
      `securevod.revocations:${APP}`,
      JSON.stringify({ appIdentification: OTHER, revokedVersions: [1], activeVersions: [], fetchedAt: 'x' }),
    );
    assert.equal(await store.load(APP), undefined);
    assert.equal(parseStoredRecord(null), undefined);
  });
});
