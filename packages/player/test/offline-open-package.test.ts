/**
 * Opening offline packages (src/offline/open-offline-package.ts) and reading their plaintext
 * (plaintext-reader.ts), in Node with real WebCrypto: key files and packages are made with the
 * same @securevod/crypto functions the server uses (`createKeyFile`, `encryptPackageStream`),
 * around a real ffmpeg fMP4 cut into 64 KiB chunks. Every licensing mismatch must give the one
 * `notLicensed` error; a revoked version `secretRevoked`; altered chunks `packageTampered`; and
 * the fragment index over decrypted bytes must equal the one over the clear file.
 */
import {
  createKeyFile,
  encodeAppEncryptKey,
  encryptPackageStream,
  packageSourceFromBytes,
  randomBytes,
  readPackageHeader,
} from '@securevod/crypto';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { PlayerError } from '../src/errors.js';
import { readInitSegment, scanFragments } from '../src/offline/fragment-index.js';
import { fromOfflineError, NOT_LICENSED_MESSAGE } from '../src/offline/offline-errors.js';
import { openOfflinePackage, type OpenOfflinePackageOptions } from '../src/offline/open-offline-package.js';
import { PlaintextReader } from '../src/offline/plaintext-reader.js';
import { mergeRevocations } from '../src/offline/revocation-list.js';
import { bytesReader, collect, makeFmp4, type Fmp4Fixture } from './support/offline-media.js';

const ORIGIN = 'http://127.0.0.1:8123';
const OTHER_ORIGIN = 'http://localhost:8124';
const KEY = 'OfflineKey0123456789abcXY';
const ITERATIONS = 100_000; // the minimum readers accept: keeps the test quick
const CHUNK = 64 * 1024;

let media: Fmp4Fixture;
let secret1: Uint8Array;
let keyFile1: Uint8Array;
let keyFile2: Uint8Array;
let otherAppKeyFile: Uint8Array;
let pkg1: Uint8Array;

async function makePackage(secret: Uint8Array, secretVersion: number, app = ORIGIN): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of encryptPackageStream([media.bytes], {
    secret,
    secretVersion,
    videoId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    definition: 'SD',
    appIdentification: app,
    plaintextLength: media.bytes.length,
    chunkSize: CHUNK,
  })) {
    parts.push(part.slice());
  }
  return new Uint8Array(Buffer.concat(parts)); // a Uint8Array: its slice() copies, a Buffer's does not
}

before(async () => {
  media = await makeFmp4({ seconds: 5, bitrateKbps: 600 });
  secret1 = randomBytes(32);
  const secret2 = randomBytes(32);
  [keyFile1, keyFile2, otherAppKeyFile] = await Promise.all([
    createKeyFile({
      secret: secret1,
      secretVersion: 1,
      appIdentification: ORIGIN,
      appDecryptKey: KEY,
      iterations: ITERATIONS,
    }),
    createKeyFile({
      secret: secret2,
      secretVersion: 2,
      appIdentification: ORIGIN,
      appDecryptKey: KEY,
      iterations: ITERATIONS,
    }),
    createKeyFile({
      secret: secret1,
      secretVersion: 1,
      appIdentification: OTHER_ORIGIN,
      appDecryptKey: KEY,
      iterations: ITERATIONS,
    }),
  ]);
  pkg1 = await makePackage(secret1, 1);
  assert.ok(readPackageHeader(pkg1).chunkCount > 4, 'several chunks');
});

const open = (overrides: Partial<OpenOfflinePackageOptions> = {}) =>
  openOfflinePackage({
    source: packageSourceFromBytes(pkg1),
    keyFile: keyFile1,
    appDecryptKey: KEY,
    appIdentification: ORIGIN,
    ...overrides,
  });

async function assertFails(promise: Promise<unknown>, details: string): Promise<PlayerError> {
  let caught: unknown;
  await promise.then(
    () => assert.fail(`expected ${details}`),
    (error: unknown) => (caught = error),
  );
  assert.ok(caught instanceof PlayerError, String(caught));
  assert.equal(caught.details, details, caught.message);
  assert.equal(caught.fatal, true);
  return caught;
}

describe('opening a package', () => {
  test('with its key file, AppDecryptKey and origin: the plaintext is the fMP4, read at any offset', async () => {
    const opened = await open();
    assert.equal(opened.header.appIdentification, `web:${ORIGIN}`);
    assert.equal(opened.header.secretVersion, 1);
    let decrypted = 0;
    const reader = new PlaintextReader(opened, { cacheChunks: 2, onChunkDecrypted: () => decrypted++ });
    assert.equal(reader.size, media.bytes.length);
    for (const [offset, length] of [
      [0, 100],
      [CHUNK - 10, 20], // across a chunk boundary
      [3 * CHUNK + 5, 2 * CHUNK + 7], // three chunks
      [media.bytes.length - 50, 50],
      [media.bytes.length - 10, 100], // clipped at the end
    ] as const) {
      const expected = media.bytes.subarray(offset, Math.min(media.bytes.length, offset + length));
      assert.deepEqual(await reader.read(offset, length), expected, `${length} bytes at ${offset}`);
    }
    const before = decrypted;
    await reader.read(media.bytes.length - 20, 10);
    assert.equal(decrypted, before, 'the last chunk read is served from the cache');
  });

  test('the base64 AppEncryptKey text works as the key file', async () => {
    const opened = await open({ keyFile: `${encodeAppEncryptKey(keyFile1)}\n` });
    assert.equal(opened.header.secretVersion, 1);
  });

  test('the fragment index over decrypted chunks equals the one over the clear file', async () => {
    const reader = new PlaintextReader(await open());
    const init = await readInitSegment(reader);
    const clear = await readInitSegment(bytesReader(media.bytes));
    assert.deepEqual(init.bytes, clear.bytes);
    assert.deepEqual(
      await collect(scanFragments(reader, init.info, init.bytes.length)),
      await collect(scanFragments(bytesReader(media.bytes), clear.info, clear.bytes.length)),
    );
  });
});

describe('every mismatch is the one "not licensed for this app" error', () => {
  test('wrong AppDecryptKey (well-formed, or not even that)', async () => {
    const error = await assertFails(open({ appDecryptKey: 'WrongKey0123456789abcXY' }), 'notLicensed');
    assert.deepEqual(error.toJSON(), {
      type: 'key',
      details: 'notLicensed',
      message: NOT_LICENSED_MESSAGE,
      fatal: true,
    });
    await assertFails(open({ appDecryptKey: '' }), 'notLicensed');
  });

  test('another origin opening the same package and key file', async () => {
    await assertFails(open({ appIdentification: OTHER_ORIGIN }), 'notLicensed');
  });

  test('a key file of another app, or of another secret version', async () => {
    await assertFails(open({ keyFile: otherAppKeyFile }), 'notLicensed');
    await assertFails(open({ keyFile: keyFile2 }), 'notLicensed');
  });

  test('a package of another app, or made under another secret of the same version', async () => {
    const otherApp = await makePackage(secret1, 1, OTHER_ORIGIN);
    await assertFails(open({ source: packageSourceFromBytes(otherApp) }), 'notLicensed');
    const otherSecret = await makePackage(randomBytes(32), 1);
    await assertFails(open({ source: packageSourceFromBytes(otherSecret) }), 'notLicensed');
  });

  test('an altered header byte (the VideoId)', async () => {
    const altered = pkg1.slice();
    altered[46]! ^= 0x01; // the first byte of the VideoId, after its length prefix at 44
    await assertFails(open({ source: packageSourceFromBytes(altered) }), 'notLicensed');
  });
});

describe('revocation, tampering, truncation, malformed input', () => {
  test('a revoked version of this app is refused before the key file is opened', async () => {
    const revocations = mergeRevocations(
      undefined,
      { appIdentification: `web:${ORIGIN}`, revokedVersions: [1], activeVersions: [2] },
      new Date(),
    );
    const error = await assertFails(open({ revocations }), 'secretRevoked');
    assert.equal(error.type, 'key');
    assert.match(error.message, /secret version 1/);
    // Decided from the stored list alone: even a wrong AppDecryptKey gets to hear it.
    await assertFails(open({ revocations, appDecryptKey: 'WrongKey0123456789abcXY' }), 'secretRevoked');
    // The same list does not touch version 2 or another app's packages.
    const otherList = mergeRevocations(
      undefined,
      { appIdentification: `web:${OTHER_ORIGIN}`, revokedVersions: [1], activeVersions: [] },
      new Date(),
    );
    assert.equal((await open({ revocations: otherList })).header.secretVersion, 1);
  });

  test('an altered chunk opens, and reading it is packageTampered', async () => {
    const header = readPackageHeader(pkg1);
    const altered = pkg1.slice();
    altered[header.headerLength + 2 * (CHUNK + 16) + 100]! ^= 0x80; // chunk 2
    const reader = new PlaintextReader(await open({ source: packageSourceFromBytes(altered) }));
    assert.equal((await reader.read(0, 10)).length, 10, 'chunk 0 is fine');
    const error = await reader.read(2 * CHUNK + 1, 10).then(
      () => assert.fail('expected a tampering error'),
      (e: unknown) => fromOfflineError(e),
    );
    assert.equal(error.details, 'packageTampered');
    assert.equal(error.type, 'decrypt');
    assert.match(error.message, /chunk 2/);
  });

  test('a cut package is packageIncomplete; a malformed key file is keyFileInvalid', async () => {
    await assertFails(
      open({ source: packageSourceFromBytes(pkg1.subarray(0, pkg1.length - 1)) }),
      'packageIncomplete',
    );
    await assertFails(open({ keyFile: keyFile1.subarray(0, 91) }), 'keyFileInvalid');
    await assertFails(open({ keyFile: 'not base64 !' }), 'keyFileInvalid');
    await assertFails(open({ source: packageSourceFromBytes(media.bytes) }), 'packageInvalid');
  });
});
