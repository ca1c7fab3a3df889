/**
 * The account ID that appears in every ARN (`acs:ram::<account>:root`): 16 random digits made on
 * first start and kept in settings, like the vendor's numeric account IDs.
 */
import { randomInt } from 'node:crypto';
import type { SettingsStore } from '../store/settings-store.js';

const SETTING = 'accountId';

export async function loadAccountId(settings: SettingsStore): Promise<string> {
  const existing = await settings.get<string>(SETTING);
  if (typeof existing === 'string' && /^\d{16}$/.test(existing)) return existing;
  // Two servers starting on one database at once agree on whichever insert won.
  return settings.setIfAbsent(SETTING, randomDigits(16));
}

export function randomDigits(length: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < length) out += String(randomInt(0, 10));
  return out;
}
