/**
 * The deployment's trace secret: 32 random bytes that key the A/B code words (trace-code.ts).
 * Kept in the settings store only wrapped by the KMS, created on first start, and never rotated:
 * a new secret would change every issued session's code word, and the detector could no longer
 * name viewers of copies leaked before the change.
 */
import { randomBytes } from 'node:crypto';
import type { Kms } from '../kms/kms.js';
import type { SettingsStore } from '../store/settings-store.js';

const SETTING = 'traceSecret';
const CONTEXT = { purpose: 'trace-code-secret' } as const;

export async function loadTraceSecret(kms: Kms, settings: SettingsStore): Promise<Uint8Array> {
  let wrapped = await settings.get<string>(SETTING);
  if (!wrapped) {
    const fresh = new Uint8Array(randomBytes(32));
    const { ciphertextBlob } = await kms.encrypt(fresh, CONTEXT);
    fresh.fill(0);
    // Two nodes starting together may both create one; the first write wins for both.
    wrapped = await settings.setIfAbsent(SETTING, ciphertextBlob);
  }
  return (await kms.decrypt(wrapped, CONTEXT)).plaintext;
}
