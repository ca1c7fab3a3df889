/** The offline package's header reader and the writer's argument contract. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AppIdentificationError,
  createPackageWriter,
  encryptPackageStream,
  readPackageHeader,
} from '@securevod/crypto';
import {
  WEB,
  VIDEO_ID,
  CS,
  pseudoRandom,
  pieces,
  collect,
  fixture,
  options,
  makePackage,
  isPackageError,
} from './support/offline-package-fixtures.js';

void describe('readPackageHeader', () => {
  void it('reads a header from the first 4096 bytes of a large package, without secrets', async () => {
    const f = await fixture();
    const pkg = await makePackage(f, pseudoRandom(10 * CS, 1), { definition: 'FHD' });
    const header = readPackageHeader(pkg.subarray(0, 4096));
    assert.equal(header.definition, 'FHD');
    assert.equal(header.videoId, VIDEO_ID);
    assert.equal(header.appIdentification, WEB);
    assert.equal(header.secretVersion, 3);
    assert.equal(header.chunkCount, 10);
    assert.throws(
      () => readPackageHeader(pkg.subarray(0, 50)),
      isPackageError('Truncated', '', /first 4096 bytes/),
    );
  });

  void it('Malformed: magic, version, header length, chunk size', async () => {
    const f = await fixture();
    const pkg = await makePackage(f, pseudoRandom(100, 1));
    const alter = (offset: number, value: number) => {
      const a = Uint8Array.from(pkg);
      a[offset] = value;
      return a;
    };
    const malformed = (m: RegExp) => isPackageError('Malformed', '', m);
    assert.throws(() => readPackageHeader(alter(0, 0x73)), malformed(/does not start with "SVPK"/));
    assert.throws(() => readPackageHeader(alter(5, 3)), malformed(/version 3 is not supported/));
    assert.throws(() => readPackageHeader(alter(6, 0x20)), malformed(/header length 8\d\d\d is outside/));
    assert.throws(() => readPackageHeader(alter(7, pkg[7]! + 1)), malformed(/do not fit/));
    const smallChunks = alter(14, 0);
    smallChunks[15] = 15;
    assert.throws(() => readPackageHeader(smallChunks), malformed(/chunk size 15 is outside/));
    assert.throws(() => readPackageHeader(alter(12, 2)), malformed(/chunk size 33555456 is outside/));
    assert.throws(() => readPackageHeader(alter(17, 0x20)), malformed(/2\^53/));
    assert.throws(() => readPackageHeader(new Uint8Array(0)), isPackageError('Truncated'));
  });
});

void describe('writer contract', () => {
  void it('refuses arguments outside the contract', async () => {
    const f = await fixture();
    const base = options(f, 100);
    await assert.rejects(createPackageWriter({ ...base, secret: new Uint8Array(31) }), RangeError);
    await assert.rejects(createPackageWriter({ ...base, secretVersion: 2 ** 32 }), RangeError);
    await assert.rejects(createPackageWriter({ ...base, chunkSize: 15 }), RangeError);
    await assert.rejects(createPackageWriter({ ...base, chunkSize: 2 ** 24 + 1 }), RangeError);
    await assert.rejects(createPackageWriter({ ...base, plaintextLength: -1 }), RangeError);
    await assert.rejects(createPackageWriter({ ...base, plaintextLength: 1.5 }), RangeError);
    await assert.rejects(createPackageWriter({ ...base, plaintextLength: 2 ** 53 }), RangeError);
    await assert.rejects(
      createPackageWriter({ ...base, chunkSize: 16, plaintextLength: 2 ** 40 }),
      RangeError,
    );
    await assert.rejects(createPackageWriter({ ...base, videoId: '' }), TypeError);
    await assert.rejects(createPackageWriter({ ...base, videoId: 'v'.repeat(4000) }), /at most 4096/);
    await assert.rejects(createPackageWriter({ ...base, appIdentification: 'nope' }), AppIdentificationError);

    const w = await createPackageWriter({ ...base, plaintextLength: CS + 1 });
    await assert.rejects(w.encryptChunk(0, new Uint8Array(CS), true), /Only the last chunk/);
    await assert.rejects(w.encryptChunk(1, new Uint8Array(1), false), /Only the last chunk/);
    await assert.rejects(w.encryptChunk(1, new Uint8Array(2), true), /must hold 1 plaintext bytes/);
    await assert.rejects(w.encryptChunk(2, new Uint8Array(0), true), RangeError);
  });

  void it('encryptPackageStream: LengthMismatch when the source is shorter or longer', async () => {
    const f = await fixture();
    const plaintext = pseudoRandom(2 * CS, 1);
    for (const declared of [2 * CS + 1, 2 * CS - 1, 3 * CS, 0]) {
      await assert.rejects(
        collect(encryptPackageStream(pieces(plaintext), options(f, declared))),
        isPackageError('LengthMismatch', String(declared)),
      );
    }
  });
});
