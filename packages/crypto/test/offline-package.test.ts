/** The offline package (docs/formats.md): the test vector, round trips, and every way a package is refused. */
import assert from 'node:assert/strict';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  AppIdentificationError,
  bytesToHex,
  concatBytes,
  createKeyFile,
  createPackageWriter,
  encryptPackageStream,
  hexToBytes,
  openKeyFile,
  openPackage,
  PackageError,
  packageSourceFromBytes,
  readPackageHeader,
  type PackageErrorCode,
} from '@securevod/crypto';
import {
  ANDROID,
  APP,
  WEB,
  KEY,
  VIDEO_ID,
  CS,
  MiB,
  VECTOR,
  vectorOptions,
  hexBlock,
  pseudoRandom,
  collect,
  fixture,
  options,
  makePackage,
  open,
  isPackageError,
  independentPackage,
} from './support/offline-package-fixtures.js';

void describe('offline package test vector', () => {
  void it('the writer with fixed inputs gives the documented bytes, and so does node:crypto', async () => {
    const writer = await createPackageWriter(vectorOptions);
    const chunks = await Promise.all(
      [0, 1, 2].map((i) => writer.encryptChunk(i, VECTOR.plaintext.subarray(i * 16, i * 16 + 16), i === 2)),
    );
    const pkg = concatBytes(writer.header, ...chunks);
    assert.equal(bytesToHex(pkg), await hexBlock('Offline package (secure download)'));
    assert.equal(bytesToHex(pkg), bytesToHex(independentPackage(vectorOptions as never, VECTOR.plaintext)));
    assert.equal(
      bytesToHex(await collect(encryptPackageStream([VECTOR.plaintext], vectorOptions))),
      bytesToHex(pkg),
    );
    assert.equal(writer.packageLength, pkg.length);
  });

  void it('opens with the documented key-file vector and its AppDecryptKey', async () => {
    const keyFile = hexToBytes(await hexBlock('Key file (AppEncryptKey)'));
    const opened = await openKeyFile(keyFile, { appIdentification: ANDROID, appDecryptKey: KEY });
    const pkg = hexToBytes(await hexBlock('Offline package (secure download)'));
    assert.deepEqual(readPackageHeader(pkg), {
      formatVersion: 1,
      videoId: VIDEO_ID,
      definition: 'HD',
      appIdentification: APP,
      secretVersion: 1,
      plaintextLength: 39,
      chunkSize: 16,
      chunkCount: 3,
      headerLength: 199,
      packageLength: 286,
    });
    const p = await openPackage(packageSourceFromBytes(pkg), opened);
    assert.deepEqual(await collect(p.stream()), VECTOR.plaintext);
    assert.deepEqual(await p.readChunk(2), VECTOR.plaintext.subarray(32));
  });
});

void describe('round trip', () => {
  const cases: [string, number, number][] = [
    ['empty', 0, CS],
    ['1 byte', 1, CS],
    ['chunkSize - 1', CS - 1, CS],
    ['chunkSize', CS, CS],
    ['chunkSize + 1', CS + 1, CS],
    ['3.5 chunks', 3.5 * CS, CS],
    ['~5 MiB at the default 1 MiB chunks', 5 * MiB + 12_345, 1 * MiB],
  ];
  for (const [name, length, chunkSize] of cases) {
    void it(`${name} (${length} bytes)`, async () => {
      const f = await fixture();
      const plaintext = pseudoRandom(length, length + 1);
      const extra = chunkSize === MiB ? { chunkSize: undefined } : { chunkSize };
      const pkg = await makePackage(f, plaintext, extra);
      const count = Math.max(1, Math.ceil(length / chunkSize));
      const header = readPackageHeader(pkg);
      assert.equal(header.chunkCount, count);
      assert.equal(header.chunkSize, chunkSize);
      assert.equal(header.plaintextLength, length);
      assert.equal(pkg.length, header.headerLength + length + 16 * count);
      assert.equal(header.packageLength, pkg.length);

      const p = await open(f, pkg);
      assert.deepEqual(p.header, header);
      const streamed = await collect(p.stream());
      assert.equal(streamed.length, length);
      assert.ok(Buffer.from(streamed).equals(Buffer.from(plaintext)), 'stream() gives the plaintext back');
      const last = await p.readChunk(count - 1);
      assert.equal(last.length, length - (count - 1) * chunkSize);
      await assert.rejects(p.readChunk(count), RangeError);
      if (length >= 64) {
        // No 32-byte window of the plaintext appears in the package.
        const hay = Buffer.from(pkg);
        for (const at of [0, length >> 1, length - 32]) {
          assert.equal(hay.indexOf(Buffer.from(plaintext.subarray(at, at + 32))), -1);
        }
      }
    });
  }

  void it('the writer accepts chunks in any order and concurrently (the server may parallelise)', async () => {
    const f = await fixture();
    const plaintext = pseudoRandom(3 * CS + 100, 3);
    const writer = await createPackageWriter(options(f, plaintext.length));
    const idx = [3, 1, 0, 2];
    const sealed = await Promise.all(
      idx.map((i) => writer.encryptChunk(i, plaintext.subarray(i * CS, (i + 1) * CS), i === 3)),
    );
    const ordered = idx.map((_, i) => sealed[idx.indexOf(i)]!);
    const p = await open(f, concatBytes(writer.header, ...ordered));
    assert.deepEqual(await collect(p.stream()), plaintext);
  });

  void it('read(offset, length) equals the plaintext slice for arbitrary ranges', async () => {
    const f = await fixture();
    const plaintext = pseudoRandom(5 * CS + 333, 11);
    let reads = 0;
    const bytes = await makePackage(f, plaintext);
    const inner = packageSourceFromBytes(bytes);
    const p = await open(f, { size: inner.size, read: (o, l) => (reads++, inner.read(o, l)) });
    const rnd = pseudoRandom(400, 5);
    const ranges: [number, number][] = [
      [0, 0],
      [0, plaintext.length],
      [plaintext.length, 0],
      [CS - 1, 2],
      [CS, CS],
      [5 * CS, 333],
      [plaintext.length - 1, 1],
      [10, 4 * CS],
    ];
    for (let i = 0; i < 100; i++) {
      const offset = ((rnd[i * 4]! << 8) | rnd[i * 4 + 1]!) % plaintext.length;
      const length = ((rnd[i * 4 + 2]! << 8) | rnd[i * 4 + 3]!) % (plaintext.length - offset + 1);
      ranges.push([offset, length]);
    }
    for (const [offset, length] of ranges) {
      assert.deepEqual(
        await p.read(offset, length),
        plaintext.subarray(offset, offset + length),
        `${offset}+${length}`,
      );
    }
    reads = 0;
    await p.read(2 * CS + 5, 10);
    assert.equal(reads, 1, 'a read inside one chunk reads one chunk');
    await assert.rejects(p.read(plaintext.length - 1, 2), RangeError);
    await assert.rejects(p.read(-1, 1), RangeError);
  });

  void it('every package has a fresh package key, nonce prefix and wrap IV', async () => {
    const f = await fixture();
    const [a, b] = await Promise.all([
      createPackageWriter(options(f, 10)),
      createPackageWriter(options(f, 10)),
    ]);
    const hex = (w: { header: Uint8Array }, from: number, to: number) =>
      bytesToHex(w.header.subarray(from, to));
    assert.notEqual(hex(a!, 24, 32), hex(b!, 24, 32));
    assert.notEqual(hex(a!, 32, 44), hex(b!, 32, 44));
    assert.notEqual(
      hex(a!, a!.header.length - 48, a!.header.length),
      hex(b!, b!.header.length - 48, b!.header.length),
    );
  });

  void it('opens with a key file made by createKeyFile, passing any form of the app identification', async () => {
    const f = await fixture();
    const keyFile = await createKeyFile({
      secret: f.secret,
      secretVersion: 3,
      appIdentification: 'https://video.example.com',
      appDecryptKey: KEY,
      iterations: 100_000,
    });
    const opened = await openKeyFile(keyFile, {
      appIdentification: 'https://VIDEO.example.com/',
      appDecryptKey: KEY,
    });
    const plaintext = pseudoRandom(2 * CS, 1);
    const pkg = await makePackage(f, plaintext, { appIdentification: 'https://video.example.com:443' });
    assert.equal(readPackageHeader(pkg).appIdentification, WEB);
    assert.deepEqual(
      await collect((await openPackage(packageSourceFromBytes(pkg), opened)).stream()),
      plaintext,
    );
    const raw = await openPackage(packageSourceFromBytes(pkg), {
      ...opened,
      appIdentification: 'https://video.example.com',
    });
    assert.equal(raw.header.appIdentification, WEB);
  });
});

void describe('NotLicensed', () => {
  void it('for another app, another secret version, or another secret', async () => {
    const f = await fixture();
    const pkg = await makePackage(f, pseudoRandom(100, 1));
    await open(f, pkg); // the control
    const err = isPackageError('NotLicensed');
    await assert.rejects(open(f, pkg, 'web:https://other.example.com'), err);
    await assert.rejects(open(f, pkg, 'https://video.example.com:8443'), err);
    await assert.rejects(open(f, pkg, APP), err);
    await assert.rejects(open(f, pkg, 'com.example.video'), err);
    await assert.rejects(open(f, pkg, WEB, 2), err);
    await assert.rejects(open(f, pkg, WEB, 4), err);
    await assert.rejects(open(await fixture(), pkg), err);
    // A key of the right version but for another app's secret: the header's app must still match.
    const other = await makePackage(f, pseudoRandom(100, 1), { appIdentification: 'com.example.video' });
    await assert.rejects(open(f, other), err);
  });

  void it('but a malformed identification or a key without unwrapKey is a caller bug', async () => {
    const f = await fixture();
    const pkg = await makePackage(f, pseudoRandom(10, 1));
    await assert.rejects(open(f, pkg, 'not an app'), AppIdentificationError);
    await assert.rejects(open(f, pkg, 'ios:BB:0D'), AppIdentificationError);
    const encryptOnly = await crypto.subtle.importKey('raw', new Uint8Array(f.secret), 'AES-GCM', false, [
      'decrypt',
    ]);
    await assert.rejects(open({ ...f, key: encryptOnly }, pkg), TypeError);
    await assert.rejects(open(f, pkg, WEB, -1), RangeError);
  });
});

void describe('every flipped byte is detected', () => {
  void it('header bytes: Malformed for structure, NotLicensed for the rest; chunk bytes: Tampered', async () => {
    const f = await fixture();
    const plaintext = pseudoRandom(2 * CS + 500, 9);
    const pkg = await makePackage(f, plaintext);
    const h = readPackageHeader(pkg).headerLength;
    const lp1 = 44;
    const lp2 = lp1 + 2 + VIDEO_ID.length;
    const lp3 = lp2 + 2 + 'HD'.length;
    const structural = new Set([0, 1, 2, 3, 4, 5, 6, 7, lp1, lp1 + 1, lp2, lp2 + 1, lp3, lp3 + 1]);
    assert.ok(pkg.length > h + 2048, 'big enough that a changed header length never runs past the end');
    const chunkOf = (offset: number) => Math.floor((offset - h) / (CS + 16));

    const failures: string[] = [];
    await Promise.all(
      Array.from(pkg.keys()).map(async (offset) => {
        for (const mask of offset < h ? [0x01, 0x80] : [0x01]) {
          const altered = Uint8Array.from(pkg);
          altered[offset]! ^= mask;
          const expected: PackageErrorCode =
            offset >= h ? 'Tampered' : structural.has(offset) ? 'Malformed' : 'NotLicensed';
          try {
            const p = await open(f, altered);
            if (offset < h) throw new Error('opened');
            const bad = chunkOf(offset);
            try {
              await p.readChunk(bad);
              throw new Error('chunk read');
            } finally {
              // The other chunks still read: random access is not disturbed by one bad chunk.
              const good = bad === 0 ? 1 : 0;
              assert.deepEqual(await p.readChunk(good), plaintext.subarray(good * CS, (good + 1) * CS));
            }
          } catch (e) {
            if (!(e instanceof PackageError) || e.code !== expected) {
              failures.push(`offset ${offset} ^ ${mask}: expected ${expected}, got ${String(e)}`);
            }
          }
        }
      }),
    );
    assert.deepEqual(failures, []);
  });
});

void describe('truncation, reordering, splicing', () => {
  void it('Truncated at a chunk boundary, mid-chunk, inside the header, or when empty', async () => {
    const f = await fixture();
    const pkg = await makePackage(f, pseudoRandom(3.5 * CS, 2));
    const h = readPackageHeader(pkg).headerLength;
    for (const size of [h + 3 * (CS + 16), h + (CS + 16), h, h + 100, pkg.length - 1, h - 1, 10, 3, 0]) {
      await assert.rejects(
        open(f, pkg.subarray(0, size)),
        isPackageError('Truncated', `size ${size}`),
        `size ${size}`,
      );
    }
    await assert.rejects(
      open(f, concatBytes(pkg, new Uint8Array(1))),
      isPackageError('Malformed', '', /1 bytes after/),
    );
  });

  void it('Truncated when the source shrinks after opening', async () => {
    const f = await fixture();
    const pkg = await makePackage(f, pseudoRandom(3 * CS, 2));
    let cut = false;
    const p = await open(f, {
      size: pkg.length,
      read: async (o, l) => pkg.subarray(o, cut ? o + l - 1 : o + l),
    });
    cut = true;
    await assert.rejects(p.readChunk(1), isPackageError('Truncated', '', /source returned/));
  });

  void it('Truncated when the last chunk is not marked final (a writer that stopped early)', async () => {
    const plaintext = pseudoRandom(2 * CS + 10, 4);
    const o = {
      ...options(await fixture(), plaintext.length),
      appIdentification: APP,
      _fixed: {
        packageKey: nodeRandomBytes(32),
        noncePrefix: nodeRandomBytes(8),
        wrapIv: nodeRandomBytes(12),
      },
    };
    const f = await fixture(Buffer.from(o.secret));
    const good = independentPackage(o, plaintext);
    assert.deepEqual(await collect((await open(f, good, APP)).stream()), plaintext);

    const noFinal = await open(
      f,
      independentPackage(o, plaintext, () => false),
      APP,
    );
    await assert.rejects(collect(noFinal.stream()), isPackageError('Truncated', '', /not marked final/));
    const early = await open(
      f,
      independentPackage(o, plaintext, (i) => i === 1),
      APP,
    );
    await assert.rejects(early.readChunk(1), isPackageError('Tampered'));
  });

  void it('Tampered for two swapped chunks', async () => {
    const f = await fixture();
    const plaintext = pseudoRandom(3 * CS + 1, 6);
    const pkg = await makePackage(f, plaintext);
    const h = readPackageHeader(pkg).headerLength;
    const c = (i: number) => pkg.subarray(h + i * (CS + 16), h + (i + 1) * (CS + 16));
    const swapped = concatBytes(pkg.subarray(0, h), c(1), c(0), c(2), pkg.subarray(h + 3 * (CS + 16)));
    const p = await open(f, swapped);
    await assert.rejects(p.readChunk(0), isPackageError('Tampered', '', /chunk 0/));
    await assert.rejects(p.readChunk(1), isPackageError('Tampered', '', /chunk 1/));
    assert.deepEqual(await p.readChunk(2), plaintext.subarray(2 * CS, 3 * CS));
    await assert.rejects(collect(p.stream()), isPackageError('Tampered'));
  });

  void it('Tampered for a chunk or a header from another package of the same app and size', async () => {
    const f = await fixture();
    const plaintext = pseudoRandom(3 * CS, 8);
    const [a, b] = await Promise.all([makePackage(f, plaintext), makePackage(f, plaintext)]);
    const h = readPackageHeader(a).headerLength;
    const spliced = Uint8Array.from(a);
    spliced.set(b.subarray(h + CS + 16, h + 2 * (CS + 16)), h + CS + 16);
    const p = await open(f, spliced);
    assert.deepEqual(await p.readChunk(0), plaintext.subarray(0, CS));
    await assert.rejects(p.readChunk(1), isPackageError('Tampered'));

    const otherHeader = concatBytes(b.subarray(0, h), a.subarray(h));
    await assert.rejects((await open(f, otherHeader)).readChunk(0), isPackageError('Tampered'));
  });
});
