/**
 * Part of the metadata store contract (metadata-store-contract.ts): the key-delivery audit log,
 * buffered and written in batches, queried newest first with filters and paging.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Db } from '../../src/store/database.js';
import { createKeyDeliveryLog } from '../../src/keys/key-delivery-log.js';

type WithDb = (body: (db: Db) => Promise<void>) => Promise<void>;

const entry = (
  n: number,
  overrides: Partial<Parameters<ReturnType<typeof createKeyDeliveryLog>['record']>[0]> = {},
) => ({
  videoId: n % 2 === 0 ? 'v-even' : 'v-odd',
  streamId: `s-${n}`,
  period: n,
  scheme: n % 3 === 0 ? ('aes-128' as const) : ('aes-256-gcm' as const),
  clientIp: n < 5 ? '203.0.113.7' : '2001:db8::1',
  credential: 'media-token',
  viewerId: n === 1 ? null : `viewer-${n}`,
  userAgent: n === 2 ? null : `agent ${n} ${'x'.repeat(400)}`,
  ...overrides,
});

export function keyDeliveryLogContract(withDb: WithDb): void {
  describe('key deliveries', () => {
    it('records in batches and answers queries newest first, with filters, totals and paging', () =>
      withDb(async (db) => {
        const log = createKeyDeliveryLog(db, { flushMs: 10_000, maxBuffer: 4 });
        try {
          for (let n = 0; n < 10; n++) {
            await log.record(entry(n));
            await new Promise((resolve) => setTimeout(resolve, 2)); // distinct timestamps
          }
          const all = await log.query({ limit: 100, offset: 0 });
          assert.equal(all.total, 10);
          assert.deepEqual(
            all.deliveries.map((d) => d.period),
            [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
          );
          const first = all.deliveries.at(-1)!;
          assert.equal(first.videoId, 'v-even');
          assert.equal(first.streamId, 's-0');
          assert.equal(first.scheme, 'aes-128');
          assert.equal(first.clientIp, '203.0.113.7');
          assert.equal(first.viewerId, 'viewer-0');
          assert.equal(first.userAgent?.length, 300, 'user agents are cut to 300 characters');
          assert.equal(all.deliveries.find((d) => d.period === 1)?.viewerId, null);
          assert.equal(all.deliveries.find((d) => d.period === 2)?.userAgent, null);
          assert.match(first.deliveredAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

          const odd = await log.query({ videoId: 'v-odd', limit: 2, offset: 1 });
          assert.equal(odd.total, 5);
          assert.deepEqual(
            odd.deliveries.map((d) => d.period),
            [7, 5],
          );
          const v6 = await log.query({ clientIp: '2001:db8::1', limit: 100, offset: 0 });
          assert.equal(v6.total, 5);
          const window = await log.query({
            startTime: all.deliveries[6]!.deliveredAt,
            endTime: all.deliveries[3]!.deliveredAt,
            limit: 100,
            offset: 0,
          });
          assert.deepEqual(
            window.deliveries.map((d) => d.period),
            [6, 5, 4, 3],
          );
          assert.deepEqual(await log.query({ videoId: 'v-none', limit: 10, offset: 0 }), {
            total: 0,
            deliveries: [],
          });
        } finally {
          await log.close();
        }
      }));

    it('writes what is still buffered when closed', () =>
      withDb(async (db) => {
        const log = createKeyDeliveryLog(db, { flushMs: 60_000 });
        await log.record(entry(1));
        await log.record(entry(2));
        await log.close();
        const rows = await db.kysely.selectFrom('key_deliveries').select('stream_id').execute();
        assert.deepEqual(rows.map((r) => r.stream_id).sort(), ['s-1', 's-2']);
      }));
  });
}
