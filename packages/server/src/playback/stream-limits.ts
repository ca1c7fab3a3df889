/**
 * Concurrent-stream limits (DESIGN §9; issue 13 item 4; docs/api.md "Concurrent-stream limits"):
 * a viewer ID may hold at most N live play sessions.
 *
 * - **Who**: the viewer ID is the `ViewerId` parameter (our extension) or else the `Trace`
 *   parameter of GetPlayInfo / GetVideoPlayAuth. No viewer ID → no limit. The stores see only a
 *   hash of it (`viewerKey`), so no customer identifier reaches Redis or a media URL (the PlayAuth,
 *   which the viewer's own player receives, carries it signed as `uid`).
 * - **Session**: one GetPlayInfo answer, or one `/play/info` (a PlayAuth traded by the SDK), and
 *   every token made from it. Its tokens carry a `StreamLimitClaim` naming the session, which is
 *   the lease holder. A player that changes network keeps its session. The other side of that:
 *   copies of one live session's URLs count as that one session (GetPlayInfo is called by the
 *   customer's backend, so the viewer's network is not known when the session is admitted);
 *   what bounds them is the URL expiry.
 * - **Lease**: `leaseIntervalSeconds + leaseGraceSeconds` from the last renewal. Renewed by the
 *   SDK's `/play/refresh` (a limited session's token lives one lease and asks for a refresh every
 *   0.8 interval, paused or not) and by every media and key request (the heartbeat of players
 *   that never refresh).
 * - **Overflow** (`policy`): `RefuseNew` refuses the new session; `EndOldest` ends the session
 *   that started first, whose next refresh, media or key request is refused.
 * Every refusal is `Forbidden.ConcurrentStreams` (403).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SessionLeases } from '../shared/session-leases.js';
import type { SettingsStore } from '../store/settings-store.js';
import { PlaybackError } from './playback-error.js';

export type OverflowPolicy = 'RefuseNew' | 'EndOldest';

/** The account setting (SetCustomerConfig, our extension). */
export interface StreamLimitSettings {
  /** 0 = off (the default). */
  readonly maxConcurrentStreams: number;
  readonly policy: OverflowPolicy;
  /** How often a live player is expected to renew (the SDK refreshes within this). */
  readonly leaseIntervalSeconds: number;
  /** How long past the interval a silent session keeps its slot. */
  readonly leaseGraceSeconds: number;
}

export const DEFAULT_STREAM_LIMIT_SETTINGS: StreamLimitSettings = {
  maxConcurrentStreams: 0,
  policy: 'RefuseNew',
  leaseIntervalSeconds: 60,
  leaseGraceSeconds: 60,
};
export const MAX_CONCURRENT_STREAMS = 100;
export const LEASE_SECONDS_RANGE = { min: 1, max: 3600 } as const;

const SETTINGS_KEY = 'streamLimits';

export function streamLimitSettingsStore(settings: SettingsStore) {
  return {
    async get(): Promise<StreamLimitSettings> {
      return {
        ...DEFAULT_STREAM_LIMIT_SETTINGS,
        ...(await settings.get<StreamLimitSettings>(SETTINGS_KEY)),
      };
    },
    set: (value: StreamLimitSettings) => settings.set(SETTINGS_KEY, value),
  };
}
export type StreamLimitSettingsStore = ReturnType<typeof streamLimitSettingsStore>;

/**
 * What a limited session's tokens carry (claim `sl` of the media and MtsHlsUriToken tokens): all
 * the key and media roles need to renew its lease, so they read no setting.
 */
export interface StreamLimitClaim {
  /** `viewerKey(viewerId)`. */
  readonly k: string;
  /** Session id: 128 random bits. */
  readonly s: string;
  /** The limit the session was admitted under. */
  readonly n: number;
  /** Lease length in seconds (interval + grace). */
  readonly t: number;
}

export function isStreamLimitClaim(value: unknown): value is StreamLimitClaim {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.k === 'string' &&
    /^[A-Za-z0-9_-]{22}$/.test(c.k) &&
    typeof c.s === 'string' &&
    /^[A-Za-z0-9_-]{22}$/.test(c.s) &&
    isCount(c.n, MAX_CONCURRENT_STREAMS) &&
    isCount(c.t, 2 * LEASE_SECONDS_RANGE.max)
  );
}

/** A copy with exactly the claim's fields (a verified token's payload may carry others). */
export function streamLimitClaim(value: StreamLimitClaim): StreamLimitClaim {
  return { k: value.k, s: value.s, n: value.n, t: value.t };
}

/** The store key of a viewer: a hash, so no customer identifier reaches Redis or a token. */
export function viewerKey(viewerId: string): string {
  return createHash('sha256').update(`securevod/viewer/v1\n${viewerId}`).digest('base64url').slice(0, 22);
}

export interface OpenSessionOptions {
  /** `ViewerId`, else `Trace`; undefined: no limit. */
  readonly viewerId: string | undefined;
  /** A per-request `MaxConcurrentStreams`: lowers the account's limit, or sets one when it has none. */
  readonly override: number | undefined;
  /** Unix seconds when the session's first credentials expire. */
  readonly expiresAt: number;
}

export class StreamLimiter {
  constructor(
    private readonly deps: {
      leases: SessionLeases;
      settings: StreamLimitSettingsStore;
    },
  ) {}

  /** The account's settings (e.g. to size a session token to one lease). */
  settings(): Promise<StreamLimitSettings> {
    return this.deps.settings.get();
  }

  /**
   * Admits a new session, or throws `Forbidden.ConcurrentStreams`. Undefined when no limit
   * applies (no viewer ID, or no limit set); otherwise the claim its tokens must carry.
   */
  async open(
    opts: OpenSessionOptions,
    settings?: StreamLimitSettings,
  ): Promise<StreamLimitClaim | undefined> {
    if (opts.viewerId === undefined) return undefined;
    const s = settings ?? (await this.deps.settings.get());
    const limit = effectiveLimit(s.maxConcurrentStreams, opts.override);
    if (limit === 0) return undefined;
    const claim: StreamLimitClaim = {
      k: viewerKey(opts.viewerId),
      s: randomBytes(16).toString('base64url'),
      n: limit,
      t: s.leaseIntervalSeconds + s.leaseGraceSeconds,
    };
    await this.lease(claim, opts.expiresAt, s.policy === 'EndOldest');
    return claim;
  }

  /**
   * The heartbeat of a session's refresh, playlist or key request: renews its lease, takes a
   * slot again if it lapsed and one is free, or throws `Forbidden.ConcurrentStreams` (ended by
   * a newer session, or no slot). Never ends another session. One store call.
   */
  renew(claim: StreamLimitClaim, expiresAt: number): Promise<void> {
    return this.lease(claim, expiresAt, false);
  }

  /** An explicit stop: frees the slot now. */
  release(claim: StreamLimitClaim): Promise<void> {
    return this.deps.leases.release(`streams:${claim.k}`, claim.s);
  }

  private async lease(claim: StreamLimitClaim, expiresAt: number, evictOldest: boolean): Promise<void> {
    const result = await this.deps.leases.lease({
      key: `streams:${claim.k}`,
      holder: claim.s,
      ttlMs: claim.t * 1000,
      limit: claim.n,
      evictOldest,
      endedUntil: Math.max(1, expiresAt * 1000),
    });
    if (!result.acquired) throw new PlaybackError('Forbidden.ConcurrentStreams');
  }
}

/**
 * The limit of one session: a per-request override may lower the account's limit, or set one
 * when the account has none, never raise it — so an AccessKey (or RAM user) allowed to issue
 * play credentials cannot lift the account's policy. 0 = no limit.
 */
export function effectiveLimit(account: number, override: number | undefined): number {
  if (override === undefined) return account;
  return account === 0 ? override : Math.min(account, override);
}

function isCount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
}
