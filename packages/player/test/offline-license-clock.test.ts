/**
 * Rentals in the SDK (src/offline/license-clock.ts, open-offline-package.ts), in Node with real
 * WebCrypto and a clock the test sets: a rental (format-2 package made with the server's
 * @securevod/crypto functions) opens before its expiry and is `licenseExpired` after; the clock
 * mark only moves forward, survives in the licence-state store, and a clock more than 5 minutes
 * behind it is `clockRollback`; an edited mark is `licenseStateInvalid`; a renewed licence stored
 * in the state is what the package opens with; a v1 package needs no state.
 */
import {
  bytesToBase64,
  createKeyFile,
  encryptPackageStream,
  packageSourceFromBytes,
  randomBytes,
  renewPackageLicense,
  utf8Encode,
} from '@securevod/crypto';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { PlayerError } from '../src/errors.js';
import { ROLLBACK_TOLERANCE_MS } from '../src/offline/license-clock.js';
import { memoryLicenseStateStore, type LicenseStateStore } from '../src/offline/license-state-store.js';
import { openOfflinePackage } from '../src/offline/open-offline-package.js';

const ORIGIN = 'http://127.0.0.1:8123';
const KEY = 'RentalKey0123456789abcXY';
const T0 = Date.UTC(2026, 11, 1, 12);
const HOUR = 3600_000;

let secret: Uint8Array;
let keyFile: Uint8Array;

async function makeRental(expiresAtMs: number | undefined): Promise<Uint8Array> {
  const plaintext = utf8Encode('x'.repeat(5000));
  const parts: Uint8Array[] = [];
  for await (const part of encryptPackageStream([plaintext], {
    secret,
    secretVersion: 1,
    videoId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    definition: 'SD',
    appIdentification: ORIGIN,
    plaintextLength: plaintext.length,
    chunkSize: 1024,
    licenseExpiresAt: expiresAtMs === undefined ? undefined : expiresAtMs / 1000,
  })) {
    parts.push(part.slice());
  }
  return new Uint8Array(Buffer.concat(parts));
}

function opener(pkg: Uint8Array, states: LicenseStateStore | undefined, now: number) {
  return openOfflinePackage({
    source: packageSourceFromBytes(pkg),
    keyFile,
    appDecryptKey: KEY,
    appIdentification: ORIGIN,
    licenseStates: states,
    now: () => now,
  });
}

async function failure(promise: Promise<unknown>): Promise<PlayerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof PlayerError, `expected a PlayerError, got ${String(error)}`);
  return error;
}

before(async () => {
  secret = randomBytes(32);
  keyFile = await createKeyFile({
    secret,
    secretVersion: 1,
    appIdentification: ORIGIN,
    appDecryptKey: KEY,
    iterations: 100_000,
  });
});

describe('rental licence clock', () => {
  test('opens before the expiry, licenseExpired after it; the refused open still moves the mark', async () => {
    const pkg = await makeRental(T0 + HOUR);
    const states = memoryLicenseStateStore();
    const opened = await opener(pkg, states, T0);
    assert.equal(opened.licenseClock?.highWaterMs, T0);
    const late = await failure(opener(pkg, states, T0 + 2 * HOUR));
    assert.deepEqual([late.type, late.details, late.fatal], ['key', 'licenseExpired', true]);
    const [tag] = [opened.packageTag];
    assert.equal((await states.load(tag))?.highWaterMs, T0 + 2 * HOUR, 'the time seen is kept');
  });

  test('clockRollback beyond 5 minutes behind the mark, not within; the mark never moves back', async () => {
    const pkg = await makeRental(T0 + 10 * HOUR);
    const states = memoryLicenseStateStore();
    await opener(pkg, states, T0 + HOUR);
    const within = await opener(pkg, states, T0 + HOUR - ROLLBACK_TOLERANCE_MS + 1000);
    assert.equal(within.licenseClock?.highWaterMs, T0 + HOUR, 'the mark stays at the latest time');
    const back = await failure(opener(pkg, states, T0 + HOUR - ROLLBACK_TOLERANCE_MS - 1000));
    assert.deepEqual([back.type, back.details, back.fatal], ['key', 'clockRollback', true]);

    // During playback: tick() sees the clock move.
    let now = T0 + 2 * HOUR;
    const playing = await openOfflinePackage({
      source: packageSourceFromBytes(pkg),
      keyFile,
      appDecryptKey: KEY,
      appIdentification: ORIGIN,
      licenseStates: states,
      now: () => now,
    });
    now += 60_000;
    await playing.licenseClock!.tick();
    assert.equal(playing.licenseClock!.highWaterMs, now);
    now -= HOUR;
    const rolled = await failure(playing.licenseClock!.tick());
    assert.equal(rolled.details, 'clockRollback');
    now = T0 + 11 * HOUR;
    const expired = await failure(playing.licenseClock!.tick());
    assert.equal(expired.details, 'licenseExpired');
  });

  test('an edited mark is licenseStateInvalid; a mark of another package does not verify', async () => {
    const pkg = await makeRental(T0 + 10 * HOUR);
    const other = await makeRental(T0 + 10 * HOUR);
    const states = memoryLicenseStateStore();
    const opened = await opener(pkg, states, T0 + HOUR);
    const otherOpened = await opener(other, states, T0 + 3 * HOUR);
    const state = (await states.load(opened.packageTag))!;
    await states.save({ ...state, highWaterMs: T0 });
    assert.equal((await failure(opener(pkg, states, T0))).details, 'licenseStateInvalid');
    const foreign = (await states.load(otherOpened.packageTag))!;
    await states.save({ ...foreign, tag: opened.packageTag });
    assert.equal((await failure(opener(pkg, states, T0 + 4 * HOUR))).details, 'licenseStateInvalid');
  });

  test('a renewed licence in the state opens the expired package; deleting the state forgets it', async () => {
    const pkg = await makeRental(T0 + HOUR);
    const states = memoryLicenseStateStore();
    const opened = await opener(pkg, states, T0);
    const license = await renewPackageLicense({
      secret,
      header: pkg,
      licenseExpiresAt: (T0 + 5 * HOUR) / 1000,
    });
    await states.save({ ...(await states.load(opened.packageTag))!, license: bytesToBase64(license) });
    const renewed = await opener(pkg, states, T0 + 2 * HOUR);
    assert.equal(renewed.header.licenseExpiresAt, (T0 + 5 * HOUR) / 1000);
    await states.remove(opened.packageTag);
    assert.equal((await failure(opener(pkg, states, T0 + 2 * HOUR))).details, 'licenseExpired');
  });

  test('a v1 package has no licence clock and needs no state store', async () => {
    const opened = await opener(await makeRental(undefined), undefined, T0);
    assert.equal(opened.licenseClock, undefined);
    assert.equal(opened.header.licenseExpiresAt, undefined);
  });
});
