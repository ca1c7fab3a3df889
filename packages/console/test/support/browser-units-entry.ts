/**
 * Bundled by browser-units.test.ts and run in Chromium: exposes the console's browser-only
 * modules (credential vault, WebCrypto signer) to the test through `window.units`.
 */
import { canonicalize, sign, stringToSign } from '../../src/api/rpc-signature.js';
import { CredentialVault } from '../../src/session/credential-vault.js';

declare global {
  interface Window {
    units: typeof units;
  }
}

/** Everything stored under `dbName`, with binary values as base64 and CryptoKeys described. */
async function dumpDatabase(dbName: string): Promise<string> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(dbName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const parts: string[] = [];
  for (const storeName of [...db.objectStoreNames]) {
    const values = await new Promise<unknown[]>((resolve, reject) => {
      const request = db.transaction(storeName).objectStore(storeName).getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    parts.push(JSON.stringify(values, (_key, value: unknown) => describe(value)));
  }
  db.close();
  return parts.join('\n');
}

function describe(value: unknown): unknown {
  if (value instanceof CryptoKey) {
    return { cryptoKey: value.algorithm.name, extractable: value.extractable, usages: value.usages };
  }
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes =
      value instanceof ArrayBuffer
        ? new Uint8Array(value)
        : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return {
      bytes: btoa(String.fromCharCode(...bytes)),
      text: new TextDecoder('utf-8', { fatal: false }).decode(bytes),
    };
  }
  return value;
}

/** Tries to export the stored key; resolves with the error name when the browser refuses. */
async function exportStoredKey(dbName: string): Promise<string> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(dbName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const record = await new Promise<{ key: CryptoKey }>((resolve, reject) => {
    const request = db.transaction('vault').objectStore('vault').get('session');
    request.onsuccess = () => resolve(request.result as { key: CryptoKey });
    request.onerror = () => reject(request.error);
  });
  db.close();
  try {
    await crypto.subtle.exportKey('raw', record.key);
    return 'exported';
  } catch (error) {
    return (error as Error).name;
  }
}

/** A settable clock (functions written inside page.evaluate must stay unnamed, so tests use this). */
function clock(start: number): { now: () => number; advance: (ms: number) => void } {
  let current = start;
  return { now: () => current, advance: (ms) => void (current += ms) };
}

const units = {
  CredentialVault,
  clock,
  dumpDatabase,
  exportStoredKey,
  signer: { canonicalize, sign, stringToSign },
};

window.units = units;
