/**
 * The secret that signs PlayAuths and media/key tokens: 32 random bytes, kept in the settings
 * store only wrapped by the KMS, created on first start. A list `[current, ...previous]` so a
 * rotation does not cut off tokens already handed out.
 */
import { randomBytes } from 'node:crypto';
import type { Kms } from '../kms/kms.js';
import type { SettingsStore } from '../store/settings-store.js';

const SETTING = 'playbackSecrets';
const CONTEXT = { purpose: 'playback-token-secret' } as const;

export async function loadPlaybackSecrets(kms: Kms, settings: SettingsStore): Promise<Uint8Array[]> {
  let wrapped = await settings.get<string[]>(SETTING);
  if (!wrapped || wrapped.length === 0) {
    const fresh = new Uint8Array(randomBytes(32));
    const { ciphertextBlob } = await kms.encrypt(fresh, CONTEXT);
    fresh.fill(0);
    wrapped = [ciphertextBlob];
    await settings.set(SETTING, wrapped);
  }
  const secrets: Uint8Array[] = [];
  for (const blob of wrapped) secrets.push((await kms.decrypt(blob, CONTEXT)).plaintext);
  return secrets;
}

/** Adds a new current secret; the previous one keeps verifying until the next rotation. */
export async function rotatePlaybackSecret(kms: Kms, settings: SettingsStore): Promise<void> {
  const wrapped = (await settings.get<string[]>(SETTING)) ?? [];
  const fresh = new Uint8Array(randomBytes(32));
  const { ciphertextBlob } = await kms.encrypt(fresh, CONTEXT);
  fresh.fill(0);
  await settings.set(SETTING, [ciphertextBlob, ...wrapped].slice(0, 2));
}
