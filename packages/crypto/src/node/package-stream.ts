/**
 * The offline package as a stream, on node:crypto (issue 12 item 6): the same bytes as
 * `writePackageStream` in offline-package-writer.ts, but each chunk is encrypted piece by piece
 * as the source yields it — `createCipheriv('aes-256-gcm')` under the writer's package key — so
 * plaintext is never gathered into a chunk buffer, and ciphertext leaves as soon as it exists.
 * Memory is one source piece and its ciphertext, whatever the chunk size. The key stays a
 * non-extractable CryptoKey handed to OpenSSL as a KeyObject: its bytes never reach JavaScript.
 */
import { KeyObject, createCipheriv, type CipherGCM } from 'node:crypto';
import { PackageError } from '../offline-package-format.js';
import {
  createPackageWriter,
  type PackageWriter,
  type PackageWriterOptions,
} from '../offline-package-writer.js';

/**
 * As the isomorphic `encryptPackageStream`. One generator, not one delegating to another
 * (`yield*`): every piece passing through a second async generator cost another round of promises.
 */
export function encryptPackageStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: PackageWriterOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  return streamPackage(() => createPackageWriter(opts), source);
}

/**
 * As the isomorphic `writePackageStream`: the header, then the chunks' ciphertext and tags as the
 * source's pieces come in, read only as fast as the consumer pulls. `PackageError('LengthMismatch')`
 * when the source ends early or runs past `plaintextLength`.
 */
export function writePackageStream(
  writer: PackageWriter,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  return streamPackage(() => writer, source);
}

/** Both of the above; `makeWriter` runs when the consumer first pulls, as a generator's body would. */
async function* streamPackage(
  makeWriter: () => PackageWriter | Promise<PackageWriter>,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  const writer = await makeWriter();
  yield writer.header;
  const key = KeyObject.from(writer.chunkKey);
  const open = (index: number): CipherGCM => {
    const { iv, additionalData } = writer.chunkCipherParams(index);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    cipher.setAAD(additionalData);
    return cipher;
  };
  let index = 0;
  let cipher = open(0);
  let chunkLength = writer.chunkPlaintextLength(0);
  let filled = 0;
  let total = 0;
  for await (const piece of source) {
    if (!(piece instanceof Uint8Array)) throw new TypeError('The package source must yield Uint8Arrays.');
    total += piece.length;
    if (total > writer.plaintextLength) throw lengthMismatch(`more than ${writer.plaintextLength}`, writer);
    let at = 0;
    while (at < piece.length) {
      const take = Math.min(chunkLength - filled, piece.length - at);
      const out = cipher.update(take === piece.length ? piece : piece.subarray(at, at + take));
      filled += take;
      at += take;
      if (filled < chunkLength) {
        yield out;
        continue;
      }
      // The chunk is complete: its tag follows its last ciphertext as a piece of its own, not
      // copied onto it: a Buffer.concat here copied the chunk's last piece once more.
      cipher.final();
      yield out;
      yield cipher.getAuthTag();
      index++;
      filled = 0;
      if (index < writer.chunkCount) {
        cipher = open(index);
        chunkLength = writer.chunkPlaintextLength(index);
      }
    }
  }
  if (total !== writer.plaintextLength) throw lengthMismatch(String(total), writer);
  // An empty package still ends with its (empty) final chunk.
  if (writer.plaintextLength === 0) {
    cipher.final();
    yield cipher.getAuthTag();
  }
}

function lengthMismatch(got: string, writer: PackageWriter): PackageError {
  return new PackageError(
    'LengthMismatch',
    `The package source yielded ${got} bytes; the declared plaintext length is ${writer.plaintextLength}.`,
  );
}
