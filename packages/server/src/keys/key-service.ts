/**
 * The key service's work, apart from HTTP (DESIGN §5): who may have which period key, and the
 * key itself. Two front ends call it — the fastify routes (key-routes.ts) and the lean `node:http`
 * fast path for `GET /keys/hls/…` (key-fast-path.ts) — so both answer exactly the same thing.
 *
 * Hot path (issue 12, BENCHMARKS.md): a token check (the HMAC once per token, then a cache hit),
 * two cache lookups (stream facts, period key) and a buffered audit record — no database
 * statement and no KMS call on a warm cache (test keys/key-hot-path.test.ts counts them). A
 * session under a concurrent-stream limit (its token's `sl` claim) adds one lease renewal
 * (playback/stream-limits.ts; in process, or one Redis script in cluster mode): a key request is
 * its heartbeat, and the request is refused once a newer session ended it.
 *
 * A private key exchange adds one ECDH derivation, HKDF and an AES-GCM wrap, on a small worker
 * pool when `exchangeThreads` is set (key-exchange-pool.ts), else on the event loop. Its front
 * ends are the fastify route and private-key-fast-path.ts.
 */
import { KeyExchangeError, deriveSegmentKey, keyPeriodForSegment } from '@securevod/crypto';
import { HLS_KEY_TOKEN_PARAM, verifyHlsKeyToken } from '../playback/hls-key-token.js';
import { verifyMediaToken } from '../playback/media-token.js';
import { PlaybackError } from '../playback/playback-error.js';
import type { PlaybackService } from '../playback/playback-service.js';
import type { StreamLimitClaim } from '../playback/stream-limits.js';
import type { InvalidationBus } from '../shared/invalidation-bus.js';
import type { EncryptScheme } from '../store/catalogue-schema.js';
import type { StreamStore } from '../store/stream-store.js';
import type { VideoStore } from '../store/video-store.js';
import type { DataKeyCache } from './data-key-cache.js';
import type { KeyDeliveryLog } from './key-delivery-log.js';
import { KeyExchangePool, type KeyWrapper } from './key-exchange-pool.js';
import { ServerKeyExchange } from './server-key-exchange.js';
import { TtlCache } from './ttl-cache.js';

export interface KeyServiceDeps {
  playback: PlaybackService;
  videos: VideoStore;
  streams: StreamStore;
  dataKeys: DataKeyCache;
  keyLog: KeyDeliveryLog;
  /** How long stream facts and period keys are reused (default 5 s). */
  cacheTtlMs?: number;
  /** Drops a video's cached facts and period keys when any node changes or deletes it. */
  invalidation: InvalidationBus;
  /**
   * Worker threads for the private key exchange's ECDH (key-exchange-pool.ts); 0 or unset = on
   * the event loop (`ServerKeyExchange`).
   */
  exchangeThreads?: number;
  /** A key exchange worker failed (never carries key material). */
  onExchangeError?: (error: Error) => void;
}

/** Who asks, as both front ends see it. */
export interface KeyRequester {
  clientIp: string;
  userAgent: string | undefined;
}

export interface HlsKeyRequest extends KeyRequester {
  videoId: string;
  streamId: string;
  /** The path segment as sent; checked here. */
  period: string;
  /** The SDK's session token (`MEDIA_TOKEN_PARAM`), if sent. */
  mediaToken: string | undefined;
  /** The `MtsHlsUriToken` a playlist carried, if sent. */
  hlsKeyToken: string | undefined;
}

export interface PrivateKeyRequest extends KeyRequester {
  videoId: string;
  streamId: string;
  period: string;
  token: string | undefined;
  publicKey: string | undefined;
}

interface StreamFacts {
  videoId: string;
  playable: boolean;
  scheme: EncryptScheme;
  customerKey: boolean;
  periods: number;
  dataKeyCiphertext: string | null;
}

type Scheme = 'aes-128' | 'aes-256-gcm';

export class KeyService {
  private readonly secrets: Uint8Array[];
  private readonly facts: TtlCache<StreamFacts | undefined>;
  private readonly periodKeys: TtlCache<Uint8Array>;
  private readonly exchange: KeyWrapper;
  /** Streams whose facts are cached, by video, so an invalidation finds them. */
  private readonly streamsOfVideo = new Map<string, Set<string>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: KeyServiceDeps) {
    this.secrets = deps.playback.secrets as Uint8Array[];
    const threads = deps.exchangeThreads ?? 0;
    this.exchange =
      threads > 0
        ? new KeyExchangePool({ threads, rotateAfterMs: 10_000, onError: deps.onExchangeError })
        : new ServerKeyExchange({ rotateAfterMs: 10_000 });
    const ttlMs = deps.cacheTtlMs ?? 5000;
    this.facts = new TtlCache({ maxEntries: 10_000, ttlMs });
    this.periodKeys = new TtlCache({ maxEntries: 20_000, ttlMs });
    this.unsubscribe = deps.invalidation.subscribe((event) => {
      if (event.kind === 'all') return this.clear();
      if (event.kind !== 'video') return;
      for (const streamId of this.streamsOfVideo.get(event.videoId) ?? []) {
        this.facts.deleteWhere((key) => key === streamId);
        this.periodKeys.deleteWhere((key) => key.startsWith(`${streamId}\n`));
      }
      this.streamsOfVideo.delete(event.videoId);
    });
  }

  /** The 16-byte AES-128 key of a standard-encryption period; audited. Do not modify the result. */
  async hlsKey(req: HlsKeyRequest): Promise<Uint8Array> {
    const period = Number(req.period);
    const { claims, credential } = this.hlsCredential(req, period);
    if (claims.sl) await this.renewLease(claims.sl, claims.exp);
    const key = await this.periodKey(req.videoId, req.streamId, period, 'aes-128');
    this.audit(req, req.videoId, req.streamId, period, 'aes-128', credential);
    return key;
  }

  /**
   * `hlsKey` without waiting, for the fast path: the key when everything it needs is at hand —
   * the token, cached stream facts and period key, no stream-limit lease to renew (that is I/O in
   * cluster mode). `undefined` when something is not: then call `hlsKey`. Refuses (throws) exactly
   * as `hlsKey` does.
   */
  hlsKeyNow(req: HlsKeyRequest): Uint8Array | undefined {
    const period = Number(req.period);
    const { claims, credential } = this.hlsCredential(req, period);
    if (claims.sl) return undefined;
    const found = this.facts.peek(req.streamId);
    if (found === undefined) return undefined;
    checkPeriod(found.value, req.videoId, period, 'aes-128');
    const key = this.periodKeys.peek(periodKeyId(req.streamId, period, 'aes-128'));
    if (key === undefined) return undefined;
    this.audit(req, req.videoId, req.streamId, period, 'aes-128', credential);
    return key.value;
  }

  /** Checks the request's credential. The SDK's session token (kept fresh by /play/refresh) wins over the MtsHlsUriToken a playlist carried, which keeps its original expiry. */
  private hlsCredential(
    req: HlsKeyRequest,
    period: number,
  ): { claims: { sl?: StreamLimitClaim; exp: number }; credential: string } {
    const now = this.deps.playback.nowSeconds();
    if (req.mediaToken) {
      const claims = verifyMediaToken(this.secrets, req.mediaToken, {
        now,
        videoId: req.videoId,
        clientIp: req.clientIp,
      });
      return { claims, credential: 'media-token' };
    }
    if (req.hlsKeyToken) {
      const claims = verifyHlsKeyToken(this.secrets, req.hlsKeyToken, {
        now,
        videoId: req.videoId,
        rendition: req.streamId,
        period,
        clientIp: req.clientIp,
      });
      return { claims, credential: HLS_KEY_TOKEN_PARAM };
    }
    throw new PlaybackError('HlsKeyTokenMissing');
  }

  /** The period key of a private stream, wrapped to the client's ECDH public key; audited. */
  async privateKey(req: PrivateKeyRequest) {
    const period = Number(req.period);
    const claims = verifyMediaToken(this.secrets, req.token, {
      now: this.deps.playback.nowSeconds(),
      videoId: req.videoId,
      clientIp: req.clientIp,
    });
    if (claims.sl) await this.renewLease(claims.sl, claims.exp);
    if (!req.publicKey) throw new PlaybackError('InvalidPublicKey');
    const key = await this.periodKey(req.videoId, req.streamId, period, 'aes-256-gcm');
    let wrapped;
    try {
      wrapped = await this.exchange.wrap(req.publicKey, key, {
        videoId: req.videoId,
        rendition: req.streamId,
        period,
      });
    } catch (error) {
      if (error instanceof KeyExchangeError) throw new PlaybackError('InvalidPublicKey', { cause: error });
      throw error;
    }
    this.audit(req, req.videoId, req.streamId, period, 'aes-256-gcm', 'media-token');
    return wrapped;
  }

  private renewLease(claim: StreamLimitClaim, expiresAt: number): Promise<void> {
    return this.deps.playback.streamLimits?.renew(claim, expiresAt) ?? Promise.resolve();
  }

  /** Stops the invalidation feed and the key exchange workers (in-flight exchanges still finish). */
  async close(): Promise<void> {
    this.unsubscribe();
    this.clear();
    await this.exchange.close();
  }

  private clear(): void {
    this.facts.clear();
    this.periodKeys.clear();
    this.streamsOfVideo.clear();
  }

  private streamFacts(streamId: string) {
    return this.facts.get(streamId, async () => {
      const stream = await this.deps.streams.find(streamId);
      if (!stream) return undefined;
      let known = this.streamsOfVideo.get(stream.videoId);
      if (!known) this.streamsOfVideo.set(stream.videoId, (known = new Set()));
      known.add(streamId);
      const video = await this.deps.videos.find(stream.videoId);
      return {
        videoId: stream.videoId,
        playable: video?.status === 'Normal',
        scheme: stream.encryptScheme,
        customerKey: stream.customerKeyCiphertext !== null,
        periods: keyPeriodForSegment(stream.segmentCount - 1, stream.keyRotationSegments) + 1,
        dataKeyCiphertext: video?.dataKeyCiphertext ?? null,
      };
    });
  }

  /** The period key, after checking the request names a real period of a playable stream. */
  private async periodKey(videoId: string, streamId: string, period: number, scheme: Scheme) {
    const found = await this.streamFacts(streamId);
    checkPeriod(found, videoId, period, scheme);
    const wrapped = found.dataKeyCiphertext;
    return this.periodKeys.get(periodKeyId(streamId, period, scheme), async () => {
      const dataKey = await this.deps.dataKeys.get(videoId, wrapped);
      return deriveSegmentKey(dataKey, { videoId, rendition: streamId, period, scheme });
    });
  }

  private audit(
    who: KeyRequester,
    videoId: string,
    streamId: string,
    period: number,
    scheme: Scheme,
    credential: string,
  ): void {
    this.deps.keyLog.record({
      videoId,
      streamId,
      period,
      scheme,
      clientIp: who.clientIp,
      credential,
      viewerId: null,
      userAgent: who.userAgent ?? null,
    });
  }
}

const periodKeyId = (streamId: string, period: number, scheme: Scheme) => `${streamId}\n${period}\n${scheme}`;

/** That the request names a real period of a playable stream of this video, with this scheme. */
function checkPeriod(
  found: StreamFacts | undefined,
  videoId: string,
  period: number,
  scheme: Scheme,
): asserts found is StreamFacts & { dataKeyCiphertext: string } {
  if (!found || found.videoId !== videoId) throw new PlaybackError('KeyNotFound');
  if (!found.playable) throw new PlaybackError('VideoNotPlayable');
  if (found.scheme !== scheme || found.customerKey || !found.dataKeyCiphertext)
    throw new PlaybackError('KeyNotFound');
  if (!Number.isInteger(period) || period < 0 || period >= found.periods)
    throw new PlaybackError('KeyNotFound');
}
