/**
 * `PackageStore` on the Origin Private File System (`navigator.storage.getDirectory()`), in the
 * directory `securevod-offline/`: `<id>.svpk` holds the package bytes, `<id>.json` its record.
 *
 * Writes go through `FileSystemFileHandle.createWritable()`: the browser collects them in a
 * temporary file and swaps it in on `close()`, so memory stays flat however large the package,
 * and an aborted or crashed download never leaves a partly written package in place. The record
 * is written after the package is closed: a package without its record is not listed. Reads
 * slice the `File` snapshot (`getFile()`), one range at a time.
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
import { packageSourceFromBlob } from './package-sources.js';

const DIRECTORY = 'securevod-offline';

/** Whether this browser has OPFS with `createWritable` (Safari before 17.4/18 lacks the latter). */
export async function opfsAvailable(): Promise<boolean> {
  try {
    if (typeof navigator === 'undefined' || typeof navigator.storage?.getDirectory !== 'function')
      return false;
    if (
      typeof FileSystemFileHandle === 'undefined' ||
      typeof FileSystemFileHandle.prototype.createWritable !== 'function'
    ) {
      return false;
    }
    await navigator.storage.getDirectory(); // throws in some private modes
    return true;
  } catch {
    return false;
  }
}

export async function createOpfsPackageStore(): Promise<PackageStore> {
  let dir: FileSystemDirectoryHandle;
  try {
    dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(DIRECTORY, { create: true });
  } catch (error) {
    throw new PackageStoreError('Unavailable', 'The Origin Private File System is not available here.', {
      cause: error,
    });
  }

  const readRecord = async (id: string): Promise<StoredPackage | undefined> => {
    try {
      const file = await (await dir.getFileHandle(`${id}.json`)).getFile();
      const record = parseStoredPackage(JSON.parse(await file.text()));
      return record?.id === id ? record : undefined;
    } catch {
      return undefined; // no record (NotFoundError), or not one of ours
    }
  };
  const removeEntry = async (name: string): Promise<boolean> => {
    try {
      await dir.removeEntry(name);
      return true;
    } catch {
      return false;
    }
  };
  const writeFile = async (name: string, bytes: Uint8Array | string): Promise<void> => {
    const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
    try {
      await writable.write(bytes as FileSystemWriteChunkType);
      await writable.close();
    } catch (error) {
      await writable.abort().catch(() => undefined);
      throw error;
    }
  };

  return {
    kind: 'opfs',

    async create(record) {
      assertPackageId(record.id);
      const name = `${record.id}.svpk`;
      const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
      let written = 0;
      let closed = false;
      const write: PackageWrite = {
        async write(bytes) {
          try {
            await writable.write(bytes as FileSystemWriteChunkType);
          } catch (error) {
            throw isQuotaError(error)
              ? new PackageStoreError('QuotaExceeded', 'The browser has no room left for this download.', {
                  cause: error,
                })
              : error;
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
          closed = true;
          await writable.close();
          const committed: StoredPackage = { ...record, createdAt: new Date().toISOString() };
          try {
            await writeFile(`${record.id}.json`, JSON.stringify(committed));
          } catch (error) {
            await removeEntry(name);
            throw error;
          }
          return committed;
        },
        async abort() {
          if (!closed) {
            closed = true;
            await writable.abort().catch(() => undefined);
          }
          await removeEntry(`${record.id}.json`);
          await removeEntry(name);
        },
      };
      return write;
    },

    async list() {
      const names: string[] = [];
      // `keys()` is async-iterable in every browser with OPFS; TypeScript's DOM lib types it
      // only with DOM.AsyncIterable, which this project does not load.
      for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
      const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5));
      const records = await Promise.all(ids.map(readRecord));
      return records.filter((r): r is StoredPackage => r !== undefined).sort(byNewest);
    },

    async get(id) {
      assertPackageId(id);
      return readRecord(id);
    },

    async remove(id) {
      assertPackageId(id);
      const existed = (await readRecord(id)) !== undefined;
      await removeEntry(`${id}.json`);
      await removeEntry(`${id}.svpk`);
      return existed;
    },

    async openSource(id): Promise<PackageSource> {
      assertPackageId(id);
      if (!(await readRecord(id))) throw new PackageStoreError('NotFound', `No stored package ${id}.`);
      try {
        return packageSourceFromBlob(await (await dir.getFileHandle(`${id}.svpk`)).getFile());
      } catch (error) {
        throw new PackageStoreError('NotFound', `The bytes of stored package ${id} are gone.`, {
          cause: error,
        });
      }
    },
  };
}
