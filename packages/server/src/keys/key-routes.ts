/**
 * The key service (DESIGN §5):
 *   GET  /keys/hls/<vid>/<stream>/<period>       16-byte AES-128 key, for a session token (`token`)
 *                                                or an MtsHlsUriToken bound to video, stream and period
 *   POST /keys/private/<vid>/<stream>/<period>   the period key wrapped to the SDK's ECDH public key;
 *                                                the content key never crosses the wire in the clear
 * Hot path (BENCHMARKS.md): a token check, two cache lookups (stream facts, period key), the
 * response, and a buffered audit record — no database round trip or KMS call on a warm cache.
 */
import { KeyExchangeError, deriveSegmentKey, keyPeriodForSegment } from '@securevod/crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HLS_KEY_TOKEN_PARAM, verifyHlsKeyToken } from '../playback/hls-key-token.js';
import { MEDIA_TOKEN_PARAM } from '../playback/media-access.js';
import { verifyMediaToken } from '../playback/media-token.js';
import { PlaybackError } from '../playback/playback-error.js';
import type { PlaybackService } from '../playback/playback-service.js';
import type { InvalidationBus } from '../shared/invalidation-bus.js';
import { sendError, stringField } from '../playback/player-http.js';
import { newRequestId } from '../rpc/rpc-plugin.js';
import type { EncryptScheme } from '../store/catalogue-schema.js';
import type { StreamStore } from '../store/stream-store.js';
import type { VideoStore } from '../store/video-store.js';
import type { DataKeyCache } from './data-key-cache.js';
import type { KeyDeliveryLog } from './key-delivery-log.js';
import { TtlCache } from './ttl-cache.js';
import { ServerKeyExchange } from './server-key-exchange.js';

export interface KeyRoutesDeps {
  playback: PlaybackService;
  videos: VideoStore;
  streams: StreamStore;
  dataKeys: DataKeyCache;
  keyLog: KeyDeliveryLog;
  /** How long stream facts and period keys are reused (default 5 s). */
  cacheTtlMs?: number;
  /** Drops a video's cached facts and period keys when any node changes or deletes it. */
  invalidation: InvalidationBus;
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

export async function keyRoutes(app: FastifyInstance, deps: KeyRoutesDeps): Promise<void> {
  const { playback } = deps;
  const secrets = playback.secrets as Uint8Array[];
  const ttlMs = deps.cacheTtlMs ?? 5000;
  const facts = new TtlCache<StreamFacts | undefined>({ maxEntries: 10_000, ttlMs });
  const periodKeys = new TtlCache<Uint8Array>({ maxEntries: 20_000, ttlMs });
  const exchange = new ServerKeyExchange({ rotateAfterMs: 10_000 });
  /** Streams whose facts are cached, by video, so an invalidation finds them. */
  const streamsOfVideo = new Map<string, Set<string>>();
  const unsubscribe = deps.invalidation.subscribe((event) => {
    if (event.kind !== 'video' && event.kind !== 'all') return;
    const streamIds = event.kind === 'all' ? undefined : streamsOfVideo.get(event.videoId);
    if (event.kind === 'all') {
      facts.clear();
      periodKeys.clear();
      streamsOfVideo.clear();
      return;
    }
    for (const streamId of streamIds ?? []) {
      facts.deleteWhere((key) => key === streamId);
      periodKeys.deleteWhere((key) => key.startsWith(`${streamId}\n`));
    }
    streamsOfVideo.delete(event.videoId);
  });
  app.addHook('onClose', async () => {
    unsubscribe();
    facts.clear();
    periodKeys.clear();
    streamsOfVideo.clear();
  });

  const streamFacts = (streamId: string) =>
    facts.get(streamId, async () => {
      const stream = await deps.streams.find(streamId);
      if (!stream) return undefined;
      let known = streamsOfVideo.get(stream.videoId);
      if (!known) streamsOfVideo.set(stream.videoId, (known = new Set()));
      known.add(streamId);
      const video = await deps.videos.find(stream.videoId);
      return {
        videoId: stream.videoId,
        playable: video?.status === 'Normal',
        scheme: stream.encryptScheme,
        customerKey: stream.customerKeyCiphertext !== null,
        periods: keyPeriodForSegment(stream.segmentCount - 1, stream.keyRotationSegments) + 1,
        dataKeyCiphertext: video?.dataKeyCiphertext ?? null,
      };
    });

  /** The period key, after checking the request names a real period of a playable stream. */
  const periodKey = async (videoId: string, streamId: string, period: number, scheme: Scheme) => {
    const found = await streamFacts(streamId);
    if (!found || found.videoId !== videoId) throw new PlaybackError('KeyNotFound');
    if (!found.playable) throw new PlaybackError('VideoNotPlayable');
    if (found.scheme !== scheme || found.customerKey || !found.dataKeyCiphertext)
      throw new PlaybackError('KeyNotFound');
    if (!Number.isInteger(period) || period < 0 || period >= found.periods)
      throw new PlaybackError('KeyNotFound');
    const wrapped = found.dataKeyCiphertext;
    return periodKeys.get(`${streamId}\n${period}\n${scheme}`, async () => {
      const dataKey = await deps.dataKeys.get(videoId, wrapped);
      return deriveSegmentKey(dataKey, { videoId, rendition: streamId, period, scheme });
    });
  };

  const audit = (
    req: FastifyRequest,
    videoId: string,
    streamId: string,
    period: number,
    scheme: Scheme,
    credential: string,
  ) =>
    deps.keyLog.record({
      videoId,
      streamId,
      period,
      scheme,
      clientIp: req.ip,
      credential,
      viewerId: null,
      userAgent: req.headers['user-agent'] ?? null,
    });

  type KeyParams = { Params: { vid: string; stream: string; period: string } };

  app.get<KeyParams>('/keys/hls/:vid/:stream/:period', async (req, reply) => {
    try {
      const { vid, stream: streamId } = req.params;
      const period = Number(req.params.period);
      const query = req.query as Record<string, string | undefined>;
      const now = playback.nowSeconds();
      let credential: string;
      // The SDK's session token (kept fresh by /play/refresh) wins over the MtsHlsUriToken a
      // playlist carried, which keeps its original expiry.
      if (query[MEDIA_TOKEN_PARAM]) {
        verifyMediaToken(secrets, query[MEDIA_TOKEN_PARAM], { now, videoId: vid, clientIp: req.ip });
        credential = 'media-token';
      } else if (query[HLS_KEY_TOKEN_PARAM]) {
        verifyHlsKeyToken(secrets, query[HLS_KEY_TOKEN_PARAM], {
          now,
          videoId: vid,
          rendition: streamId,
          period,
          clientIp: req.ip,
        });
        credential = HLS_KEY_TOKEN_PARAM;
      } else {
        throw new PlaybackError('HlsKeyTokenMissing');
      }
      const key = await periodKey(vid, streamId, period, 'aes-128');
      void audit(req, vid, streamId, period, 'aes-128', credential);
      return reply
        .header('cache-control', 'no-store')
        .type('application/octet-stream')
        .send(Buffer.from(key));
    } catch (error) {
      return sendError(reply, req, error);
    }
  });

  app.post<KeyParams>('/keys/private/:vid/:stream/:period', async (req, reply) => {
    try {
      const { vid, stream: streamId } = req.params;
      const period = Number(req.params.period);
      const token =
        stringField(req.body, 'Token') ??
        (req.query as Record<string, string | undefined>)[MEDIA_TOKEN_PARAM];
      verifyMediaToken(secrets, token, { now: playback.nowSeconds(), videoId: vid, clientIp: req.ip });
      const publicKey = stringField(req.body, 'PublicKey');
      if (!publicKey) throw new PlaybackError('InvalidPublicKey');
      const key = await periodKey(vid, streamId, period, 'aes-256-gcm');
      let wrapped;
      try {
        wrapped = exchange.wrap(publicKey, key, { videoId: vid, rendition: streamId, period });
      } catch (error) {
        if (error instanceof KeyExchangeError) throw new PlaybackError('InvalidPublicKey', { cause: error });
        throw error;
      }
      void audit(req, vid, streamId, period, 'aes-256-gcm', 'media-token');
      return reply.header('cache-control', 'no-store').send({
        RequestId: newRequestId(),
        ServerPublicKey: wrapped.serverPublicKey,
        Iv: wrapped.iv,
        WrappedKey: wrapped.wrappedKey,
      });
    } catch (error) {
      return sendError(reply, req, error);
    }
  });
}
