/**
 * The app identification of the web SDK: ALWAYS the page's `location.origin`, never a value the
 * caller passes (DESIGN §6; docs/sdk.md, "Offline downloads").
 *
 * Why: a key file opens only with the identification it was registered for (it is part of the
 * PBKDF2 salt), and every package names its app in its authenticated header. The browser sets
 * `location.origin` and no script on a page can change it, so it is the one identity a web app has
 * that another site cannot claim. Were it a parameter, a page on another site holding a copied key
 * file and AppDecryptKey could claim to be the registered origin and play its packages; bound to
 * the origin, the key file works only on the site it was issued for. The downloader sends the same
 * value so that the server makes packages for the app that will open them.
 */
import { AppIdentificationError, normalizeAppIdentification } from '@securevod/crypto';
import { PlayerError } from '../errors.js';

export interface PageApp {
  /** `location.origin`, as sent to the server. */
  readonly origin: string;
  /** Canonical form (`web:https://video.example.com`), as in key files and package headers. */
  readonly canonical: string;
}

/** `origin` is for tests in Node; pages always use their own. */
export function pageApp(origin: string | undefined = globalThis.location?.origin): PageApp {
  if (typeof origin !== 'string' || origin === '' || origin === 'null') {
    throw new PlayerError({
      type: 'other',
      details: 'originNotSupported',
      message: 'Offline downloads need a page with an http(s) origin.',
      fatal: true,
    });
  }
  try {
    return { origin, canonical: normalizeAppIdentification(origin).canonical };
  } catch (error) {
    if (!(error instanceof AppIdentificationError)) throw error;
    throw new PlayerError({
      type: 'other',
      details: 'originNotSupported',
      message: `Offline downloads need an https origin (or http://localhost): ${error.reason}`,
      fatal: true,
      cause: error,
    });
  }
}
