/**
 * The private key exchange's worker pool (keys/key-exchange-pool.ts): its answers open with the
 * client's `unwrapKeyFromServer` (as the in-thread `ServerKeyExchange`'s do), a point not on the
 * curve fails as `InvalidPublicKey`, a worker killed while exchanges are in flight costs no
 * exchange (they are made in-thread, the worker is replaced), and `close()` with exchanges in
 * flight finishes them and does not hang.
 */
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import {
  createKeyExchangeRequest,
  KeyExchangeError,
  unwrapKeyFromServer,
  type KeyExchangeContext,
  type KeyExchangeRequest,
  type KeyExchangeResponse,
} from '@securevod/crypto';
import { KeyExchangePool } from '../../src/keys/key-exchange-pool.js';
import { ServerKeyExchange } from '../../src/keys/server-key-exchange.js';

const CONTEXT: KeyExchangeContext = { videoId: 'v1', rendition: 's1', period: 3 };

/** True when `response` opens, for `request`, to exactly `periodKey`. */
async function opensTo(
  request: KeyExchangeRequest,
  response: KeyExchangeResponse,
  periodKey: Uint8Array,
  context: KeyExchangeContext = CONTEXT,
): Promise<boolean> {
  const key = await unwrapKeyFromServer({
    privateKey: request.privateKey,
    clientPublicKey: request.publicKey,
    response,
    context,
  });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', periodKey, iv);
  const plain = Buffer.from('a segment');
  const sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed);
  return Buffer.from(opened).equals(plain);
}

describe('key exchange pool', () => {
  const periodKey = new Uint8Array(randomBytes(32));
  const pools: Array<{ close(): unknown }> = [];
  after(async () => {
    for (const pool of pools) await pool.close();
  });

  test('pool and in-thread answers both open to the period key', async () => {
    const pool = new KeyExchangePool({ threads: 2, rotateAfterMs: 10_000 });
    const inThread = new ServerKeyExchange({ rotateAfterMs: 10_000 });
    pools.push(pool, inThread);
    for (const engine of [pool, inThread]) {
      const request = await createKeyExchangeRequest();
      const response = await engine.wrap(request.publicKey, periodKey, CONTEXT);
      assert.ok(await opensTo(request, response, periodKey));
    }
    assert.deepEqual(periodKey, periodKey.slice(), 'the caller keeps its period key');
  });

  test('a malformed key, or a point not on the curve, is InvalidPublicKey', async () => {
    const pool = new KeyExchangePool({ threads: 1, rotateAfterMs: 10_000 });
    pools.push(pool);
    const notOnCurve = Buffer.alloc(65, 1);
    notOnCurve[0] = 4;
    for (const key of ['short', notOnCurve.toString('base64url')]) {
      await assert.rejects(
        async () => pool.wrap(key, periodKey, CONTEXT),
        (error: unknown) => error instanceof KeyExchangeError && error.code === 'InvalidPublicKey',
      );
    }
  });

  test('a worker killed with exchanges in flight: every exchange still answers correctly', async () => {
    const errors: Error[] = [];
    const pool = new KeyExchangePool({ threads: 2, rotateAfterMs: 10_000, onError: (e) => errors.push(e) });
    pools.push(pool);
    const requests = await Promise.all(Array.from({ length: 200 }, () => createKeyExchangeRequest()));
    assert.equal(pool.workers.length, 0, 'no worker before the first exchange');
    const answers = requests.map((request) => pool.wrap(request.publicKey, periodKey, CONTEXT));
    const first = pool.workers[0]!;
    await first.terminate();
    const responses = await Promise.all(answers);
    for (let i = 0; i < requests.length; i++)
      assert.ok(await opensTo(requests[i]!, responses[i]!, periodKey));
    assert.equal(pool.workers.length, 2, 'the dead worker was replaced');
    assert.notEqual(pool.workers[0], first);
    const again = await createKeyExchangeRequest();
    assert.ok(await opensTo(again, await pool.wrap(again.publicKey, periodKey, CONTEXT), periodKey));
  });

  test('close() with exchanges in flight finishes them, and later ones are made in-thread', async () => {
    const pool = new KeyExchangePool({ threads: 2, rotateAfterMs: 10_000 });
    const requests = await Promise.all(Array.from({ length: 100 }, () => createKeyExchangeRequest()));
    const answers = requests.map((request) => pool.wrap(request.publicKey, periodKey, CONTEXT));
    await pool.close();
    const responses = await Promise.all(answers);
    for (let i = 0; i < requests.length; i++)
      assert.ok(await opensTo(requests[i]!, responses[i]!, periodKey));
    assert.equal(pool.workers.length, 0);
    const late = await createKeyExchangeRequest();
    assert.ok(await opensTo(late, await pool.wrap(late.publicKey, periodKey, CONTEXT), periodKey));
  });
});
