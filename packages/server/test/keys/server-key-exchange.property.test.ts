/**
 * Fuzz target "ECDH public-key input" (issue 11): the client public key the key service takes
 * from any caller holding a play token. `ServerKeyExchange.wrap` refuses anything that is not the
 * canonical base64url of an uncompressed P-256 point with `KeyExchangeError('InvalidPublicKey')`
 * and nothing else, and accepts exactly the points an independent check (node's SPKI import)
 * accepts; for real client keys, the SDK side opens what it wraps.
 */
import assert from 'node:assert/strict';
import { createECDH, createPublicKey, ECDH } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createKeyExchangeRequest,
  KeyExchangeError,
  unwrapKeyFromServer,
  type KeyExchangeContext,
} from '@securevod/crypto';
import { ServerKeyExchange } from '../../src/keys/server-key-exchange.js';
import { fuzzParameters, fuzzRuns, mutatedBytes, onlyTyped, onlyTypedAsync } from '../support/fuzz.js';

const RUNS = fuzzRuns(3000);
/** A WebCrypto key pair, the exchange and the unwrap: about 30 cheap inputs' worth. */
const ROUND_TRIP_RUNS = fuzzRuns(200, { costly: 30 });
const CONTEXT: KeyExchangeContext = { videoId: 'v1', rendition: 'hd', period: 0 };
const PERIOD_KEY = new Uint8Array(32).fill(9);
const SPKI_P256_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/** The reference: does node accept these 65 bytes as a P-256 public point? */
function isP256Point(raw: Buffer): boolean {
  if (raw.length !== 65 || raw[0] !== 0x04) return false;
  try {
    createPublicKey({ key: Buffer.concat([SPKI_P256_PREFIX, raw]), format: 'der', type: 'spki' });
    return true;
  } catch {
    return false;
  }
}

const validPoint = fc.constant(null).map(() => {
  const ecdh = createECDH('prime256v1');
  return new Uint8Array(ecdh.generateKeys());
});
const publicKeyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.base64String({ maxLength: 100 }),
  fc
    .uint8Array({ minLength: 64, maxLength: 64 })
    .map((b) => Buffer.concat([Buffer.from([4]), b]).toString('base64url')),
  validPoint.chain((p) => mutatedBytes(p)).map((b) => Buffer.from(b).toString('base64url')),
  validPoint.map((p) => `${Buffer.from(p).toString('base64url')}=`),
  validPoint.map((p) => Buffer.from(p).toString('base64')),
  validPoint.map((p) => compressed(p).toString('base64url')),
  fc.constantFrom(
    '',
    'BA',
    Buffer.alloc(65).toString('base64url'),
    Buffer.from([4, ...new Array(64).fill(0)]).toString('base64url'),
  ),
);

function compressed(point: Uint8Array): Buffer {
  return ECDH.convertKey(Buffer.from(point), 'prime256v1', undefined, undefined, 'compressed') as Buffer;
}

describe('ECDH public-key input, property-based', () => {
  const exchange = new ServerKeyExchange({ rotateAfterMs: 60_000 });

  it(`refuses any non-point only with KeyExchangeError, accepts exactly the points (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(publicKeyText, (text) => {
        const response = onlyTyped([KeyExchangeError], () => exchange.wrap(text, PERIOD_KEY, CONTEXT));
        const raw = Buffer.from(text, 'base64url');
        const canonical = raw.toString('base64url') === text;
        assert.equal(response !== undefined, canonical && isP256Point(raw), `accepted: ${text}`);
      }),
      fuzzParameters(RUNS),
    );
  });

  it(`real client keys get a key the SDK opens (${ROUND_TRIP_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1000 }), async (period) => {
        const context = { ...CONTEXT, period };
        const request = await createKeyExchangeRequest();
        const response = exchange.wrap(request.publicKey, PERIOD_KEY, context);
        const key = await onlyTypedAsync([], () =>
          unwrapKeyFromServer({
            privateKey: request.privateKey,
            clientPublicKey: request.publicKey,
            response,
            context,
          }),
        );
        assert.equal(key?.algorithm.name, 'AES-GCM');
        // The same response under another period's context opens nothing.
        await assert.rejects(
          unwrapKeyFromServer({
            privateKey: request.privateKey,
            clientPublicKey: request.publicKey,
            response,
            context: { ...context, period: period + 1 },
          }),
          KeyExchangeError,
        );
      }),
      fuzzParameters(ROUND_TRIP_RUNS),
    );
  });
});
