/**
 * @securevod/player — the securevod web player SDK on hls.js (DESIGN §5; docs/sdk.md).
 * `createPlayer({ video, vid, playAuth })` plays clear, standard (AES-128) and private
 * (AES-256-GCM) streams alike; `createDownloader` and `createOfflinePlayer` store secure
 * downloads in the browser and play them with no network. Built as `dist/securevod-player.js` (global `SecureVod`) and
 * `dist/securevod-player.mjs` by `packages/player/build.mjs`.
 */
export {
  createPlayer,
  type Player,
  type PlayerEvents,
  type PlayerOptions,
  type PlayerStats,
  type ReadyEvent,
} from './create-player.js';
export {
  DEFAULT_RECOVERY_POLICY,
  PlayerError,
  VIEWER_MESSAGES,
  type PlayerErrorInit,
  type PlayerErrorType,
  type RecoveryPolicy,
} from './errors.js';
export {
  AUTO_DEFINITION,
  type PlayInfo,
  type PlayInfoResponse,
  type SessionInfo,
  type VideoMeta,
} from './play-info.js';
export { parseThumbnailTrack, thumbnailAt, type ThumbnailCue } from './seek-thumbnails.js';
export { DEFAULT_PLAY_API_POLICIES, type PlayApiPolicies, type RequestPolicy } from './request-policy.js';
export { DEFAULT_SESSION_POLICY, type SessionPolicy, type SessionRefreshedEvent } from './session.js';
export type { FetchLike } from './play-api.js';
// Offline downloads (DESIGN §6; docs/sdk.md, "Offline downloads").
export {
  createDownloader,
  DEFAULT_RESTART_POLICY,
  type Downloader,
  type DownloaderOptions,
  type DownloadOptions,
  type DownloadProgress,
  type RestartPolicy,
} from './offline/create-downloader.js';
export {
  createOfflinePlayer,
  type OfflinePlayer,
  type OfflinePlayerEvents,
  type OfflinePlayerOptions,
  type OfflinePlayerStats,
  type OfflineReadyEvent,
} from './offline/create-offline-player.js';
export { DEFAULT_BUFFER_POLICY, type BufferPolicy } from './offline/buffer-planner.js';
export { NOT_LICENSED_MESSAGE } from './offline/offline-errors.js';
export { ROLLBACK_TOLERANCE_MS } from './offline/license-clock.js';
export {
  indexedDbLicenseStateStore,
  memoryLicenseStateStore,
  type LicenseState,
  type LicenseStateStore,
} from './offline/license-state-store.js';
export type { RenewedLicense, RenewLicenseOptions } from './offline/renew-license.js';
export {
  openPackageStore,
  PackageStoreError,
  type PackageStore,
  type PackageStoreKind,
  type PackageWrite,
  type StoredPackage,
} from './offline/package-store.js';
export {
  refreshRevocations,
  storedRevocations,
  type RefreshRevocationsOptions,
} from './offline/refresh-revocations.js';
export type { RevocationRecord } from './offline/revocation-list.js';
export { localStorageRevocationStore, type RevocationStore } from './offline/revocation-store.js';
/** hls.js itself, for `player.hls.on(Hls.Events.…)` in pages that load the SDK as one script. */
export { default as Hls } from 'hls.js';
