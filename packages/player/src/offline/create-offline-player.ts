/**
 * `createOfflinePlayer`: plays a downloaded package with no network (DESIGN §6; docs/sdk.md,
 * "Offline downloads"). It opens the key file with this page's `location.origin` and the
 * AppDecryptKey, opens the package (`open-offline-package.ts`: revocations, licensing), reads the
 * init segment's codecs, and plays the fMP4 through MSE (`mse-feeder.ts`), decrypting 1 MiB
 * chunks on demand (`plaintext-reader.ts`) while the fragment index (`fragment-index.ts`) is built
 * in the background. Plaintext exists only in memory: a few chunks, and what the SourceBuffer
 * holds. A rental (a package with a licence) is also checked against its clock mark at open and
 * every `licenseCheckIntervalMs` while the player lives (`license-clock.ts`), which moves the mark
 * forward and stops playback with `licenseExpired` or `clockRollback`. Every failure is one fatal `PlayerError`, emitted on `'error'` and rejecting `ready`.
 */
import type { PackageHeader, PackageSource } from '@securevod/crypto';
import type { PlayerError } from '../errors.js';
import { TypedEmitter } from '../typed-emitter.js';
import { DEFAULT_BUFFER_POLICY, type BufferPolicy } from './buffer-planner.js';
import { FragmentIndex, findLastFragmentEnd, readInitSegment, scanFragments } from './fragment-index.js';
import { MseFeeder } from './mse-feeder.js';
import { fatal, fromOfflineError } from './offline-errors.js';
import { openOfflinePackage, type KeyFileInput } from './open-offline-package.js';
import { openPackageStore, PackageStoreError, type PackageStore } from './package-store.js';
import { toPackageSource, type PackageInput } from './package-sources.js';
import { pageApp } from './page-app.js';
import { PlaintextReader } from './plaintext-reader.js';
import { localStorageRevocationStore, type RevocationStore } from './revocation-store.js';
import { defaultLicenseStateStore, type LicenseStateStore } from './license-state-store.js';

export interface OfflinePlayerOptions {
  readonly video: HTMLVideoElement;
  /** A package stored by the downloader (`StoredPackage.id`) … */
  readonly packageId?: string;
  /** … or the package itself (a File from an input, bytes, or `{ size, read }`). */
  readonly source?: PackageInput;
  /** The key file (`AppEncryptKey`): its bytes, a File holding them or its base64 text, or the text. */
  readonly keyFile: KeyFileInput | Blob;
  readonly appDecryptKey: string;
  /** Where `packageId` is looked up. Default: `openPackageStore('auto')`, as the downloader's. */
  readonly store?: PackageStore;
  /** Where the revocation list is read. Default: `localStorage`, as `refreshRevocations` writes. */
  readonly revocationStore?: RevocationStore;
  readonly bufferPolicy?: Partial<BufferPolicy>;
  /** Where rentals keep their clock mark and renewed licence. Default: IndexedDB (`securevod-licenses`). */
  readonly licenseStates?: LicenseStateStore;
  /** How often a rental's clock is checked and its mark moved during playback. Default 5000 ms. */
  readonly licenseCheckIntervalMs?: number;
}

export const DEFAULT_LICENSE_CHECK_INTERVAL_MS = 5000;

export interface OfflineReadyEvent {
  readonly header: PackageHeader;
  /** The SourceBuffer type, e.g. `video/mp4; codecs="avc1.64001e, mp4a.40.2"`. */
  readonly mimeType: string;
  /** Seconds, when known at start. */
  readonly duration: number | undefined;
}

export interface OfflinePlayerEvents {
  ready: OfflineReadyEvent;
  error: PlayerError;
}

export interface OfflinePlayerStats {
  /** 1 MiB package chunks decrypted (index scan and playback). */
  readonly decryptedChunks: number;
  readonly indexedFragments: number;
  readonly indexComplete: boolean;
  readonly appendedFragments: number;
  readonly evictedFragments: number;
  /** Fragments in the SourceBuffer now. */
  readonly bufferedFragments: number;
}

export interface OfflinePlayer {
  /** Resolves when the video can start; rejects with the fatal `PlayerError` (also on `'error'`). */
  readonly ready: Promise<void>;
  readonly video: HTMLVideoElement;
  /** The authenticated package header (undefined until it opens). */
  readonly header: PackageHeader | undefined;
  readonly stats: OfflinePlayerStats;
  on<K extends keyof OfflinePlayerEvents>(
    type: K,
    listener: (event: OfflinePlayerEvents[K]) => void,
  ): () => void;
  off<K extends keyof OfflinePlayerEvents>(type: K, listener: (event: OfflinePlayerEvents[K]) => void): void;
  /** Stops playback and decryption, detaches from the element and zeroes decrypted chunks. */
  destroy(): void;
}

export function createOfflinePlayer(options: OfflinePlayerOptions): OfflinePlayer {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createOfflinePlayer needs an options object.');
  }
  const { video } = options;
  if (!video || typeof (video as Partial<HTMLVideoElement>).play !== 'function') {
    throw new TypeError('options.video must be an HTMLVideoElement.');
  }
  if ((options.packageId === undefined) === (options.source === undefined)) {
    throw new TypeError('Pass exactly one of options.packageId and options.source.');
  }
  if (options.keyFile === undefined || options.keyFile === null) {
    throw new TypeError('options.keyFile is required (the key file bytes or its base64 AppEncryptKey).');
  }
  if (typeof options.appDecryptKey !== 'string')
    throw new TypeError('options.appDecryptKey must be a string.');
  return new SecureVodOfflinePlayer(options);
}

class SecureVodOfflinePlayer implements OfflinePlayer {
  readonly video: HTMLVideoElement;
  readonly ready: Promise<void>;
  header: PackageHeader | undefined;
  private readonly emitter = new TypedEmitter<OfflinePlayerEvents>();
  private readonly controller = new AbortController();
  private readonly index = new FragmentIndex();
  private reader: PlaintextReader | undefined;
  private feeder: MseFeeder | undefined;
  private decryptedChunks = 0;
  private failure: PlayerError | undefined;
  private licenseTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: OfflinePlayerOptions) {
    this.video = options.video;
    this.ready = this.start();
    this.ready.catch(() => undefined); // also reported through 'error'
  }

  get stats(): OfflinePlayerStats {
    return {
      decryptedChunks: this.decryptedChunks,
      indexedFragments: this.index.fragments.length,
      indexComplete: this.index.complete,
      appendedFragments: this.feeder?.appendedCount ?? 0,
      evictedFragments: this.feeder?.evictedCount ?? 0,
      bufferedFragments: this.feeder?.appended.size ?? 0,
    };
  }

  on<K extends keyof OfflinePlayerEvents>(
    type: K,
    listener: (event: OfflinePlayerEvents[K]) => void,
  ): () => void {
    return this.emitter.on(type, listener);
  }

  off<K extends keyof OfflinePlayerEvents>(type: K, listener: (event: OfflinePlayerEvents[K]) => void): void {
    this.emitter.off(type, listener);
  }

  destroy(): void {
    this.stopLicenseChecks();
    this.controller.abort();
    this.feeder?.destroy();
    this.reader?.clear();
    this.emitter.clear();
  }

  private async start(): Promise<void> {
    try {
      const app = pageApp();
      const source = await this.source();
      const revocationStore = this.options.revocationStore ?? localStorageRevocationStore();
      const opened = await openOfflinePackage({
        source,
        keyFile: await keyFileInput(this.options.keyFile),
        appDecryptKey: this.options.appDecryptKey,
        appIdentification: app.origin,
        revocations: await revocationStore.load(app.canonical),
        licenseStates: this.options.licenseStates ?? defaultLicenseStateStore(),
      });
      this.header = opened.header;
      if (this.stopped()) return;
      const clock = opened.licenseClock;
      if (clock) {
        // One check at a time; a failure stops playback like any other fatal error.
        let checking = false;
        this.licenseTimer = setInterval(() => {
          if (checking) return;
          checking = true;
          clock.tick().then(
            () => (checking = false),
            (error: unknown) => this.fail(error),
          );
        }, this.options.licenseCheckIntervalMs ?? DEFAULT_LICENSE_CHECK_INTERVAL_MS);
      }
      const reader = (this.reader = new PlaintextReader(opened, {
        onChunkDecrypted: () => this.decryptedChunks++,
      }));
      const init = await readInitSegment(reader);
      const initEnd = init.bytes.length;
      const durationHint =
        init.info.durationSeconds ?? (await findLastFragmentEnd(reader, init.info, initEnd));
      this.index
        .build(scanFragments(reader, init.info, initEnd), this.controller.signal)
        .catch((error: unknown) => this.fail(error));
      if (this.stopped()) return;
      this.feeder = new MseFeeder({
        video: this.video,
        init,
        index: this.index,
        reader,
        policy: { ...DEFAULT_BUFFER_POLICY, ...this.options.bufferPolicy },
        durationHint,
        onError: (error) => this.fail(error),
      });
      await this.feeder.start();
      if (this.stopped()) return;
      this.emitter.emit('ready', {
        header: opened.header,
        mimeType: init.info.mimeType,
        duration: durationHint,
      });
    } catch (error) {
      const failure = this.fail(error);
      // A failure elsewhere (the index) may have come before the feeder existed.
      this.feeder?.destroy();
      this.reader?.clear();
      throw failure;
    }
  }

  private stopLicenseChecks(): void {
    if (this.licenseTimer !== undefined) clearInterval(this.licenseTimer);
    this.licenseTimer = undefined;
  }

  private async source(): Promise<PackageSource> {
    const { packageId, source } = this.options;
    if (source !== undefined) return toPackageSource(source);
    const store = this.options.store ?? (await openPackageStore('auto'));
    try {
      return await store.openSource(packageId!);
    } catch (error) {
      if (error instanceof PackageStoreError && error.code === 'NotFound') {
        throw fatal('other', 'packageNotFound', `No downloaded package ${packageId} in this browser.`, error);
      }
      throw error;
    }
  }

  /** True when destroyed; throws the failure when a background task (the index) failed. */
  private stopped(): boolean {
    if (this.failure) throw this.failure;
    return this.controller.signal.aborted;
  }

  /** Emits the error once (the first failure wins) and stops everything. */
  private fail(error: unknown): PlayerError {
    if (this.failure) return this.failure;
    const playerError = fromOfflineError(error);
    this.stopLicenseChecks();
    if (!this.controller.signal.aborted) {
      this.failure = playerError;
      this.emitter.emit('error', playerError);
      this.controller.abort();
      this.feeder?.destroy();
      this.reader?.clear();
    }
    return playerError;
  }
}

/** A File or Blob holding the key file as bytes (`SVKF…`) or as base64 text. */
async function keyFileInput(input: KeyFileInput | Blob): Promise<KeyFileInput> {
  if (typeof Blob === 'undefined' || !(input instanceof Blob)) return input as KeyFileInput;
  const bytes = new Uint8Array(await input.arrayBuffer());
  const binary = bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === 'SVKF';
  return binary ? bytes : new TextDecoder().decode(bytes);
}
