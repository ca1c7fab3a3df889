/**
 * AppIdentification: which app a download secret (and so a key file and an offline package)
 * belongs to. `GenerateDownloadSecretKey` normalises the registered value with this function,
 * the key file binds the canonical form into its key derivation, and every SDK normalises its own
 * identification the same way before opening a key file — so both sides must agree byte for byte.
 * The web SDK passes `location.origin`, which is why `normalize(location.origin)` must equal the
 * normalised registered origin.
 *
 * Rules (also in docs/formats.md, "Key file (AppEncryptKey)"). Surrounding whitespace is trimmed
 * and an empty value is an error. The kind is decided by the shape, in this order:
 *
 * 1. Web — starts with a URL scheme (`scheme://`). An origin for the web SDK: `https://host[:port]`,
 *    or `http://` only for the loopback hosts `localhost`, `127.0.0.1` and `[::1]` (WebCrypto needs
 *    a secure context). Parsed with the WHATWG URL parser: scheme and host lowercased, IDN hosts in
 *    punycode, the default port dropped. A single trailing `/` is tolerated; a path, query,
 *    fragment or credentials are errors. Value: the origin, e.g. `https://video.example.com`.
 * 2. Android — contains `:`. The SHA-1 fingerprint of the signing certificate: exactly 20 hex pairs
 *    separated by `:`, either case. Value: uppercase with colons. A colon-separated 20-pair value
 *    is always Android, even if it was meant as a Windows serial number.
 * 3. Windows — only hex digits, optionally as byte pairs separated by single spaces. The
 *    code-signing certificate's serial number, 1 to 20 bytes (an even number of hex digits; keep
 *    leading zeros). Value: uppercase hex, no separators. Note that 40 hex digits without colons
 *    are a 20-byte Windows serial, not an Android fingerprint.
 * 4. iOS — anything else containing `.`. The bundle ID: reverse-DNS, at least two non-empty
 *    dot-separated segments of `A-Z a-z 0-9 -`, at most 155 characters. Value: lowercased.
 *
 * Canonical form: `${kind}:${value}`, e.g. `android:BB:0D:…:5A`, `ios:com.example.app`,
 * `windows:0A1B2C`, `web:https://video.example.com`.
 */

export type AppKind = 'android' | 'ios' | 'windows' | 'web';

export interface AppIdentification {
  readonly kind: AppKind;
  readonly value: string;
  /** `${kind}:${value}` — the form bound into key files and packages. */
  readonly canonical: string;
}

export const ACCEPTED_APP_IDENTIFICATION_FORMS =
  'Accepted forms: an Android signing-certificate SHA-1 fingerprint (20 hex pairs separated by ":", ' +
  'e.g. BB:0D:AC:74:D3:21:09:EF:9C:71:1A:5E:77:2C:8E:BF:03:FD:FA:5A), an iOS bundle ID (e.g. com.example.app), ' +
  'a Windows code-signing certificate serial number (1 to 20 bytes of hex, e.g. 0A1B2C3D or 0a 1b 2c 3d), ' +
  'or a web origin (https://host[:port], or http:// for localhost, 127.0.0.1 or [::1]).';

/** Malformed AppIdentification. `reason` is the problem alone; `message` adds the accepted forms. */
export class AppIdentificationError extends Error {
  override readonly name = 'AppIdentificationError';
  readonly code = 'InvalidAppIdentification';
  constructor(readonly reason: string) {
    super(`${reason} ${ACCEPTED_APP_IDENTIFICATION_FORMS}`);
  }
}

const IOS_MAX_LENGTH = 155;
const WINDOWS_MAX_BYTES = 20;
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

export function normalizeAppIdentification(input: string): AppIdentification {
  if (typeof input !== 'string') throw new AppIdentificationError('AppIdentification must be a string.');
  const text = input.trim();
  if (text === '') throw new AppIdentificationError('AppIdentification is empty.');
  const shown = quote(text);

  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) return make('web', normalizeOrigin(text, shown));
  if (text.includes(':')) return make('android', normalizeAndroid(text, shown));
  if (/^[0-9A-Fa-f ]+$/.test(text)) return make('windows', normalizeWindows(text, shown));
  if (text.includes('.')) return make('ios', normalizeBundleId(text, shown));
  throw new AppIdentificationError(`AppIdentification ${shown} is not in any accepted form.`);
}

function make(kind: AppKind, value: string): AppIdentification {
  return { kind, value, canonical: `${kind}:${value}` };
}

function normalizeAndroid(text: string, shown: string): string {
  const pairs = text.split(':');
  const bad = pairs.findIndex((p) => !/^[0-9A-Fa-f]{2}$/.test(p));
  if (bad >= 0) {
    throw new AppIdentificationError(
      `AppIdentification ${shown} contains ":" so it is read as an Android SHA-1 fingerprint, but part ${bad + 1} ` +
        `is not a pair of hex digits (web origins must start with https://).`,
    );
  }
  if (pairs.length !== 20) {
    const hint = pairs.length === 32 ? ' (that is a SHA-256 fingerprint; use the SHA-1 one)' : '';
    throw new AppIdentificationError(
      `AppIdentification ${shown} is read as an Android SHA-1 fingerprint, which has exactly 20 hex pairs; ` +
        `it has ${pairs.length}${hint}.`,
    );
  }
  return text.toUpperCase();
}

function normalizeWindows(text: string, shown: string): string {
  let hex = text;
  if (text.includes(' ')) {
    if (!/^[0-9A-Fa-f]{2}( [0-9A-Fa-f]{2})*$/.test(text)) {
      throw new AppIdentificationError(
        `AppIdentification ${shown} is read as a Windows certificate serial number, but spaces may only ` +
          `separate byte pairs, one space each (e.g. 0a 1b 2c).`,
      );
    }
    hex = text.replaceAll(' ', '');
  }
  if (hex.length % 2 !== 0) {
    throw new AppIdentificationError(
      `AppIdentification ${shown} is read as a Windows certificate serial number, which needs an even number ` +
        `of hex digits; it has ${hex.length} (keep any leading zero).`,
    );
  }
  if (hex.length / 2 > WINDOWS_MAX_BYTES) {
    throw new AppIdentificationError(
      `AppIdentification ${shown} is read as a Windows certificate serial number, which is at most ` +
        `${WINDOWS_MAX_BYTES} bytes; it has ${hex.length / 2}.`,
    );
  }
  return hex.toUpperCase();
}

function normalizeBundleId(text: string, shown: string): string {
  const what = `AppIdentification ${shown} is read as an iOS bundle ID`;
  if (text.length > IOS_MAX_LENGTH) {
    throw new AppIdentificationError(
      `${what}, which is at most ${IOS_MAX_LENGTH} characters; it has ${text.length}.`,
    );
  }
  const badChar = text.search(/[^A-Za-z0-9.-]/);
  if (badChar >= 0) {
    throw new AppIdentificationError(
      `${what}, which may contain only A-Z, a-z, 0-9, "-" and "." (found another character at position ${badChar + 1}).`,
    );
  }
  if (text.split('.').some((segment) => segment === '')) {
    throw new AppIdentificationError(
      `${what}, but it has an empty segment (leading, trailing or doubled ".").`,
    );
  }
  return text.toLowerCase();
}

function normalizeOrigin(text: string, shown: string): string {
  const what = `AppIdentification ${shown} is read as a web origin`;
  // The raw text is checked before the URL parser runs because the parser silently drops an
  // empty query or fragment ("https://a.example/?") and turns "\" into "/".
  const raw = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\\]*)(.*)$/.exec(text);
  const scheme = raw?.[1]?.toLowerCase() ?? '';
  const authority = raw?.[2] ?? '';
  const rest = raw?.[3] ?? '';
  if (scheme !== 'https' && scheme !== 'http') {
    throw new AppIdentificationError(
      `${what}, but only https:// (or http:// for loopback) origins are accepted.`,
    );
  }
  if (authority.includes('@')) {
    throw new AppIdentificationError(`${what}, but it contains credentials ("user@"); give the origin only.`);
  }
  if (rest !== '' && rest !== '/') {
    const part = rest.startsWith('?') ? 'a query' : rest.startsWith('#') ? 'a fragment' : 'a path';
    throw new AppIdentificationError(
      `${what}, but it has ${part}; give the origin only (scheme, host and optional port), e.g. https://video.example.com.`,
    );
  }
  let url: URL;
  try {
    url = new URL(`${scheme}://${authority}/`);
  } catch {
    throw new AppIdentificationError(`${what}, but its host or port is not valid.`);
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new AppIdentificationError(
      `${what}, but http:// is accepted only for localhost, 127.0.0.1 and [::1]; WebCrypto needs a secure ` +
        `context, so use https://.`,
    );
  }
  return `${url.protocol}//${url.host}`;
}

/** Quotes the value for a message, shortened so a pasted blob cannot flood logs. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
