/**
 * Fuzz target "the offline package reader" (issue 11): package bytes an attacker controls. The
 * header reader takes any bytes; `openPackage` plus reading every chunk, on any near-miss of a
 * real package (flipped, inserted, deleted bytes; cuts), fails only with `PackageError` and
 * yields plaintext only for the untouched package — and then exactly the original plaintext.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { PackageError, packageSourceFromBytes, readPackageHeader } from '@securevod/crypto';
import { collect, fixture, makePackage, open, pseudoRandom } from './support/offline-package-fixtures.js';
import { fuzzParameters, fuzzRuns, mutatedBytes, onlyTyped, onlyTypedAsync } from './support/fuzz.js';

const RUNS = fuzzRuns(3000);
/** Opening unwraps a key and decrypts every chunk: about 20 cheap inputs' worth. */
const OPEN_RUNS = fuzzRuns(1000, { costly: 20 });
const PLAINTEXT = pseudoRandom(3000, 11);

let f: Awaited<ReturnType<typeof fixture>>;
let valid: Uint8Array;
before(async () => {
  f = await fixture();
  valid = await makePackage(f, PLAINTEXT, { chunkSize: 1024 });
});

describe('offline package reader, property-based', () => {
  it(`readPackageHeader fails only with PackageError (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 300 }), mutatedBytes(valid.subarray(0, 200))),
        (bytes) => {
          onlyTyped([PackageError], () => readPackageHeader(bytes));
        },
      ),
      fuzzParameters(RUNS),
    );
  });

  it(`openPackage yields plaintext only for the untouched package (${OPEN_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(mutatedBytes(valid), async (bytes) => {
        const plaintext = await onlyTypedAsync([PackageError], async () => {
          const opened = await open(f, packageSourceFromBytes(bytes));
          return collect(opened.stream());
        });
        const untouched = Buffer.from(bytes).equals(Buffer.from(valid));
        assert.equal(plaintext !== undefined, untouched, 'opens exactly when nothing was altered');
        if (plaintext) assert.deepEqual(plaintext, PLAINTEXT);
      }),
      fuzzParameters(OPEN_RUNS),
    );
  });
});
