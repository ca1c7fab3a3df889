/**
 * The rental clock of one opened package (docs/sdk.md, "Rentals"; DESIGN §9). A browser has no
 * trusted clock, so the SDK keeps a per-package high-water mark: the latest device time it saw
 * while opening or playing the package, MACed (HMAC-SHA256) under the package's licence-state key —
 * derived inside WebCrypto from the package key (`OpenedPackage.licenseStateKey`), so only a
 * holder of the key file and AppDecryptKey can write a valid mark, and a mark of one package is
 * worthless for another.
 *
 *   - a device time more than `ROLLBACK_TOLERANCE_MS` (5 minutes) before the mark → `clockRollback`
 *     (the clock was set back, e.g. to before the expiry);
 *   - a mark whose MAC fails → `licenseStateInvalid` (the stored state was edited);
 *   - otherwise the licence expiry is checked at the device time → `licenseExpired`;
 *   - the mark only moves forward: on open and on every `tick` during playback.
 *
 * Tamper-evident, not tamper-proof: deleting the record (clearing the site's data) forgets the
 * mark (docs/threat-model.md).
 */
import {
  base64ToBytes,
  bytesToBase64,
  checkLicenseExpiry,
  utf8Encode,
  type PackageHeader,
} from '@securevod/crypto';
import { PlayerError } from '../errors.js';
import { fromOfflineError } from './offline-errors.js';
import type { LicenseState, LicenseStateStore } from './license-state-store.js';

/** How far the clock may go back before a package is refused (clock corrections, DST bugs). */
export const ROLLBACK_TOLERANCE_MS = 5 * 60 * 1000;

export function clockRollbackError(markMs: number, nowMs: number): PlayerError {
  return new PlayerError({
    type: 'key',
    details: 'clockRollback',
    message: `The device clock (${new Date(nowMs).toISOString()}) is behind the last time this download was used (${new Date(markMs).toISOString()}): set the clock right to play it.`,
    fatal: true,
  });
}

export function licenseStateInvalidError(): PlayerError {
  return new PlayerError({
    type: 'key',
    details: 'licenseStateInvalid',
    message: 'The stored licence state of this download has been altered: it cannot be played.',
    fatal: true,
  });
}

export interface LicenseClockOptions {
  readonly header: PackageHeader;
  readonly tag: string;
  readonly key: CryptoKey;
  readonly store: LicenseStateStore;
  /** The record loaded before opening (its licence was used to open). */
  readonly state: LicenseState | undefined;
  /** Default `Date.now`. */
  readonly now?: () => number;
}

export class LicenseClock {
  private markMs: number;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: LicenseClockOptions,
    markMs: number,
  ) {
    this.markMs = markMs;
  }

  /**
   * Verifies the stored mark, refuses a rolled-back clock, moves the mark to now (saving it even
   * when the licence then turns out to have expired: that time was seen), then checks the expiry.
   */
  static async open(options: LicenseClockOptions): Promise<LicenseClock> {
    const stored = options.state;
    let mark = Number.NEGATIVE_INFINITY;
    if (stored?.highWaterMs !== undefined) {
      const valid =
        stored.mac !== undefined &&
        (await globalThis.crypto.subtle
          .verify('HMAC', options.key, safeBase64(stored.mac), macInput(options.tag, stored.highWaterMs))
          .catch(() => false));
      if (!valid) throw licenseStateInvalidError();
      mark = stored.highWaterMs;
    }
    const clock = new LicenseClock(options, mark);
    await clock.tick();
    return clock;
  }

  get highWaterMs(): number {
    return this.markMs;
  }

  /**
   * One check at the device's current time: rollback, then expiry; advances and saves the mark.
   * Throws the fatal `PlayerError` (`clockRollback`, `licenseExpired`).
   */
  async tick(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    if (now < this.markMs - ROLLBACK_TOLERANCE_MS) throw clockRollbackError(this.markMs, now);
    if (now > this.markMs) {
      this.markMs = now;
      await this.save(now);
    }
    try {
      checkLicenseExpiry(this.options.header, now);
    } catch (error) {
      throw fromOfflineError(error);
    }
  }

  private save(markMs: number): Promise<void> {
    const { key, tag, store } = this.options;
    this.saving = this.saving.then(async () => {
      const mac = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, macInput(tag, markMs)));
      const current = await store.load(tag);
      // A renewal may have stored a licence since: keep it.
      await store.save({ ...current, tag, highWaterMs: markMs, mac: bytesToBase64(mac) });
    });
    return this.saving;
  }
}

function macInput(tag: string, markMs: number): Uint8Array<ArrayBuffer> {
  return utf8Encode(`securevod/offline-licence-mark/v1\n${tag}\n${markMs}`);
}

function safeBase64(text: string): Uint8Array<ArrayBuffer> {
  try {
    return base64ToBytes(text);
  } catch {
    return new Uint8Array(0);
  }
}
