/**
 * "Remember me" storage for an AccessKey pair. The pair is stored only encrypted (AES-256-GCM)
 * under a non-extractable WebCrypto key; the key itself is kept in IndexedDB as a CryptoKey, so
 * page script can use it but never read its bytes, and copying the database out of the profile
 * gives ciphertext plus a key handle the browser will not export. What stays in the clear is only
 * when the session was created and last used, which is what expiry needs.
 *
 * Expiry: a remembered session ends after `idleMs` without `touch()` (8 h by default) and at the
 * latest `maxAgeMs` after `save()` (7 days); `load()` of an expired session deletes it.
 * `clear()` deletes the record and with it the only copy of the key.
 */

export interface RememberedCredentials {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** STS credentials only: the SecurityToken. */
  readonly securityToken?: string;
}

export interface VaultPolicy {
  readonly idleMs: number;
  readonly maxAgeMs: number;
}

export const DEFAULT_VAULT_POLICY: VaultPolicy = Object.freeze({
  idleMs: 8 * 60 * 60 * 1000,
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
});

/** What the session layer needs from a vault (tests may pass an in-memory one). */
export interface SessionVault {
  save(credentials: RememberedCredentials): Promise<void>;
  /** The remembered credentials, or undefined when none, expired (then deleted) or unreadable. */
  load(): Promise<RememberedCredentials | undefined>;
  /** Marks the session as used now (extends the idle deadline). */
  touch(): Promise<void>;
  clear(): Promise<void>;
}

/** The record as stored in IndexedDB. Only `key` can decrypt `ciphertext`. */
interface VaultRecord {
  readonly key: CryptoKey;
  readonly iv: Uint8Array<ArrayBuffer>;
  readonly ciphertext: ArrayBuffer;
  readonly createdAt: number;
  readonly lastActiveAt: number;
}

const STORE = 'vault';
const RECORD_ID = 'session';
/** Binds the ciphertext to its purpose (AES-GCM additional data). */
const AAD = new TextEncoder().encode('securevod-console/remembered-credentials/v1');

export class CredentialVault implements SessionVault {
  readonly #dbName: string;
  readonly #policy: VaultPolicy;
  readonly #now: () => number;

  constructor(options: { dbName?: string; policy?: Partial<VaultPolicy>; now?: () => number } = {}) {
    this.#dbName = options.dbName ?? 'securevod-console';
    this.#policy = { ...DEFAULT_VAULT_POLICY, ...options.policy };
    this.#now = options.now ?? Date.now;
  }

  async save(credentials: RememberedCredentials): Promise<void> {
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plaintext = new TextEncoder().encode(
      JSON.stringify({
        endpoint: credentials.endpoint,
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
      }),
    );
    const ciphertext = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: AAD },
      key,
      plaintext,
    );
    plaintext.fill(0);
    const now = this.#now();
    await this.#put({ key, iv, ciphertext, createdAt: now, lastActiveAt: now });
  }

  async load(): Promise<RememberedCredentials | undefined> {
    const record = await this.#get();
    if (!record) return undefined;
    const now = this.#now();
    if (now - record.lastActiveAt > this.#policy.idleMs || now - record.createdAt > this.#policy.maxAgeMs) {
      await this.clear();
      return undefined;
    }
    try {
      const plaintext = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: record.iv, additionalData: AAD },
        record.key,
        record.ciphertext,
      );
      const parsed = JSON.parse(new TextDecoder().decode(plaintext)) as RememberedCredentials;
      await this.#put({ ...record, lastActiveAt: now });
      return {
        endpoint: parsed.endpoint,
        accessKeyId: parsed.accessKeyId,
        accessKeySecret: parsed.accessKeySecret,
        ...(parsed.securityToken ? { securityToken: parsed.securityToken } : {}),
      };
    } catch {
      // A damaged record is useless: forget it, the person signs in again.
      await this.clear();
      return undefined;
    }
  }

  async touch(): Promise<void> {
    const record = await this.#get();
    if (record) await this.#put({ ...record, lastActiveAt: this.#now() });
  }

  async clear(): Promise<void> {
    await this.#transaction('readwrite', (store) => store.delete(RECORD_ID));
  }

  async #get(): Promise<VaultRecord | undefined> {
    return this.#transaction<VaultRecord | undefined>('readonly', (store) => store.get(RECORD_ID));
  }

  async #put(record: VaultRecord): Promise<void> {
    await this.#transaction('readwrite', (store) => store.put(record, RECORD_ID));
  }

  async #transaction<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest): Promise<T> {
    const db = await openDatabase(this.#dbName);
    try {
      return await new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = run(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request.result as T);
        tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
      });
    } finally {
      db.close();
    }
  }
}

function openDatabase(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error(`cannot open IndexedDB "${name}"`));
    request.onblocked = () => reject(new Error(`IndexedDB "${name}" is blocked by another tab`));
  });
}

/** A vault that forgets everything when the page goes away (tests, or browsers without IndexedDB). */
export class MemoryVault implements SessionVault {
  #record: { credentials: RememberedCredentials; createdAt: number; lastActiveAt: number } | undefined;
  readonly #policy: VaultPolicy;
  readonly #now: () => number;

  constructor(options: { policy?: Partial<VaultPolicy>; now?: () => number } = {}) {
    this.#policy = { ...DEFAULT_VAULT_POLICY, ...options.policy };
    this.#now = options.now ?? Date.now;
  }

  async save(credentials: RememberedCredentials): Promise<void> {
    const now = this.#now();
    this.#record = { credentials: { ...credentials }, createdAt: now, lastActiveAt: now };
  }

  async load(): Promise<RememberedCredentials | undefined> {
    const record = this.#record;
    if (!record) return undefined;
    const now = this.#now();
    if (now - record.lastActiveAt > this.#policy.idleMs || now - record.createdAt > this.#policy.maxAgeMs) {
      this.#record = undefined;
      return undefined;
    }
    record.lastActiveAt = now;
    return { ...record.credentials };
  }

  async touch(): Promise<void> {
    if (this.#record) this.#record.lastActiveAt = this.#now();
  }

  async clear(): Promise<void> {
    this.#record = undefined;
  }
}
