/**
 * The `AppIdentification` parameter of the download actions and endpoints: any accepted raw form
 * (`BB:0D:…`, `com.example.app`, `https://host`) or the canonical form the API itself returns
 * (`android:BB:0D:…`, `ios:com.example.app`, `web:https://host`). No canonical string is also a
 * valid raw form, so accepting both is unambiguous. Malformed → InvalidParameter naming the field.
 */
import { AppIdentificationError, normalizeAppIdentification } from '@securevod/crypto';
import { apiErrors } from '../errors/api-error.js';

const CANONICAL = /^(android|ios|windows|web):(.+)$/s;

export function canonicalAppIdentification(raw: string): string {
  try {
    const prefixed = CANONICAL.exec(raw.trim());
    if (prefixed) {
      const parsed = normalizeAppIdentification(prefixed[2]!);
      if (parsed.kind === prefixed[1]) return parsed.canonical;
    }
    return normalizeAppIdentification(raw).canonical;
  } catch (error) {
    if (error instanceof AppIdentificationError)
      throw apiErrors.invalidParameter('AppIdentification', error.message);
    throw error;
  }
}
