/**
 * Who tells whom (DESIGN §2, "revocation fan-out"; shared/invalidation-bus.ts).
 *
 * Publishers are store decorators, applied once by the composition root, so every writer — an
 * RPC action, the console, a CLI command on the same database, the worker — announces its change
 * without knowing about the bus:
 * - AccessKey status changes (disabled, enabled) and deletions → `access-key`;
 * - download secret revocations → `download-secret`;
 * - video deletions and status or data-key changes (blocked, re-transcoded, published) →
 *   `video`. Progress-only updates say nothing.
 * A publication that fails (Redis down) is logged; the write has happened, and caches still
 * expire by their TTL.
 *
 * Subscribers (`subscribeCaches`) drop what an event names from this node's caches:
 * - the AccessKey secret cache (`AccessKeyService`); the status is read per request anyway;
 * - unwrapped data keys (`DataKeyCache`) and, via the key routes' own subscription, stream facts
 *   and period keys;
 * - on `kms-key`: the local KMS reloads its key ring, so new blobs use the rotated version, and
 *   data keys are dropped;
 * - on `all` (events may have been missed): everything.
 * Download secrets are read from the store for every package, so nothing caches them.
 */
import type { AccessKeyService } from '../auth/access-key-service.js';
import type { DataKeyCache } from '../keys/data-key-cache.js';
import type { AccessKeyStore } from '../store/access-key-store.js';
import type { DownloadSecretStore } from '../store/download-secret-store.js';
import type { VideoStore } from '../store/video-store.js';
import type { InvalidationBus, InvalidationEvent } from './invalidation-bus.js';

export interface InvalidationLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

function announcer(bus: InvalidationBus, log: InvalidationLog) {
  return async (event: InvalidationEvent) => {
    try {
      await bus.publish(event);
    } catch (err) {
      log.warn({ err, event: event.kind }, 'cache invalidation not published; other nodes catch up by TTL');
    }
  };
}

export function publishingAccessKeyStore(
  store: AccessKeyStore,
  bus: InvalidationBus,
  log: InvalidationLog,
): AccessKeyStore {
  const announce = announcer(bus, log);
  return {
    ...store,
    async setStatus(accessKeyId, status) {
      const changed = await store.setStatus(accessKeyId, status);
      if (changed) await announce({ kind: 'access-key', accessKeyId });
      return changed;
    },
    async delete(accessKeyId) {
      const deleted = await store.delete(accessKeyId);
      if (deleted) await announce({ kind: 'access-key', accessKeyId });
      return deleted;
    },
  };
}

export function publishingDownloadSecretStore(
  store: DownloadSecretStore,
  bus: InvalidationBus,
  log: InvalidationLog,
): DownloadSecretStore {
  const announce = announcer(bus, log);
  return {
    ...store,
    async revoke(appIdentification, version) {
      const revoked = await store.revoke(appIdentification, version);
      if (revoked) await announce({ kind: 'download-secret', appIdentification, version });
      return revoked;
    },
  };
}

/** Patch fields after which other nodes' caches of the video are wrong. */
const VIDEO_FIELDS_CACHED_ELSEWHERE = ['status', 'dataKeyCiphertext'] as const;

export function publishingVideoStore(
  store: VideoStore,
  bus: InvalidationBus,
  log: InvalidationLog,
): VideoStore {
  const announce = announcer(bus, log);
  const changed = async (videoId: string, ok: boolean) => {
    if (ok) await announce({ kind: 'video', videoId });
    return ok;
  };
  return {
    ...store,
    async update(videoId, patch) {
      const ok = await store.update(videoId, patch);
      if (!VIDEO_FIELDS_CACHED_ELSEWHERE.some((field) => field in patch)) return ok;
      return changed(videoId, ok);
    },
    async transition(videoId, from, patch) {
      return changed(videoId, await store.transition(videoId, from, patch));
    },
    async delete(videoId) {
      return changed(videoId, await store.delete(videoId));
    },
  };
}

export interface InvalidatedCaches {
  accessKeys: Pick<AccessKeyService, 'forget'>;
  dataKeys: Pick<DataKeyCache, 'forgetVideo' | 'clear'>;
  /** Reloads the KMS key ring (the local KMS; undefined for a KMS that needs none). */
  reloadKms: (() => Promise<void>) | undefined;
  log: InvalidationLog;
}

/** Subscribes this node's caches; returns the unsubscribe function. */
export function subscribeCaches(bus: InvalidationBus, caches: InvalidatedCaches): () => void {
  return bus.subscribe((event) => {
    switch (event.kind) {
      case 'access-key':
        caches.accessKeys.forget(event.accessKeyId);
        break;
      case 'video':
        caches.dataKeys.forgetVideo(event.videoId);
        break;
      case 'download-secret':
        break; // read per package; nothing cached
      case 'kms-key':
      case 'all':
        caches.dataKeys.clear();
        if (event.kind === 'all') caches.accessKeys.forget();
        void caches
          .reloadKms?.()
          .catch((err: unknown) =>
            caches.log.warn({ err }, 'KMS key ring reload after an invalidation failed'),
          );
        break;
    }
  });
}
