/**
 * What every KMS implementation binds a blob to, byte for byte: the canonical JSON of the
 * encryption context, used as (part of) the AEAD's additional data. Shared so that the local and
 * the PKCS#11 KMS refuse exactly the same mismatches.
 */
import type { EncryptionContext } from './kms.js';

/** Standard base64 with padding, as blobs are written. */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** JSON object with keys in code-unit order, written by hand so integer-like keys keep that order. */
export function canonicalContext(context: EncryptionContext): Buffer {
  const entries = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new TypeError(`Encryption context value "${key}" must be a string`);
  }
  const json = `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`;
  return Buffer.from(json, 'utf8');
}
