/**
 * The account's message-callback configuration (SetMessageCallback / GetMessageCallback,
 * reference §2.15), kept in the settings store, and UserData parsing (§3.4).
 */
import { apiErrors } from '../errors/api-error.js';
import type { SettingsStore } from '../store/settings-store.js';

export const CALLBACK_EVENT_TYPES = [
  'FileUploadComplete',
  'StreamTranscodeComplete',
  'TranscodeComplete',
  'VideoAnalysisComplete',
  'UploadByURLComplete',
  'DeleteMediaComplete',
  'ImageUploadComplete',
  'SnapshotComplete',
] as const;
export type CallbackEventType = (typeof CALLBACK_EVENT_TYPES)[number];

export interface MessageCallbackConfig {
  callbackType: 'HTTP';
  callbackUrl: string;
  /** Empty = no events; 'ALL' is stored expanded. */
  eventTypes: CallbackEventType[];
  authSwitch: 'on' | 'off';
  authKey: string;
  appId: string;
}

const SETTING_KEY = 'messageCallback';

export function callbackConfigStore(settings: SettingsStore) {
  return {
    get: () => settings.get<MessageCallbackConfig>(SETTING_KEY),
    set: (config: MessageCallbackConfig) => settings.set(SETTING_KEY, config),
  };
}
export type CallbackConfigStore = ReturnType<typeof callbackConfigStore>;

export function validateCallbackUrl(name: string, raw: string): string {
  if (Buffer.byteLength(raw) > 256) throw apiErrors.invalidParameter(name, 'It must be at most 256 bytes.');
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return url.href;
  } catch {
    throw apiErrors.invalidParameter(name, 'It must be one http:// or https:// URL.');
  }
}

export function parseEventTypeList(raw: string | undefined): CallbackEventType[] {
  if (raw === undefined || raw.trim() === '') return [];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.includes('ALL')) return [...CALLBACK_EVENT_TYPES];
  for (const name of names) {
    if (!(CALLBACK_EVENT_TYPES as readonly string[]).includes(name)) {
      throw apiErrors.invalidParameter(
        'EventTypeList',
        `"${name}" is not a supported event; use ALL or any of ${CALLBACK_EVENT_TYPES.join(', ')}.`,
      );
    }
  }
  return names as CallbackEventType[];
}

export function validateAuthKey(raw: string): string {
  if (
    raw.length > 32 ||
    !/[A-Z]/.test(raw) ||
    !/[a-z]/.test(raw) ||
    !/[0-9]/.test(raw) ||
    !/^[A-Za-z0-9]+$/.test(raw)
  ) {
    throw apiErrors.invalidParameter(
      'AuthKey',
      'It must be at most 32 letters and digits with at least one uppercase letter, one lowercase letter and one digit.',
    );
  }
  return raw;
}

export interface ParsedUserData {
  callbackUrl?: string;
  extend?: string;
}

/** UserData (§3.4): `MessageCallback.CallbackURL` overrides the URL; `Extend` is passed through. */
export function parseUserData(raw: string | undefined, name = 'UserData'): ParsedUserData {
  if (raw === undefined || raw === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw apiErrors.invalidParameter(name, 'It must be a JSON object.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw apiErrors.invalidParameter(name, 'It must be a JSON object.');
  }
  const data = value as { MessageCallback?: { CallbackURL?: unknown }; Extend?: unknown };
  const result: ParsedUserData = {};
  if (data.MessageCallback?.CallbackURL !== undefined) {
    result.callbackUrl = validateCallbackUrl(
      `${name}.MessageCallback.CallbackURL`,
      String(data.MessageCallback.CallbackURL),
    );
  }
  if (data.Extend !== undefined) {
    const extend = typeof data.Extend === 'string' ? data.Extend : JSON.stringify(data.Extend);
    if (Buffer.byteLength(extend) > 512)
      throw apiErrors.invalidParameter(`${name}.Extend`, 'It must be at most 512 bytes.');
    result.extend = extend;
  }
  return result;
}
