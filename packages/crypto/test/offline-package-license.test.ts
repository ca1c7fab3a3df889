/** Offline package licences (format v2, docs/formats.md "Offline package licence"): vector, expiry, renewal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bytesToHex,
  checkPackageLicense,
  concatBytes,
  createPackageWriter,
  hexToBytes,
  openKeyFile,
  openPackage,
  packageSourceFromBytes,
  packageTagOf,
  readPackageHeader,
  renewPackageLicense,
  utf8Encode,
} from '@securevod/crypto';
import {
  ANDROID,
  APP,
  CS,
  KEY,
  VECTOR,
  VIDEO_ID,
  collect,
  fixture,
  hexBlock,
  isPackageError,
  makePackage,
  pseudoRandom,
  vectorOptions,
} from './support/offline-package-fixtures.js';

const EXPIRY = 1767225600; // 2026-01-01T00:00:00Z
const RENTAL_TEXT = utf8Encode('securevod rental package: 2 chunks');
const TITLE = 'Offline package licence (format version 2)';

void describe('offline package licence (format v2)', () => {
  void it('the writer with fixed inputs gives the documented v2 bytes; the key-file vector opens them before the expiry only', async () => {
    const writer = await createPackageWriter({
      ...vectorOptions,
      plaintextLength: RENTAL_TEXT.length,
      chunkSize: 32,
      licenseExpiresAt: EXPIRY,
    });
    const pkg = concatBytes(
      writer.header,
      await writer.encryptChunk(0, RENTAL_TEXT.subarray(0, 32), false),
      await writer.encryptChunk(1, RENTAL_TEXT.subarray(32), true),
    );
    assert.equal(bytesToHex(pkg), await hexBlock(TITLE));

    const key = await openKeyFile(hexToBytes(await hexBlock('Key file (AppEncryptKey)')), {
      appIdentification: ANDROID,
      appDecryptKey: KEY,
    });
    assert.deepEqual(readPackageHeader(pkg), {
      formatVersion: 2,
      videoId: VIDEO_ID,
      definition: 'HD',
      appIdentification: APP,
      secretVersion: 1,
      plaintextLength: 34,
      chunkSize: 32,
      chunkCount: 2,
      headerLength: 207,
      packageLength: 273,
      licenseExpiresAt: EXPIRY,
    });
    const before = await openPackage(packageSourceFromBytes(pkg), { ...key, now: EXPIRY * 1000 - 1 });
    assert.deepEqual(await collect(before.stream()), RENTAL_TEXT);
    assert.ok(before.licenseStateKey, 'a v2 package has a licence-state key');
    assert.equal(before.packageTag, await packageTagOf(pkg));
    await assert.rejects(
      openPackage(packageSourceFromBytes(pkg), { ...key, now: EXPIRY * 1000 }),
      isPackageError('LicenseExpired', 'at the expiry', /2026-01-01T00:00:00\.000Z/),
    );
    // `now: null` leaves the check to the caller.
    await openPackage(packageSourceFromBytes(pkg), { ...key, now: null });
  });

  void it('v1 packages still open at any time, with no licence and no licence-state key', async () => {
    const pkg = hexToBytes(await hexBlock('Offline package (secure download)'));
    const key = await openKeyFile(hexToBytes(await hexBlock('Key file (AppEncryptKey)')), {
      appIdentification: ANDROID,
      appDecryptKey: KEY,
    });
    const opened = await openPackage(packageSourceFromBytes(pkg), { ...key, now: 8.64e15 });
    assert.equal(opened.header.licenseExpiresAt, undefined);
    assert.equal(opened.licenseStateKey, undefined);
    assert.deepEqual(await collect(opened.stream()), VECTOR.plaintext);
    await assert.rejects(
      renewPackageLicense({ secret: VECTOR.secret, header: pkg, licenseExpiresAt: EXPIRY }),
      isPackageError('Malformed', 'renew v1', /has no licence/),
    );
  });

  void it('a changed expiry byte is NotLicensed; the expiry is authenticated', async () => {
    const f = await fixture();
    const pkg = await makePackage(f, pseudoRandom(3 * CS, 5), { licenseExpiresAt: EXPIRY });
    const now = (EXPIRY - 10) * 1000;
    for (const offset of [44, 47, 51]) {
      const altered = Uint8Array.from(pkg);
      altered[offset]! ^= 0x01;
      await assert.rejects(
        openPackage(packageSourceFromBytes(altered), {
          secretKey: f.key,
          secretVersion: 3,
          appIdentification: 'web:https://video.example.com',
          now,
        }),
        isPackageError('NotLicensed', `byte ${offset}`),
      );
    }
  });

  void it('every header byte of a v2 package is bound: structure bytes are Malformed, the others NotLicensed', async () => {
    const f = await fixture();
    const pkg = await makePackage(f, pseudoRandom(2 * CS, 3), { licenseExpiresAt: EXPIRY });
    const h = readPackageHeader(pkg).headerLength;
    const structural = new Set([0, 1, 2, 3, 4, 5, 6, 7, 52, 53, 86, 87, 90, 91]); // magic, version, H, lp()s
    for (let offset = 0; offset < h; offset++) {
      const altered = Uint8Array.from(pkg);
      altered[offset]! ^= 0x01;
      const code = structural.has(offset) ? 'Malformed' : 'NotLicensed';
      await assert.rejects(
        openPackage(packageSourceFromBytes(altered), {
          secretKey: f.key,
          secretVersion: 3,
          appIdentification: 'web:https://video.example.com',
          now: null,
        }),
        (e: unknown) =>
          e instanceof Error &&
          'code' in e &&
          (e.code === code || (structural.has(offset) && e.code === 'Truncated')),
        `byte ${offset}`,
      );
    }
  });

  void it('renewal: a new header, same length, opens the same chunks with a later expiry; the old one still expires', async () => {
    const f = await fixture();
    const plaintext = pseudoRandom(3 * CS + 17, 9);
    const pkg = await makePackage(f, plaintext, { licenseExpiresAt: EXPIRY });
    const h = readPackageHeader(pkg).headerLength;
    const later = EXPIRY + 3600;
    const license = await renewPackageLicense({ secret: f.secret, header: pkg, licenseExpiresAt: later });
    assert.equal(license.length, h);
    assert.notDeepEqual(license.subarray(32, 44), pkg.subarray(32, 44), 'a fresh wrap IV');
    assert.equal(checkPackageLicense(pkg, license).licenseExpiresAt, later);
    assert.equal(await packageTagOf(license), await packageTagOf(pkg), 'the package tag survives renewal');

    const at = EXPIRY * 1000 + 1; // the old licence has expired
    const base = { secretKey: f.key, secretVersion: 3, appIdentification: 'web:https://video.example.com' };
    await assert.rejects(
      openPackage(packageSourceFromBytes(pkg), { ...base, now: at }),
      isPackageError('LicenseExpired'),
    );
    const renewed = await openPackage(packageSourceFromBytes(pkg), { ...base, now: at, license });
    assert.equal(renewed.header.licenseExpiresAt, later);
    assert.deepEqual(await collect(renewed.stream()), plaintext);
    // Written over the stored header, as the CLI does: the same bytes open.
    const rewritten = concatBytes(license, pkg.subarray(h));
    assert.deepEqual(await collect((await renewedAt(f, rewritten)).stream()), plaintext);
  });

  void it('a licence of another package, or made under another secret, is refused', async () => {
    const f = await fixture();
    const other = await fixture();
    const a = await makePackage(f, pseudoRandom(2 * CS, 1), { licenseExpiresAt: EXPIRY });
    const b = await makePackage(f, pseudoRandom(2 * CS, 1), { licenseExpiresAt: EXPIRY });
    const licenseOfB = await renewPackageLicense({
      secret: f.secret,
      header: b,
      licenseExpiresAt: EXPIRY + 1,
    });
    assert.throws(
      () => checkPackageLicense(a, licenseOfB),
      isPackageError('Malformed', 'B on A', /another package/),
    );
    await assert.rejects(
      renewPackageLicense({ secret: other.secret, header: a, licenseExpiresAt: EXPIRY + 1 }),
      isPackageError('NotLicensed', 'another secret'),
    );
    // A licence whose expiry was edited after renewal does not unwrap.
    const edited = await renewPackageLicense({ secret: f.secret, header: a, licenseExpiresAt: EXPIRY + 1 });
    edited[51]! ^= 0x10;
    await assert.rejects(
      openPackage(packageSourceFromBytes(a), {
        secretKey: f.key,
        secretVersion: 3,
        appIdentification: 'web:https://video.example.com',
        now: null,
        license: edited,
      }),
      isPackageError('NotLicensed', 'edited licence'),
    );
    await assert.rejects(
      renewPackageLicense({ secret: f.secret, header: a, licenseExpiresAt: 0 }),
      RangeError,
    );
  });
});

/** Opens `pkg` at a time inside its (renewed) licence. */
function renewedAt(f: Awaited<ReturnType<typeof fixture>>, pkg: Uint8Array) {
  return openPackage(packageSourceFromBytes(pkg), {
    secretKey: f.key,
    secretVersion: 3,
    appIdentification: 'web:https://video.example.com',
    now: (readPackageHeader(pkg).licenseExpiresAt! - 1) * 1000,
  });
}
