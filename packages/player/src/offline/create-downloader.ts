/**
 * `createDownloader`: secure downloads into the browser (DESIGN §6; docs/sdk.md, "Offline
 * downloads"). `download()` asks the server for an offline package
 * (`GET /download/<vid>?PlayAuth=…&Definition=…&AppIdentification=<location.origin>`), checks its
 * header, and streams it into a `PackageStore` (OPFS, else IndexedDB) as it arrives, reporting
 * progress against Content-Length. Only encrypted packages are stored: a server in `Normal`
 * download mode answers with a plain MP4, which is refused before a byte is written.
 *
 * No byte-wise resume: the server wraps every package under a fresh random package key (and
 * nonce prefix), so the bytes of a second request never continue those of the first. A broken
 * download is discarded and, for network failures, restarted from the beginning up to
 * `restartPolicy.maxRestarts` times. Cancelling (`signal`) removes what was written.
 *
 * Rentals: `licenseDuration` asks for a package whose licence ends that many seconds from now;
 * `renewLicense(id, …)` renews a stored rental online (`renew-license.ts`).
 */
import {
  PACKAGE_LICENSED_FORMAT_VERSION,
  PACKAGE_MAGIC,
  PACKAGE_MAX_HEADER_LENGTH,
  PackageError,
  packageTagOf,
  readPackageHeader,
} from '@securevod/crypto';
import { PlayerError } from '../errors.js';
import { sleep, type FetchLike } from '../play-api.js';
import { defaultEndpoint } from '../script-origin.js';
import { httpOrigin } from '../url-token.js';
import { fatal, fromDownloadResponse } from './offline-errors.js';
import {
  newPackageId,
  openPackageStore,
  PackageStoreError,
  type PackageStore,
  type PackageWrite,
  type StoredPackage,
} from './package-store.js';
import { pageApp, type PageApp } from './page-app.js';
import { defaultLicenseStateStore, type LicenseStateStore } from './license-state-store.js';
import { renewLicense, type RenewedLicense, type RenewLicenseOptions } from './renew-license.js';

/** Restarts after network failures (data, not code: STYLE §9). The delay doubles per restart. */
export interface RestartPolicy {
  readonly maxRestarts: number;
  readonly restartDelayMs: number;
  readonly maxRestartDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 2,
  restartDelayMs: 1000,
  maxRestartDelayMs: 8000,
};

export interface DownloaderOptions {
  /** securevod server origin. Default: the origin the SDK script came from, else the page's. */
  readonly endpoint?: string;
  /** Default: `openPackageStore('auto')`. */
  readonly store?: PackageStore;
  readonly fetch?: FetchLike;
  readonly restartPolicy?: Partial<RestartPolicy>;
  /** Where renewed licences are kept. Default: the offline player's (IndexedDB `securevod-licenses`). */
  readonly licenseStates?: LicenseStateStore;
}

export interface DownloadProgress {
  readonly loaded: number;
  /** Content-Length. */
  readonly total: number;
  /** `loaded / total`, 0 to 1. */
  readonly fraction: number;
  /** 0 for the first attempt, n after n restarts (each restart begins again at 0 bytes). */
  readonly restarts: number;
}

export interface DownloadOptions {
  readonly vid: string;
  readonly playAuth: string;
  /** A Definition such as `SD`; default: the server's first stream. */
  readonly definition?: string;
  /** A rental: the licence ends this many seconds from now (default: the account's LicenseDuration, if any). */
  readonly licenseDuration?: number;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly signal?: AbortSignal;
}

export interface Downloader {
  readonly endpoint: string;
  /** The canonical app packages are made for: `web:` + `location.origin`. */
  readonly appIdentification: string;
  store(): Promise<PackageStore>;
  /** Resolves with the stored record; rejects with a fatal `PlayerError` (`downloadCancelled`: not fatal). */
  download(options: DownloadOptions): Promise<StoredPackage>;
  list(): Promise<StoredPackage[]>;
  get(id: string): Promise<StoredPackage | undefined>;
  remove(id: string): Promise<boolean>;
  /** Renews the licence of stored rental `id` online; rejects with a fatal `PlayerError`. */
  renewLicense(id: string, options: RenewLicenseOptions): Promise<RenewedLicense>;
}

export function createDownloader(options: DownloaderOptions = {}): Downloader {
  const endpoint = (options.endpoint ?? defaultEndpoint()).replace(/\/+$/, '');
  if (!httpOrigin(endpoint)) throw new TypeError('options.endpoint must be an http(s) URL.');
  const app = pageApp();
  const fetchImpl: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const policy = { ...DEFAULT_RESTART_POLICY, ...options.restartPolicy };
  let store: Promise<PackageStore> | undefined = options.store && Promise.resolve(options.store);
  const getStore = (): Promise<PackageStore> => (store ??= openPackageStore('auto'));

  return {
    endpoint,
    appIdentification: app.canonical,
    store: getStore,
    list: async () => (await getStore()).list(),
    get: async (id) => (await getStore()).get(id),
    async remove(id) {
      const target = await getStore();
      await forgetLicenseState(target, id, options.licenseStates);
      return target.remove(id);
    },
    async renewLicense(id, renew) {
      const target = await storeOrError(getStore);
      let source;
      try {
        source = await target.openSource(id);
      } catch (error) {
        if (error instanceof PackageStoreError && error.code === 'NotFound') {
          throw fatal('other', 'packageNotFound', `No downloaded package ${id} in this browser.`, error);
        }
        throw error;
      }
      return renewLicense(
        { endpoint, app, fetch: fetchImpl, source, licenseStates: options.licenseStates },
        renew,
      );
    },
    async download(download) {
      if (typeof download?.vid !== 'string' || download.vid === '') {
        throw new TypeError('vid must be a non-empty string.');
      }
      if (typeof download.playAuth !== 'string' || download.playAuth === '') {
        throw new TypeError('playAuth must be a non-empty string.');
      }
      const target = await storeOrError(getStore);
      for (let restarts = 0; ; restarts++) {
        try {
          return await downloadOnce({ endpoint, app, fetch: fetchImpl, store: target, download, restarts });
        } catch (error) {
          const failure = asDownloadError(error, download.signal);
          if (failure.type !== 'network' || restarts >= policy.maxRestarts) throw failure;
          const delay = Math.min(policy.restartDelayMs * 2 ** restarts, policy.maxRestartDelayMs);
          await sleep(delay, download.signal).catch(() => {
            throw cancelled(download.signal);
          });
        }
      }
    },
  };
}

interface Attempt {
  readonly endpoint: string;
  readonly app: PageApp;
  readonly fetch: FetchLike;
  readonly store: PackageStore;
  readonly download: DownloadOptions;
  readonly restarts: number;
}

async function downloadOnce({
  endpoint,
  app,
  fetch,
  store,
  download,
  restarts,
}: Attempt): Promise<StoredPackage> {
  const { vid, signal } = download;
  const query = new URLSearchParams({ PlayAuth: download.playAuth, AppIdentification: app.origin });
  if (download.definition) query.set('Definition', download.definition);
  if (download.licenseDuration !== undefined) query.set('LicenseDuration', String(download.licenseDuration));
  let res: Response;
  try {
    res = await fetch(`${endpoint}/download/${encodeURIComponent(vid)}?${query}`, {
      method: 'GET',
      credentials: 'omit',
      cache: 'no-store',
      ...(signal && { signal }),
    });
  } catch (error) {
    throw networkError('downloadFailed', 'The download failed: no response from the server.', error);
  }
  if (!res.ok) throw fromDownloadResponse(res.status, await readJson(res));
  const total = Number(res.headers.get('content-length'));
  if (!res.body || !Number.isSafeInteger(total) || total <= 0) {
    throw fatal('other', 'invalidServerResponse', 'The download response has no body or no Content-Length.');
  }
  await checkRoom(total);

  const reader = res.body.getReader();
  const progress = (loaded: number) =>
    report(download.onProgress, { loaded, total, fraction: total ? loaded / total : 1, restarts });
  let writer: PackageWrite | undefined;
  try {
    // The header first: nothing is stored before it shows an encrypted package for this app.
    const pieces: Uint8Array[] = [];
    let loaded = 0;
    while (loaded < Math.min(total, PACKAGE_MAX_HEADER_LENGTH)) {
      const { done, value } = await reader.read();
      if (done) break;
      pieces.push(value);
      loaded += value.length;
    }
    const head = concat(pieces, loaded);
    const header = checkHeader(head, total, vid, app);
    writer = await store.create({
      id: newPackageId(),
      videoId: header.videoId,
      definition: header.definition,
      secretVersion: header.secretVersion,
      appIdentification: header.appIdentification,
      size: total,
      createdAt: new Date().toISOString(),
    });
    await writer.write(head);
    progress(loaded);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await writer.write(value);
      loaded += value.length;
      progress(loaded);
    }
    if (loaded !== total) {
      throw networkError('downloadInterrupted', `The download stopped after ${loaded} of ${total} bytes.`);
    }
    // Cancelled as the last bytes came in: still cancelled, nothing kept.
    if (signal?.aborted) throw cancelled(signal);
    return await writer.commit();
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    await writer?.abort();
    throw error;
  }
}

function checkHeader(head: Uint8Array, total: number, vid: string, app: PageApp) {
  const magic = String.fromCharCode(...head.subarray(0, 4));
  if (magic !== PACKAGE_MAGIC) {
    throw fatal(
      'other',
      'downloadNotSecure',
      'The server sent a plain video, not an encrypted offline package (its download mode is Normal): nothing was stored. Offline playback needs DownloadMode=Secure.',
    );
  }
  let header;
  try {
    header = readPackageHeader(head);
  } catch (error) {
    const message = error instanceof PackageError ? error.message : String(error);
    throw fatal('other', 'invalidServerResponse', `The server sent an unreadable package: ${message}`, error);
  }
  if (
    header.packageLength !== total ||
    header.appIdentification !== app.canonical ||
    header.videoId !== vid
  ) {
    throw fatal(
      'other',
      'invalidServerResponse',
      'The server sent a package for another video, app or length than asked for.',
    );
  }
  return header;
}

/**
 * A rental's licence state (clock mark, renewed licence) goes with its package. Best effort: a
 * package that cannot be read (already gone, not a package) has no state to find.
 */
async function forgetLicenseState(
  store: PackageStore,
  id: string,
  states: LicenseStateStore | undefined,
): Promise<void> {
  try {
    const source = await store.openSource(id);
    const head = await source.read(0, Math.min(source.size, PACKAGE_MAX_HEADER_LENGTH));
    if (readPackageHeader(head).formatVersion !== PACKAGE_LICENSED_FORMAT_VERSION) return;
    await (states ?? defaultLicenseStateStore()).remove(await packageTagOf(head));
  } catch {
    // nothing to forget
  }
}

/** Refuses early when the origin's quota cannot hold the package (when the browser says). */
async function checkRoom(total: number): Promise<void> {
  const estimate = await globalThis.navigator?.storage?.estimate?.().catch(() => undefined);
  if (estimate?.quota === undefined || estimate.usage === undefined) return;
  if (estimate.quota - estimate.usage < total) {
    throw fatal(
      'other',
      'storageFull',
      `The browser has ${estimate.quota - estimate.usage} bytes left for this site; the download needs ${total}.`,
    );
  }
}

async function storeOrError(getStore: () => Promise<PackageStore>): Promise<PackageStore> {
  try {
    return await getStore();
  } catch (error) {
    throw fatal('other', 'storageUnavailable', 'Neither OPFS nor IndexedDB can be used here.', error);
  }
}

function asDownloadError(error: unknown, signal: AbortSignal | undefined): PlayerError {
  if (signal?.aborted) return cancelled(signal);
  if (error instanceof PlayerError) return error;
  if (error instanceof PackageStoreError) {
    return error.code === 'QuotaExceeded'
      ? fatal('other', 'storageFull', error.message, error)
      : fatal('other', 'storageFailed', `Storing the download failed: ${error.message}`, error);
  }
  // A failure while reading the body: the connection broke.
  return networkError('downloadFailed', 'The download broke off.', error);
}

function networkError(details: string, message: string, cause?: unknown): PlayerError {
  return new PlayerError({ type: 'network', details, message, fatal: true, status: 0, cause });
}

function cancelled(signal: AbortSignal | undefined): PlayerError {
  return new PlayerError({
    type: 'other',
    details: 'downloadCancelled',
    message: 'The download was cancelled; nothing was kept.',
    fatal: false,
    cause: signal?.reason,
  });
}

function report(listener: DownloadOptions['onProgress'], progress: DownloadProgress): void {
  if (!listener) return;
  try {
    listener(progress);
  } catch (error) {
    setTimeout(() => {
      throw error; // the application's bug: to the console, without stopping the download
    });
  }
}

function concat(pieces: readonly Uint8Array[], length: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

async function readJson(res: Response): Promise<{ Code?: unknown; Message?: unknown } | undefined> {
  try {
    return (await res.json()) as { Code?: unknown; Message?: unknown };
  } catch {
    return undefined;
  }
}
