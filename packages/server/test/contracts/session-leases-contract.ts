/**
 * Conformance suite of the session-lease contract (src/shared/session-leases.ts) that
 * concurrent-stream limits rely on. Each implementation's test calls it with a factory of "nodes"
 * sharing one backing (see shared-state-contract.ts). Real time, short leases.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionLeaseRequest, SessionLeases } from '../../src/shared/session-leases.js';
import { withNodes, type SharedStateBacking } from './shared-state-contract.js';

export function sessionLeasesContract(
  name: string,
  makeBacking: () => Promise<SharedStateBacking<SessionLeases>>,
): void {
  const request = (key: string, holder: string, over: Partial<SessionLeaseRequest> = {}) => ({
    key,
    holder,
    ttlMs: 60_000,
    limit: 2,
    evictOldest: false,
    endedUntil: Date.now() + 60_000,
    ...over,
  });

  describe(`session leases contract: ${name}`, () => {
    it('refuses a holder over the limit; renewals keep a slot; releases and lapses free one', () =>
      withNodes(makeBacking, async (node) => {
        const [a, b] = [await node(), await node()];
        const key = `streams:${randomUUID()}`;
        assert.deepEqual(await a.lease(request(key, 's1')), {
          acquired: true,
          ended: false,
          live: 1,
          evicted: [],
        });
        assert.equal((await b.lease(request(key, 's2', { ttlMs: 300 }))).acquired, true);
        assert.deepEqual(await b.lease(request(key, 's3')), {
          acquired: false,
          ended: false,
          live: 2,
          evicted: [],
        });
        assert.equal((await a.lease(request(key, 's1'))).acquired, true, 'a renewal at the limit');
        await a.release(key, 's1');
        assert.equal((await b.lease(request(key, 's3'))).acquired, true, 'the released slot');
        await sleep(450); // s2 was never renewed
        const s4 = await a.lease(request(key, 's4'));
        assert.deepEqual([s4.acquired, s4.live], [true, 2], 'the lapsed slot');
        await a.release(key, 'nobody');
      }));

    it('with evict-oldest, ends the holder that started first, which stays refused', () =>
      withNodes(makeBacking, async (node) => {
        const [a, b] = [await node(), await node()];
        const key = `streams:${randomUUID()}`;
        const evict = { evictOldest: true };
        await a.lease(request(key, 'old', evict));
        await sleep(5);
        await b.lease(request(key, 'mid', evict));
        await a.lease(request(key, 'old', evict)); // a renewal does not make it younger
        const third = await b.lease(request(key, 'new', evict));
        assert.deepEqual(third, { acquired: true, ended: false, live: 2, evicted: ['old'] });
        assert.deepEqual(await a.lease(request(key, 'old', evict)), {
          acquired: false,
          ended: true,
          live: 2,
          evicted: [],
        });
        await b.release(key, 'mid');
        assert.equal((await a.lease(request(key, 'old'))).ended, true, 'even with a free slot');
        assert.equal((await a.lease(request(key, 'mid'))).acquired, true, 'a released holder is not ended');
      }));

    it('forgets an ended holder once its credentials have expired', () =>
      withNodes(makeBacking, async (node) => {
        const a = await node();
        const key = `streams:${randomUUID()}`;
        const one = { limit: 1, evictOldest: true };
        await a.lease(request(key, 'first', { ...one, endedUntil: Date.now() + 300 }));
        assert.deepEqual((await a.lease(request(key, 'second', one))).evicted, ['first']);
        assert.equal((await a.lease(request(key, 'first', { limit: 2 }))).ended, true);
        await sleep(450);
        assert.equal((await a.lease(request(key, 'first', { limit: 2 }))).acquired, true);
      }));

    it('never admits more than `limit` holders from concurrent nodes', () =>
      withNodes(makeBacking, async (node) => {
        const nodes = [await node(), await node()];
        const key = `streams:${randomUUID()}`;
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => nodes[i % 2]!.lease(request(key, `s${i}`, { limit: 3 }))),
        );
        assert.equal(results.filter((r) => r.acquired).length, 3);
        const evicting = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            nodes[i % 2]!.lease(request(key, `e${i}`, { limit: 3, evictOldest: true })),
          ),
        );
        assert.ok(evicting.every((r) => r.acquired && r.live <= 3));
        assert.equal(evicting.flatMap((r) => r.evicted).length, 10, 'one ended per newcomer');
      }));

    it('rejects unusable arguments', () =>
      withNodes(makeBacking, async (node) => {
        const a = await node();
        await assert.rejects(a.lease(request('', 'h')), RangeError);
        await assert.rejects(a.lease(request('k', '')), RangeError);
        await assert.rejects(a.lease(request('k', 'h', { limit: 0 })), RangeError);
        await assert.rejects(a.lease(request('k', 'h', { ttlMs: 1.5 })), RangeError);
      }));
  });
}
