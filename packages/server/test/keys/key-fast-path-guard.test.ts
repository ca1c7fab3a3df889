/**
 * The key fast path's guard contract (keys/key-fast-path.ts), on a real `node:http` server: a
 * request the guard lets through is served without fastify, or — when the key work fails — handed
 * to fastify after the guard is told (`handedOff`, so the rate limits do not count it twice); a
 * request the guard refuses, or whose guard throws, goes to fastify untouched and the key work
 * never runs. Synchronous and promised answers behave alike, and so do key work answered at once
 * (`hlsKeyNow`, warm caches) and key work that waits (`hlsKey`). The key service is a stand-in here:
 * what it does is covered by keys/key-hot-path.test.ts on the real server.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { KeyService } from '../../src/keys/key-service.js';
import { KeyFastPath, type KeyFastPathGuard } from '../../src/keys/key-fast-path.js';
import { ServerMetrics } from '../../src/ops/metrics.js';

const KEY = new Uint8Array(16).fill(7);

describe('key fast path guard', () => {
  let server: Server;
  let base: string;
  let failKeyWork = false;
  let warm = false;
  let keyCalls = 0;
  let handedOff = 0;
  let answer: () => boolean | Promise<boolean> = () => true;
  const fastPath = new KeyFastPath({
    keys: {
      hlsKeyNow: () => {
        if (!warm) return undefined;
        keyCalls++;
        if (failKeyWork) throw new Error('no such key');
        return KEY;
      },
      hlsKey: async () => {
        keyCalls++;
        if (failKeyWork) throw new Error('no such key');
        return KEY;
      },
    } as unknown as KeyService,
    metrics: new ServerMetrics(),
    corsHeaders: {},
  });
  const guard: KeyFastPathGuard = {
    allow: () => answer(),
    handedOff: (_req: IncomingMessage) => void handedOff++,
  };
  fastPath.setGuard(guard);

  before(async () => {
    // What fastify would answer: a marker status.
    server = createServer((req, res) =>
      fastPath.tryServe(req, res, () => {
        res.writeHead(418);
        res.end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys/hls/v/s/0?MtsHlsUriToken=t`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const reset = (options: { allow: () => boolean | Promise<boolean>; fail?: boolean; warm?: boolean }) => {
    answer = options.allow;
    failKeyWork = options.fail ?? false;
    warm = options.warm ?? false;
    keyCalls = 0;
    handedOff = 0;
  };

  for (const kind of ['synchronous', 'promised'] as const) {
    const wrap = (ok: boolean) => (kind === 'synchronous' ? () => ok : () => Promise.resolve(ok));

    test(`${kind} yes: served on the fast path`, async () => {
      reset({ allow: wrap(true) });
      const res = await fetch(base);
      assert.equal(res.status, 200);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), KEY);
      assert.equal(keyCalls, 1);
      assert.equal(handedOff, 0);
    });

    test(`${kind} yes, failed key work: the guard is told, then fastify answers`, async () => {
      reset({ allow: wrap(true), fail: true });
      assert.equal((await fetch(base)).status, 418);
      assert.equal(keyCalls, 1);
      assert.equal(handedOff, 1);
    });

    test(`${kind} no: fastify answers, no key work`, async () => {
      reset({ allow: wrap(false) });
      assert.equal((await fetch(base)).status, 418);
      assert.equal(keyCalls, 0);
      assert.equal(handedOff, 0);
    });
  }

  for (const fail of [false, true]) {
    test(`warm caches (key work answered at once), ${fail ? 'failing' : 'succeeding'}`, async () => {
      reset({ allow: () => true, warm: true, fail });
      const res = await fetch(base);
      assert.equal(res.status, fail ? 418 : 200);
      if (!fail) assert.deepEqual(new Uint8Array(await res.arrayBuffer()), KEY);
      assert.equal(keyCalls, 1);
      assert.equal(handedOff, fail ? 1 : 0);
    });
  }

  test('a query naming a parameter twice goes to fastify, plain or percent-encoded', async () => {
    reset({ allow: () => true, warm: true });
    assert.equal((await fetch(`${base}&MtsHlsUriToken=u`)).status, 418);
    assert.equal((await fetch(`${base}&MtsHls%55riToken=u`)).status, 418);
    assert.equal(keyCalls, 0);
    assert.equal((await fetch(`${base}&other=1&&x`)).status, 200);
  });

  test('a guard that throws: fastify answers, no key work, the server keeps serving', async () => {
    reset({
      allow: () => {
        throw new RangeError('a counter key is 1-512 characters');
      },
    });
    assert.equal((await fetch(base)).status, 418);
    assert.equal(keyCalls, 0);
    reset({ allow: () => Promise.reject(new Error('Redis down')) });
    assert.equal((await fetch(base)).status, 418);
    assert.equal(keyCalls, 0);
    reset({ allow: () => true });
    assert.equal((await fetch(base)).status, 200);
  });
});
