/**
 * Counts object storage failures for `/metrics` (`securevod_storage_errors_total`) without the
 * storage adapters knowing about metrics: a decorator applied once by the composition root.
 * Counted: anything but the answers a healthy store gives to a bad or missing key (`NotFound`,
 * `InvalidKey`, `InvalidRange`, `InvalidArgument`) — i.e. `Unavailable` and unexpected errors.
 */
import { ObjectStoreError, type ObjectStore } from '../storage/object-store.js';

const NOT_STORE_FAILURES = new Set(['NotFound', 'InvalidKey', 'InvalidRange', 'InvalidArgument']);

export function instrumentObjectStore(store: ObjectStore, onError: (operation: string) => void): ObjectStore {
  const count = (operation: string, error: unknown): never => {
    if (!(error instanceof ObjectStoreError && NOT_STORE_FAILURES.has(error.code))) onError(operation);
    throw error;
  };
  return {
    capabilities: store.capabilities,
    put: (key, body, opts) => store.put(key, body, opts).catch((e: unknown) => count('put', e)),
    get: (key, opts) => store.get(key, opts).catch((e: unknown) => count('get', e)),
    head: (key) => store.head(key).catch((e: unknown) => count('head', e)),
    delete: (key) => store.delete(key).catch((e: unknown) => count('delete', e)),
    deletePrefix: (prefix) => store.deletePrefix(prefix).catch((e: unknown) => count('deletePrefix', e)),
    ping: () => store.ping().catch((e: unknown) => count('ping', e)),
    async *list(prefix) {
      try {
        yield* store.list(prefix);
      } catch (error) {
        count('list', error);
      }
    },
  };
}
