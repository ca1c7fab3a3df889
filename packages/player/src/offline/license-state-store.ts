/**
 * Where the web SDK keeps each rental package's licence state (docs/sdk.md, "Rentals"): one record
 * per package, keyed by its `packageTag` (stable across renewals), holding the high-water mark of
 * the device clock and its MAC (`license-clock.ts`), and the latest renewed licence, if any.
 *
 * The default is IndexedDB (database `securevod-licenses`, store `states`), which every browser
 * with OPFS or IndexedDB package storage has, so a package's state lives in the same origin
 * storage as the package. `memoryLicenseStateStore` is for tests and hosts without IndexedDB.
 *
 * Whoever controls the browser profile can delete a record: the mark is tamper-evident (its MAC),
 * not tamper-proof (docs/threat-model.md).
 */

export interface LicenseState {
  /** `OpenedPackage.packageTag`. */
  readonly tag: string;
  /** The latest device time seen while opening or playing the package, ms since the epoch. */
  readonly highWaterMs?: number;
  /** base64 HMAC of the mark under the package's licence-state key (`license-clock.ts`). */
  readonly mac?: string;
  /** base64 of the latest renewed licence (the package's renewed header). */
  readonly license?: string;
}

export interface LicenseStateStore {
  load(tag: string): Promise<LicenseState | undefined>;
  save(state: LicenseState): Promise<void>;
  remove(tag: string): Promise<void>;
}

export function memoryLicenseStateStore(): LicenseStateStore {
  const states = new Map<string, LicenseState>();
  return {
    load: (tag) => Promise.resolve(states.get(tag)),
    save: (state) => {
      states.set(state.tag, { ...state });
      return Promise.resolve();
    },
    remove: (tag) => {
      states.delete(tag);
      return Promise.resolve();
    },
  };
}

const DB_NAME = 'securevod-licenses';
const STORE = 'states';

export function indexedDbLicenseStateStore(factory: IDBFactory = globalThis.indexedDB): LicenseStateStore {
  if (!factory) throw new TypeError('No IndexedDB here: pass a LicenseStateStore.');
  let db: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'tag' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB open failed'));
    }));
  const run = async <T>(
    mode: IDBTransactionMode,
    act: (store: IDBObjectStore) => IDBRequest<T>,
  ): Promise<T> => {
    const transaction = (await open()).transaction(STORE, mode);
    const request = act(transaction.objectStore(STORE));
    return new Promise<T>((resolve, reject) => {
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB request failed'));
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
    });
  };
  return {
    async load(tag) {
      return parseState(await run('readonly', (store) => store.get(tag) as IDBRequest<unknown>), tag);
    },
    async save(state) {
      await run('readwrite', (store) => store.put({ ...state }));
    },
    async remove(tag) {
      await run('readwrite', (store) => store.delete(tag));
    },
  };
}

function parseState(value: unknown, tag: string): LicenseState | undefined {
  const r = value as Partial<LicenseState> | null | undefined;
  if (typeof r !== 'object' || r === null || r.tag !== tag) return undefined;
  return {
    tag,
    ...(typeof r.highWaterMs === 'number' &&
      Number.isFinite(r.highWaterMs) && { highWaterMs: r.highWaterMs }),
    ...(typeof r.mac === 'string' && { mac: r.mac }),
    ...(typeof r.license === 'string' && { license: r.license }),
  };
}

let pageDefault: LicenseStateStore | undefined;

/**
 * The page's shared store (the offline player and `renewLicense` use the same one): IndexedDB
 * where there is one, else memory, where nothing outlives the page.
 */
export function defaultLicenseStateStore(): LicenseStateStore {
  return (pageDefault ??=
    typeof globalThis.indexedDB === 'undefined' ? memoryLicenseStateStore() : indexedDbLicenseStateStore());
}
