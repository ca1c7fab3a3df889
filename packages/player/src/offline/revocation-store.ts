/**
 * Where the SDK keeps the revocation list between visits, so the offline player can refuse a
 * revoked secret version with no network (DESIGN §6). The default keeps one JSON record per app
 * in `localStorage` (key `securevod.revocations:<canonical app>`): it is per origin, like the
 * packages, and survives offline reloads.
 *
 * This is a policy check, not a cryptographic one: whoever controls the browser profile can edit
 * its storage. Revocation stops new downloads on the server; the browser list makes honest
 * clients stop playing what was already downloaded.
 */
import { parseStoredRecord, type RevocationRecord } from './revocation-list.js';

export interface RevocationStore {
  load(appIdentification: string): Promise<RevocationRecord | undefined>;
  save(record: RevocationRecord): Promise<void>;
}

const KEY_PREFIX = 'securevod.revocations:';

/** A store on `localStorage` (or any `Storage`, e.g. `sessionStorage`). */
export function localStorageRevocationStore(storage?: Storage): RevocationStore {
  const target = (): Storage => {
    const s = storage ?? (typeof localStorage === 'undefined' ? undefined : localStorage);
    if (!s) throw new TypeError('No localStorage here: pass a RevocationStore.');
    return s;
  };
  return {
    load(appIdentification) {
      const text = target().getItem(KEY_PREFIX + appIdentification);
      if (text === null) return Promise.resolve(undefined);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return Promise.resolve(undefined);
      }
      const record = parseStoredRecord(parsed);
      return Promise.resolve(record?.appIdentification === appIdentification ? record : undefined);
    },
    save(record) {
      target().setItem(KEY_PREFIX + record.appIdentification, JSON.stringify(record));
      return Promise.resolve();
    },
  };
}
