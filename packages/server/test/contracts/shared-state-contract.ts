/**
 * Conformance suites of the shared-state contracts that cluster nodes rely on: the nonce replay
 * cache (src/rpc/replay-cache.ts), the invalidation bus (src/shared/invalidation-bus.ts) and
 * shared counters (src/shared/shared-counters.ts). Each implementation's test calls them with a
 * factory of "nodes": every call to `node()` is what one more server process would open on the
 * same backing (same Redis key prefix, or the same in-process hub). The suites run in real time
 * with short windows, and close every node they opened.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReplayCache } from '../../src/rpc/replay-cache.js';
import type { InvalidationBus, InvalidationEvent } from '../../src/shared/invalidation-bus.js';
import type { SharedCounters } from '../../src/shared/shared-counters.js';

export interface SharedStateBacking<T> {
  /** Opens one more node's view of the shared backing. */
  node(): Promise<T & { close(): Promise<void> }>;
  /** After every node is closed: remove what the test left (e.g. its Redis keys). */
  destroy(): Promise<void>;
}

/** Runs `body` with a factory of nodes on one fresh backing; closes them and the backing after. */
export async function withNodes<T extends { close(): Promise<void> }>(
  makeBacking: () => Promise<SharedStateBacking<T>>,
  body: (node: () => Promise<T>) => Promise<void>,
): Promise<void> {
  const backing = await makeBacking();
  const opened: T[] = [];
  try {
    await body(async () => {
      const node = await backing.node();
      opened.push(node);
      return node;
    });
  } finally {
    for (const node of opened) await node.close();
    await backing.destroy();
  }
}

export function replayCacheContract(
  name: string,
  makeBacking: () => Promise<SharedStateBacking<ReplayCache>>,
): void {
  describe(`replay cache contract: ${name}`, () => {
    it('accepts a key once within its window, on every node', () =>
      withNodes(makeBacking, async (node) => {
        const [a, b] = [await node(), await node()];
        const key = `AK1\n${randomUUID()}`;
        assert.equal(await a.remember(key, 60_000), true);
        assert.equal(await a.remember(key, 60_000), false, 'the same node refuses a replay');
        assert.equal(await b.remember(key, 60_000), false, 'another node refuses it too');
        assert.equal(await b.remember(`AK2\n${key.slice(4)}`, 60_000), true, 'another key is new');
      }));

    it('forgets a key once its window has passed', () =>
      withNodes(makeBacking, async (node) => {
        const a = await node();
        const key = `AK1\n${randomUUID()}`;
        assert.equal(await a.remember(key, 150), true);
        assert.equal(await a.remember(key, 150), false);
        await sleep(300);
        assert.equal(await a.remember(key, 150), true);
      }));

    it('lets exactly one of many concurrent nodes accept the same key', () =>
      withNodes(makeBacking, async (node) => {
        const nodes = [await node(), await node(), await node()];
        const key = `AK1\n${randomUUID()}`;
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => nodes[i % nodes.length]!.remember(key, 60_000)),
        );
        assert.equal(results.filter(Boolean).length, 1);
      }));
  });
}

/** Resolves with the events `bus` receives until `count` arrived; fails after `timeoutMs`. */
function receive(bus: InvalidationBus, count: number, timeoutMs = 1000): Promise<InvalidationEvent[]> {
  const seen: InvalidationEvent[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`received ${seen.length} of ${count} events in ${timeoutMs} ms`));
    }, timeoutMs);
    const off = bus.subscribe((event) => {
      seen.push(event);
      if (seen.length === count) {
        clearTimeout(timer);
        off();
        resolve(seen);
      }
    });
  });
}

export function invalidationBusContract(
  name: string,
  makeBacking: () => Promise<SharedStateBacking<InvalidationBus>>,
): void {
  describe(`invalidation bus contract: ${name}`, () => {
    const events: InvalidationEvent[] = [
      { kind: 'access-key', accessKeyId: 'SVAKTEST0001' },
      { kind: 'download-secret', appIdentification: 'https://app.example', version: 3 },
      { kind: 'video', videoId: 'a1b2c3' },
      { kind: 'kms-key', keyId: 'local/master' },
    ];

    it('delivers every event to every node within one second, the publisher included', () =>
      withNodes(makeBacking, async (node) => {
        const [a, b, c] = [await node(), await node(), await node()];
        const atA = receive(a, events.length, 1000);
        const atB = receive(b, events.length, 1000);
        const atC = receive(c, events.length, 1000);
        for (const event of events) await a.publish(event);
        assert.deepEqual(await atA, events);
        assert.deepEqual(await atB, events);
        assert.deepEqual(await atC, events);
      }));

    it("delivers to the publisher's own subscribers before publish resolves, once", () =>
      withNodes(makeBacking, async (node) => {
        const [a, b] = [await node(), await node()];
        const seenAtA: InvalidationEvent[] = [];
        a.subscribe((event) => seenAtA.push(event));
        const atB = receive(b, 1);
        await a.publish(events[2]!);
        assert.deepEqual(seenAtA, [events[2]]);
        await atB;
        await sleep(150); // a copy coming back through the transport would arrive by now
        assert.deepEqual(seenAtA, [events[2]], 'not delivered twice');
      }));

    it('stops delivering to a listener once it unsubscribes; a throwing listener harms no other', () =>
      withNodes(makeBacking, async (node) => {
        const [a, b] = [await node(), await node()];
        const seen: InvalidationEvent[] = [];
        const off = b.subscribe((event) => seen.push(event));
        b.subscribe(() => {
          throw new Error('listener bug');
        });
        const first = receive(b, 1);
        await a.publish(events[0]!);
        await first;
        off();
        const second = receive(b, 1);
        await a.publish(events[1]!);
        await second;
        assert.deepEqual(seen, [events[0]]);
      }));
  });
}

export function sharedCountersContract(
  name: string,
  makeBacking: () => Promise<SharedStateBacking<SharedCounters>>,
): void {
  describe(`shared counters contract: ${name}`, () => {
    it('counts within a window across nodes and starts again after it', () =>
      withNodes(makeBacking, async (node) => {
        const [a, b] = [await node(), await node()];
        const key = `rate:${randomUUID()}`;
        const first = await a.increment(key, 300);
        assert.equal(first.count, 1);
        assert.ok(first.resetInMs > 0 && first.resetInMs <= 300, `resetInMs ${first.resetInMs}`);
        assert.equal((await b.increment(key, 300)).count, 2);
        assert.equal((await a.increment(key, 300, 5)).count, 7);
        await sleep(400);
        assert.equal((await b.increment(key, 300)).count, 1, 'a new window');
      }));

    it('loses no concurrent increment', () =>
      withNodes(makeBacking, async (node) => {
        const nodes = [await node(), await node()];
        const key = `rate:${randomUUID()}`;
        await Promise.all(Array.from({ length: 40 }, (_, i) => nodes[i % 2]!.increment(key, 60_000)));
        assert.equal((await nodes[0]!.increment(key, 60_000)).count, 41);
      }));

    it('rejects unusable arguments', () =>
      withNodes(makeBacking, async (node) => {
        const a = await node();
        await assert.rejects(a.increment('', 1000), RangeError);
        await assert.rejects(a.increment('k', 0), RangeError);
        await assert.rejects(a.increment('k', 1000, 1.5), RangeError);
      }));
  });
}
