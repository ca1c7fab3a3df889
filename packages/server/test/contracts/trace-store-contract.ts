/**
 * Part of the metadata store contract (metadata-store-contract.ts): the issued trace IDs of leak
 * tracing (store/trace-session-store.ts) on a migrated database.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Db } from '../../src/store/database.js';
import { createTraceSessionStore, type TraceSessionRecord } from '../../src/store/trace-session-store.js';

type WithDb = (body: (db: Db) => Promise<void>) => Promise<void>;

function session(sessionId: string, videoId: string, traceId: string, issuedAt: string): TraceSessionRecord {
  return {
    sessionId,
    videoId,
    traceId,
    viewerId: traceId === sessionId ? null : traceId,
    kind: 'play',
    clientIp: '203.0.113.9',
    accessKeyId: 'LTAIroot',
    issuedAt,
  };
}

export function traceStoreContract(withDb: WithDb): void {
  it('lists each trace ID of a video once, and only that video', () =>
    withDb(async (db) => {
      const store = createTraceSessionStore(db);
      await store.record(session('s1', 'v1', 'viewer42', '2026-12-07T10:00:00.000Z'));
      await store.record(session('s2', 'v1', 'viewer42', '2026-12-07T11:00:00.000Z'));
      await store.record(session('s3', 'v1', 'viewer7', '2026-12-07T10:30:00.000Z'));
      await store.record(session('s4', 'v2', 'viewer99', '2026-12-07T10:30:00.000Z'));
      assert.deepEqual(await store.traceIds('v1'), ['viewer42', 'viewer7']);
      assert.deepEqual(await store.traceIds('v3'), []);
    }));

  it('returns the sessions of one trace ID oldest first, with every field', () =>
    withDb(async (db) => {
      const store = createTraceSessionStore(db);
      const later = {
        ...session('s2', 'v1', 'viewer42', '2026-12-07T11:00:00.000Z'),
        kind: 'download' as const,
      };
      const earlier = session('s1', 'v1', 'viewer42', '2026-12-07T10:00:00.000Z');
      await store.record(later);
      await store.record(earlier);
      assert.deepEqual(await store.sessionsOf('v1', 'viewer42'), [earlier, later]);
    }));

  it('refuses a second record with the same session id', () =>
    withDb(async (db) => {
      const store = createTraceSessionStore(db);
      await store.record(session('s1', 'v1', 'a', '2026-12-07T10:00:00.000Z'));
      await assert.rejects(store.record(session('s1', 'v1', 'b', '2026-12-07T10:00:00.000Z')));
    }));
}
