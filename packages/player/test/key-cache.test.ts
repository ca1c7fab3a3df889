import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyCache } from '../src/key-cache.js';

/** A load the test resolves or rejects by hand, counting how often it was started. */
function controlledLoad<V>() {
  let calls = 0;
  const pending: Array<{ resolve: (v: V) => void; reject: (e: unknown) => void }> = [];
  const load = () => {
    calls++;
    return new Promise<V>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return { load, pending, calls: () => calls };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

void describe('KeyCache', () => {
  void it('shares one in-flight load among concurrent callers of one key', async () => {
    const cache = new KeyCache<string>({ retain: false });
    const c = controlledLoad<string>();
    const a = cache.get('https://h/keys/hls/v/s/0', c.load);
    const b = cache.get('https://h/keys/hls/v/s/0', c.load);
    assert.equal(a, b);
    await tick();
    assert.equal(c.calls(), 1);
    const other = cache.get('https://h/keys/hls/v/s/1', c.load);
    await tick();
    assert.equal(c.calls(), 2, 'another key loads separately');
    c.pending[0]!.resolve('k0');
    c.pending[1]!.resolve('k1');
    assert.deepEqual(await Promise.all([a, b, other]), ['k0', 'k0', 'k1']);
  });

  void it('retain: false forgets a settled load, so the next get loads again', async () => {
    const cache = new KeyCache<string>({ retain: false });
    let calls = 0;
    assert.equal(await cache.get('k', async () => `v${++calls}`), 'v1');
    assert.equal(cache.has('k'), false);
    assert.equal(await cache.get('k', async () => `v${++calls}`), 'v2');
  });

  void it('retain: true keeps the value: one load per key for the cache lifetime', async () => {
    const cache = new KeyCache<object>({ retain: true });
    let calls = 0;
    const load = async () => ({ n: ++calls });
    const first = await cache.get('k', load);
    assert.equal(await cache.get('k', load), first);
    assert.equal(calls, 1);
    cache.clear();
    assert.notEqual(await cache.get('k', load), first);
    assert.equal(calls, 2);
  });

  void it('forgets a failed load: every waiter sees the failure, the next get retries', async () => {
    const cache = new KeyCache<string>({ retain: true });
    const c = controlledLoad<string>();
    const a = cache.get('k', c.load);
    const b = cache.get('k', c.load);
    await tick();
    c.pending[0]!.reject(new Error('key service down'));
    await assert.rejects(a, /key service down/);
    await assert.rejects(b, /key service down/);
    assert.equal(cache.has('k'), false);
    const again = cache.get('k', c.load);
    await tick();
    assert.equal(c.calls(), 2);
    c.pending[1]!.resolve('ok');
    assert.equal(await again, 'ok');
  });

  void it('a synchronous throw in load becomes a rejection, not an exception', async () => {
    const cache = new KeyCache<string>({ retain: true });
    const p = cache.get('k', () => {
      throw new Error('sync');
    });
    await assert.rejects(p, /sync/);
    assert.equal(cache.size, 0);
  });

  void it('drops the oldest entries beyond maxEntries', async () => {
    const cache = new KeyCache<number>({ retain: true, maxEntries: 2 });
    for (const n of [1, 2, 3]) await cache.get(`k${n}`, async () => n);
    assert.equal(cache.size, 2);
    assert.equal(cache.has('k1'), false);
    assert.equal(cache.has('k3'), true);
  });
});
