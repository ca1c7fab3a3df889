/**
 * Live checks for the console's other forms. Each returns null when the value is acceptable,
 * else one sentence saying what to change. The rules are the API's: callback settings
 * (`packages/server/src/callbacks/callback-config.ts`), and AppIdentification / AppDecryptKey
 * from `@securevod/crypto`, the very functions the server applies.
 */
import {
  AppIdentificationError,
  listAppDecryptKeyProblems,
  normalizeAppIdentification,
  type AppIdentification,
} from '@securevod/crypto';
import { byteLength } from './template-form.js';

export const CALLBACK_EVENT_TYPES = [
  'FileUploadComplete',
  'StreamTranscodeComplete',
  'TranscodeComplete',
] as const;

export function checkCallbackUrl(raw: string): string | null {
  const text = raw.trim();
  if (text === '') return 'Enter the URL that should receive events.';
  if (byteLength(text) > 256) return 'The URL must be at most 256 bytes.';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'Enter a full URL, such as https://backend.example.com/vod-events.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'The URL must start with http:// or https://.';
  return null;
}

/** AuthKey for signed callbacks: required only when signing is on. */
export function checkCallbackAuthKey(raw: string, signing: boolean): string | null {
  if (raw === '') return signing ? 'Enter an auth key, or turn signing off.' : null;
  if (raw.length > 32) return 'The auth key must be at most 32 characters.';
  if (!/^[A-Za-z0-9]+$/.test(raw)) return 'The auth key may contain only letters and digits.';
  if (!/[A-Z]/.test(raw) || !/[a-z]/.test(raw) || !/[0-9]/.test(raw)) {
    return 'The auth key needs at least one uppercase letter, one lowercase letter and one digit.';
  }
  return null;
}

export type AppIdentificationCheck =
  | { readonly ok: true; readonly app: AppIdentification; readonly description: string }
  | { readonly ok: false; readonly problem: string };

const KIND_NAMES: Readonly<Record<AppIdentification['kind'], string>> = {
  android: 'Android app (signing-certificate SHA-1)',
  ios: 'iOS app (bundle ID)',
  windows: 'Windows app (code-signing certificate serial number)',
  web: 'web origin (securevod web player)',
};

/** Reads the identification as the server will, and says which kind of app it names. */
export function checkAppIdentification(raw: string): AppIdentificationCheck {
  try {
    const app = normalizeAppIdentification(raw);
    return { ok: true, app, description: `${KIND_NAMES[app.kind]}: ${app.value}` };
  } catch (error) {
    if (error instanceof AppIdentificationError) return { ok: false, problem: error.reason };
    throw error;
  }
}

/** Every rule the AppDecryptKey breaks (never echoing the key itself). */
export function appDecryptKeyProblems(raw: string): string[] {
  return raw === '' ? ['Enter the AppDecryptKey your app will ship with.'] : listAppDecryptKeyProblems(raw);
}

export function checkAccessKeyDescription(raw: string): string | null {
  return raw.length > 128 ? 'The description must be at most 128 characters.' : null;
}

/** A `datetime-local` value (local time) as the API's UTC form; '' stays undefined. */
export function localInputToUtc(raw: string): string | undefined {
  if (raw.trim() === '') return undefined;
  const ms = new Date(raw).getTime();
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function checkTimeRange(startRaw: string, endRaw: string): string | null {
  const start = localInputToUtc(startRaw);
  const end = localInputToUtc(endRaw);
  if (startRaw.trim() !== '' && start === undefined) return 'The start time is not a valid date.';
  if (endRaw.trim() !== '' && end === undefined) return 'The end time is not a valid date.';
  if (start && end && end <= start) return 'The end time must be later than the start time.';
  return null;
}

/**
 * What to send as AppIdentification for an app the API listed in canonical form
 * (`android:BB:…`): the value after the kind, which normalises back to the same canonical form.
 */
export function appIdentificationInput(canonical: string): string {
  return canonical.replace(/^(android|ios|windows|web):/, '');
}

/** The file name the key file is saved as: `<kind>-<value>-v<version>.dat`, filesystem-safe. */
export function keyFileName(canonicalApp: string, secretVersion: number | string): string {
  const safe = canonicalApp.replace(/[^A-Za-z0-9.-]+/g, '_').replace(/_+/g, '_');
  return `${safe.replace(/^_|_$/g, '')}-v${secretVersion}.dat`;
}

/** A whole number from `min` to `max` (playback limits), or what is wrong with it. */
export function checkWholeNumber(raw: string, min: number, max: number): string | null {
  const text = raw.trim();
  if (!/^\d+$/.test(text)) return `Enter a whole number from ${min} to ${max}.`;
  const value = Number(text);
  return value < min || value > max ? `Enter a whole number from ${min} to ${max}.` : null;
}
