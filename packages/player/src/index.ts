/**
 * @securevod/player — the securevod web player SDK on hls.js (DESIGN §5; docs/sdk.md).
 * `createPlayer({ video, vid, playAuth })` plays clear, standard (AES-128) and private
 * (AES-256-GCM) streams alike. Built as `dist/securevod-player.js` (global `SecureVod`) and
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
export { DEFAULT_PLAY_API_POLICIES, type PlayApiPolicies, type RequestPolicy } from './request-policy.js';
export { DEFAULT_SESSION_POLICY, type SessionPolicy, type SessionRefreshedEvent } from './session.js';
export type { FetchLike } from './play-api.js';
/** hls.js itself, for `player.hls.on(Hls.Events.…)` in pages that load the SDK as one script. */
export { default as Hls } from 'hls.js';
