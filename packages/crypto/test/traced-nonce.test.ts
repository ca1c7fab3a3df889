/**
 * Traced renditions (leak tracing): variants A and B of a segment are sealed under the same
 * period key, so their nonces must never be equal. The first nonce byte names the variant.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRACED_NONCE_PREFIX, decryptPrivateSegment, encryptPrivateSegment } from '../src/segment-crypto.js';

test('the variant fixes the first nonce byte; the rest stays random; both decrypt', async () => {
  const key = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const context = { videoId: 'v1', rendition: 'job-sd', segmentIndex: 7 };
  const clear = new Uint8Array([1, 2, 3, 4, 5]);
  const seen = new Set<string>();
  for (const variant of ['a', 'b', 'a', 'b'] as const) {
    const sealed = await encryptPrivateSegment(key, clear.slice(), context, { variant });
    assert.equal(sealed[8], TRACED_NONCE_PREFIX[variant]);
    const nonce = Buffer.from(sealed.subarray(8, 20)).toString('hex');
    assert.ok(!seen.has(nonce), 'a nonce repeated');
    seen.add(nonce);
    assert.deepEqual(await decryptPrivateSegment(key, sealed, context), clear);
  }
  // A fixed test-vector nonce is not modified in place.
  const fixed = new Uint8Array(12).fill(0xee);
  const sealed = await encryptPrivateSegment(key, clear.slice(), context, { nonce: fixed, variant: 'b' });
  assert.equal(sealed[8], 0x0b);
  assert.equal(fixed[0], 0xee);
});
