/**
 * `refreshRevocations`: fetches the revoked download-secret versions of this page's app
 * (`GET /download/revocations?AppIdentification=<location.origin>`) and stores them, merged with
 * what was stored (`revocation-list.ts`), so the offline player refuses revoked versions even with
 * no network. Call it whenever the page is online (e.g. on load); a failure leaves the stored list
 * as it was.
 */
import { PlayerError, fromServerError } from '../errors.js';
import type { FetchLike } from '../play-api.js';
import { defaultEndpoint } from '../script-origin.js';
import { httpOrigin } from '../url-token.js';
import { fatal } from './offline-errors.js';
import { pageApp } from './page-app.js';
import {
  mergeRevocations,
  parseRevocationResponse,
  RevocationListError,
  type RevocationRecord,
} from './revocation-list.js';
import { localStorageRevocationStore, type RevocationStore } from './revocation-store.js';

export interface RefreshRevocationsOptions {
  /** securevod server origin. Default: the origin the SDK script came from, else the page's. */
  readonly endpoint?: string;
  /** Default: `localStorage`. */
  readonly store?: RevocationStore;
  readonly fetch?: FetchLike;
  readonly signal?: AbortSignal;
}

/** Resolves with the stored (merged) record; rejects with a `PlayerError`. */
export async function refreshRevocations(options: RefreshRevocationsOptions = {}): Promise<RevocationRecord> {
  const endpoint = (options.endpoint ?? defaultEndpoint()).replace(/\/+$/, '');
  if (!httpOrigin(endpoint)) throw new TypeError('options.endpoint must be an http(s) URL.');
  const app = pageApp();
  const store = options.store ?? localStorageRevocationStore();
  const fetchImpl: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const url = `${endpoint}/download/revocations?${new URLSearchParams({ AppIdentification: app.origin })}`;
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'GET',
      credentials: 'omit',
      cache: 'no-store',
      ...(options.signal && { signal: options.signal }),
    });
  } catch (error) {
    throw new PlayerError({
      type: 'network',
      details: 'revocationsFailed',
      message: 'Fetching the revocation list failed: no response from the server.',
      fatal: false,
      status: 0,
      cause: error,
    });
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    throw fromServerError('Fetching the revocation list', res.status, body as { Code?: unknown } | undefined);
  }
  let fresh;
  try {
    fresh = parseRevocationResponse(body, app.canonical);
  } catch (error) {
    if (!(error instanceof RevocationListError)) throw error;
    throw fatal('other', 'invalidServerResponse', error.message, error);
  }
  const record = mergeRevocations(
    await store.load(app.canonical),
    { appIdentification: app.canonical, ...fresh },
    new Date(),
  );
  await store.save(record);
  return record;
}

/** The stored list for this page's app (no network). */
export async function storedRevocations(store?: RevocationStore): Promise<RevocationRecord | undefined> {
  return (store ?? localStorageRevocationStore()).load(pageApp().canonical);
}
