/**
 * Where downloaded packages live in the browser (DESIGN §6): the contract every backend meets
 * (STYLE §1–2: a small interface, one file per implementation, one conformance suite —
 * test/support/package-store-contract.ts, run in Chromium by test/offline-store-browser.test.ts).
 *
 *   - `opfs-package-store.ts`: the Origin Private File System, written with `createWritable()`,
 *     so a download streams to disk and memory stays flat;
 *   - `indexeddb-package-store.ts`: fixed-size block records, where OPFS (or its
 *     `createWritable`) is missing.
 *
 * Only packages are stored: encrypted bytes exactly as the server sent them. Nothing is ever
 * decrypted into storage. A package becomes visible (`list`, `get`, `openSource`) only once
 * `commit` succeeds; `abort` removes whatever was written.
 */
import type { PackageSource } from '@securevod/crypto';
import { createIndexedDbPackageStore } from './indexeddb-package-store.js';
import { createOpfsPackageStore, opfsAvailable } from './opfs-package-store.js';

/** A downloaded package. */
export interface StoredPackage {
  /** Opaque id chosen by the downloader (letters, digits, `-`, `_`). */
  readonly id: string;
  readonly videoId: string;
  readonly definition: string;
  /** The download-secret version it was made for (the key file must be this version). */
  readonly secretVersion: number;
  /** Canonical app it was made for (`web:<origin>`). */
  readonly appIdentification: string;
  /** Bytes. */
  readonly size: number;
  /** ISO time the download finished. */
  readonly createdAt: string;
}

/** A package being written: bytes in order, then `commit` (or `abort`). */
export interface PackageWrite {
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the package visible; fails unless exactly `record.size` bytes were written. */
  commit(): Promise<StoredPackage>;
  /** Removes everything written so far. Safe to call after a failure, and more than once. */
  abort(): Promise<void>;
}

export type PackageStoreKind = 'opfs' | 'indexeddb';

export interface PackageStore {
  readonly kind: PackageStoreKind;
  /** Starts a package; `record.createdAt` is replaced by the commit time. */
  create(record: StoredPackage): Promise<PackageWrite>;
  /** Committed packages, newest first. */
  list(): Promise<StoredPackage[]>;
  get(id: string): Promise<StoredPackage | undefined>;
  /** Removes a package; false when there was none. */
  remove(id: string): Promise<boolean>;
  /** Random access to a committed package's bytes; rejects with `PackageStoreError('NotFound')`. */
  openSource(id: string): Promise<PackageSource>;
}

export type PackageStoreErrorCode = 'NotFound' | 'SizeMismatch' | 'Unavailable' | 'QuotaExceeded';

export class PackageStoreError extends Error {
  override readonly name = 'PackageStoreError';
  constructor(
    readonly code: PackageStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Ids become file names: only a safe alphabet. */
export function assertPackageId(id: string): void {
  if (typeof id !== 'string' || !ID.test(id)) {
    throw new TypeError('A package id is 1 to 64 letters, digits, "-" or "_".');
  }
}

/** A fresh id for a new package. */
export function newPackageId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A stored record read back, or undefined when it is not one. */
export function parseStoredPackage(value: unknown): StoredPackage | undefined {
  const r = value as Partial<StoredPackage> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.id !== 'string' ||
    !ID.test(r.id) ||
    typeof r.videoId !== 'string' ||
    typeof r.definition !== 'string' ||
    !Number.isSafeInteger(r.secretVersion) ||
    typeof r.appIdentification !== 'string' ||
    !Number.isSafeInteger(r.size) ||
    typeof r.createdAt !== 'string'
  ) {
    return undefined;
  }
  return {
    id: r.id,
    videoId: r.videoId,
    definition: r.definition,
    secretVersion: r.secretVersion!,
    appIdentification: r.appIdentification,
    size: r.size!,
    createdAt: r.createdAt,
  };
}

/** Newest first, then by id (a stable order for equal times). */
export function byNewest(a: StoredPackage, b: StoredPackage): number {
  return b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);
}

/** A storage write that failed because the origin's quota is used up. */
export function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'QuotaExceededError';
}

/**
 * The store to use: `'auto'` (default) picks OPFS when the browser has it with
 * `createWritable()`, else IndexedDB. The choice depends only on the browser, so the same page
 * finds its packages again.
 */
export async function openPackageStore(kind: PackageStoreKind | 'auto' = 'auto'): Promise<PackageStore> {
  const chosen = kind === 'auto' ? ((await opfsAvailable()) ? 'opfs' : 'indexeddb') : kind;
  return chosen === 'opfs' ? createOpfsPackageStore() : createIndexedDbPackageStore();
}
