/**
 * `@securevod/crypto/node`'s package stream (node:crypto, piece by piece) writes exactly the bytes
 * of the isomorphic WebCrypto writer, whatever the source's piece sizes, and refuses sources of
 * the wrong length the same way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encryptPackageStream as webEncrypt, PackageError } from '@securevod/crypto';
import { encryptPackageStream as nodeEncrypt } from '@securevod/crypto/node';
import { collect, pseudoRandom, vectorOptions } from './support/offline-package-fixtures.js';

function* pieces(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const fixed = vectorOptions._fixed;

void describe('node package stream', () => {
  for (const [length, chunkSize, pieceSize] of [
    [0, 16, 7],
    [15, 16, 1],
    [16, 16, 16],
    [1000, 64, 7],
    [1000, 64, 64],
    [1000, 64, 1000],
    [200_000, 65_536, 4096],
    [200_000, 65_536, 100_000],
  ] as const) {
    it(`matches the WebCrypto writer: ${length} bytes, chunks of ${chunkSize}, pieces of ${pieceSize}`, async () => {
      const plaintext = pseudoRandom(length, length + chunkSize);
      const opts = { ...vectorOptions, plaintextLength: length, chunkSize, _fixed: fixed };
      const expected = await collect(webEncrypt(pieces(plaintext, chunkSize), opts));
      const actual = await collect(nodeEncrypt(pieces(plaintext, pieceSize), opts));
      assert.equal(Buffer.compare(Buffer.from(actual), Buffer.from(expected)), 0);
    });
  }

  it('refuses a source shorter or longer than the declared length', async () => {
    const opts = { ...vectorOptions, plaintextLength: 100, chunkSize: 16, _fixed: fixed };
    for (const length of [99, 101]) {
      await assert.rejects(
        collect(nodeEncrypt([pseudoRandom(length, 1)], opts)),
        (error: unknown) => error instanceof PackageError && error.code === 'LengthMismatch',
      );
    }
  });
});
