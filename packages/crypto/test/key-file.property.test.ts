/**
 * Fuzz target "the key file" (issue 11): AppEncryptKey text and key-file bytes from an attacker
 * or a damaged download. `decodeAppEncryptKey` and `readKeyFileHeader` take any input and fail
 * only with `KeyFileError`; `openKeyFile` on any near-miss of a real file fails only with
 * `KeyFileError` and opens nothing but the untouched file (the header is the GCM AAD, the
 * ciphertext is authenticated). Opening costs one PBKDF2 of 100,000 iterations, so that property
 * runs far fewer times than the cheap ones.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createKeyFile,
  decodeAppEncryptKey,
  encodeAppEncryptKey,
  KEY_FILE_LENGTH,
  KEY_FILE_MAX_ITERATIONS,
  KEY_FILE_MIN_ITERATIONS,
  KeyFileError,
  openKeyFile,
  readKeyFileHeader,
} from '@securevod/crypto';
import { fuzzParameters, fuzzRuns, mutatedBytes, onlyTyped, onlyTypedAsync } from './support/fuzz.js';

const RUNS = fuzzRuns(3000);
/** One PBKDF2 (100,000 iterations) costs about 2,000 cheap inputs. */
const OPEN_RUNS = fuzzRuns(12, { costly: 2000 });
const APP = 'https://learn.example.com';
const KEY = 'FuzzDecryptKey2026abc';

let valid: Uint8Array;
before(async () => {
  valid = await createKeyFile({
    secret: new Uint8Array(32).fill(7),
    secretVersion: 3,
    appIdentification: APP,
    appDecryptKey: KEY,
    iterations: KEY_FILE_MIN_ITERATIONS,
  });
});

describe('key file, property-based', () => {
  it(`decodeAppEncryptKey and readKeyFileHeader fail only with KeyFileError (${RUNS} runs)`, () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.base64String({ maxLength: 140 }),
      mutatedBytes(valid).map((b) => encodeAppEncryptKey(b)),
      mutatedBytes(Buffer.from(encodeAppEncryptKey(valid))).map((b) => Buffer.from(b).toString('latin1')),
    );
    fc.assert(
      fc.property(text, (input) => {
        const bytes = onlyTyped([KeyFileError], () => decodeAppEncryptKey(input));
        if (bytes === undefined) return;
        const header = onlyTyped([KeyFileError], () => readKeyFileHeader(bytes));
        if (header === undefined) return;
        assert.equal(bytes.length, KEY_FILE_LENGTH);
        assert.ok(
          header.iterations >= KEY_FILE_MIN_ITERATIONS && header.iterations <= KEY_FILE_MAX_ITERATIONS,
        );
      }),
      fuzzParameters(RUNS),
    );
  });

  it(`readKeyFileHeader takes any bytes (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), mutatedBytes(valid)), (bytes) => {
        onlyTyped([KeyFileError], () => readKeyFileHeader(bytes));
      }),
      fuzzParameters(RUNS),
    );
  });

  it(`openKeyFile opens only the untouched file, for the right key (${OPEN_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 3, arbitrary: mutatedBytes(valid).map((file) => ({ file, key: KEY })) },
          fc.string({ maxLength: 40 }).map((key) => ({ file: valid, key })),
        ),
        async ({ file, key }) => {
          const opened = await onlyTypedAsync([KeyFileError], () =>
            openKeyFile(file, { appIdentification: APP, appDecryptKey: key }),
          );
          const untouched = Buffer.from(file).equals(Buffer.from(valid)) && key === KEY;
          assert.equal(opened !== undefined, untouched, 'opens exactly when nothing was altered');
        },
      ),
      fuzzParameters(OPEN_RUNS),
    );
  });
});
