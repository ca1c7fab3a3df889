/**
 * `PackageStore` on IndexedDB, for browsers without OPFS `createWritable()`. Database
 * `securevod-offline`, two object stores:
 *
 *   packages  key = id            { record, complete, blockSize }
 *   blocks    key = [id, n]       bytes n·blockSize … (n+1)·blockSize − 1 of the package
 *
 * A download is written block by block as it arrives (one block in memory at a time); its row
 * says `complete: false` until `commit`, and only complete rows are listed or opened. Reads fetch
 * the blocks that hold the range with one `getAll` over a key range. Fixed-size blocks make any
 * range's blocks computable without an index.
 */
import type { PackageSource } from '@securevod/crypto';
import {
  assertPackageId,
  byNewest,
  isQuotaError,
  PackageStoreError,
  parseStoredPackage,
  type PackageStore,
  type PackageWrite,
  type StoredPackage,
} from './package-store.js';

const DB_NAME = 'securevod-offline';
const DB_VERSION = 1;
const PACKAGES = 'packages';
const BLOCKS = 'blocks';
/** Block size of new packages; each row remembers its own, so it may change between versions. */
export const INDEXEDDB_BLOCK_SIZE = 1024 * 1024;

interface PackageRow {
  readonly id: string;
  readonly record: StoredPackage;
  readonly complete: boolean;
  readonly blockSize: number;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed.'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed.'));
  });
}

function openDatabase(): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') {
    return Promise.reject(new PackageStoreError('Unavailable', 'IndexedDB is not available here.'));
  }
  const req = indexedDB.open(DB_NAME, DB_VERSION);
  req.onupgradeneeded = () => {
    const db = req.result;
    if (!db.objectStoreNames.contains(PACKAGES)) db.createObjectStore(PACKAGES, { keyPath: 'id' });
    if (!db.objectStoreNames.contains(BLOCKS)) db.createObjectStore(BLOCKS);
  };
  return request(req).catch((error: unknown) => {
    throw new PackageStoreError('Unavailable', 'IndexedDB cannot be opened here.', { cause: error });
  });
}

const blockRange = (id: string, first = 0, last = Number.MAX_SAFE_INTEGER) =>
  IDBKeyRange.bound([id, first], [id, last]);

export async function createIndexedDbPackageStore(blockSize = INDEXEDDB_BLOCK_SIZE): Promise<PackageStore> {
  const db = await openDatabase();

  const readRow = async (id: string): Promise<PackageRow | undefined> => {
    const tx = db.transaction(PACKAGES, 'readonly');
    const row = (await request(tx.objectStore(PACKAGES).get(id))) as PackageRow | undefined;
    return row?.complete && parseStoredPackage(row.record)?.id === id ? row : undefined;
  };
  const put = async (stores: string[], fill: (tx: IDBTransaction) => void): Promise<void> => {
    const tx = db.transaction(stores, 'readwrite');
    fill(tx);
    try {
      await done(tx);
    } catch (error) {
      throw isQuotaError(error)
        ? new PackageStoreError('QuotaExceeded', 'The browser has no room left for this download.', {
            cause: error,
          })
        : error;
    }
  };
  const deleteAll = (id: string) =>
    put([PACKAGES, BLOCKS], (tx) => {
      tx.objectStore(PACKAGES).delete(id);
      tx.objectStore(BLOCKS).delete(blockRange(id));
    });

  return {
    kind: 'indexeddb',

    async create(record) {
      assertPackageId(record.id);
      await put([PACKAGES], (tx) =>
        tx
          .objectStore(PACKAGES)
          .put({ id: record.id, record, complete: false, blockSize } satisfies PackageRow),
      );
      const buffer = new Uint8Array(blockSize);
      let filled = 0;
      let block = 0;
      let written = 0;
      const flush = async (): Promise<void> => {
        if (filled === 0) return;
        const bytes = buffer.slice(0, filled);
        const n = block++;
        filled = 0;
        await put([BLOCKS], (tx) => tx.objectStore(BLOCKS).put(bytes, [record.id, n]));
      };
      const write: PackageWrite = {
        async write(bytes) {
          let at = 0;
          while (at < bytes.length) {
            const take = Math.min(blockSize - filled, bytes.length - at);
            buffer.set(bytes.subarray(at, at + take), filled);
            filled += take;
            at += take;
            if (filled === blockSize) await flush();
          }
          written += bytes.length;
        },
        async commit() {
          if (written !== record.size) {
            await write.abort();
            throw new PackageStoreError(
              'SizeMismatch',
              `The package has ${written} bytes; ${record.size} were expected.`,
            );
          }
          await flush();
          const committed: StoredPackage = { ...record, createdAt: new Date().toISOString() };
          await put([PACKAGES], (tx) =>
            tx
              .objectStore(PACKAGES)
              .put({ id: record.id, record: committed, complete: true, blockSize } satisfies PackageRow),
          );
          return committed;
        },
        async abort() {
          filled = 0;
          await deleteAll(record.id).catch(() => undefined);
        },
      };
      return write;
    },

    async list() {
      const tx = db.transaction(PACKAGES, 'readonly');
      const rows = (await request(tx.objectStore(PACKAGES).getAll())) as PackageRow[];
      return rows
        .filter((row) => row.complete)
        .map((row) => parseStoredPackage(row.record))
        .filter((r): r is StoredPackage => r !== undefined)
        .sort(byNewest);
    },

    async get(id) {
      assertPackageId(id);
      return (await readRow(id))?.record;
    },

    async remove(id) {
      assertPackageId(id);
      const existed = (await readRow(id)) !== undefined;
      await deleteAll(id);
      return existed;
    },

    async openSource(id): Promise<PackageSource> {
      assertPackageId(id);
      const row = await readRow(id);
      if (!row) throw new PackageStoreError('NotFound', `No stored package ${id}.`);
      const size = row.record.size;
      const rowBlock = row.blockSize;
      return {
        size,
        async read(offset, length) {
          const end = Math.min(size, offset + length);
          if (end <= offset) return new Uint8Array(0);
          const first = Math.floor(offset / rowBlock);
          const last = Math.floor((end - 1) / rowBlock);
          const tx = db.transaction(BLOCKS, 'readonly');
          const blocks = (await request(
            tx.objectStore(BLOCKS).getAll(blockRange(id, first, last)),
          )) as Uint8Array[];
          // A block missing (storage cleared under us): fewer bytes than asked, which the package
          // reader reports as a truncated package.
          if (blocks.length !== last - first + 1) return new Uint8Array(0);
          const out = new Uint8Array(end - offset);
          let at = 0;
          for (const [i, bytes] of blocks.entries()) {
            const blockStart = (first + i) * rowBlock;
            const from = Math.max(offset, blockStart) - blockStart;
            const to = Math.min(end, blockStart + bytes.length) - blockStart;
            if (to <= from) break;
            out.set(bytes.subarray(from, to), at);
            at += to - from;
          }
          return at === out.length ? out : out.subarray(0, at);
        },
      };
    },
  };
}
