/**
 * The key service (DESIGN §5):
 *   GET  /keys/hls/<vid>/<stream>/<period>       16-byte AES-128 key, for a session token (`token`)
 *                                                or an MtsHlsUriToken bound to video, stream and period
 *   POST /keys/private/<vid>/<stream>/<period>   the period key wrapped to the SDK's ECDH public key;
 *                                                the content key never crosses the wire in the clear
 * Data keys come from a bounded short-lived cache (KMS calls are the expensive part); every
 * delivery is written to the audit log.
 */
import { KeyExchangeError, deriveSegmentKey, keyPeriodForSegment, wrapKeyForClient } from '@securevod/crypto';
import type { FastifyInstance } from 'fastify';
import { HLS_KEY_TOKEN_PARAM, verifyHlsKeyToken } from '../playback/hls-key-token.js';
import { MEDIA_TOKEN_PARAM } from '../playback/media-access.js';
import { verifyMediaToken } from '../playback/media-token.js';
import { PlaybackError } from '../playback/playback-error.js';
import type { PlaybackService } from '../playback/playback-service.js';
import { sendError, stringField } from '../playback/player-http.js';
import { newRequestId } from '../rpc/rpc-plugin.js';
import type { StreamRecord, StreamStore } from '../store/stream-store.js';
import type { VideoStore } from '../store/video-store.js';
import type { DataKeyCache } from './data-key-cache.js';
import type { KeyDeliveryLog } from './key-delivery-log.js';

export interface KeyRoutesDeps {
  playback: PlaybackService;
  videos: VideoStore;
  streams: StreamStore;
  dataKeys: DataKeyCache;
  keyLog: KeyDeliveryLog;
}

function periodCount(stream: StreamRecord): number {
  return keyPeriodForSegment(stream.segmentCount - 1, stream.keyRotationSegments) + 1;
}

export async function keyRoutes(app: FastifyInstance, deps: KeyRoutesDeps): Promise<void> {
  const { playback } = deps;
  const findStream = async (
    videoId: string,
    streamId: string,
    period: number,
    scheme: StreamRecord['encryptScheme'],
  ) => {
    const video = await deps.videos.find(videoId);
    if (!video) throw new PlaybackError('VideoNotFound');
    if (video.status !== 'Normal') throw new PlaybackError('VideoNotPlayable');
    const stream = await deps.streams.find(streamId);
    if (
      !stream ||
      stream.videoId !== videoId ||
      stream.encryptScheme !== scheme ||
      stream.customerKeyCiphertext !== null
    ) {
      throw new PlaybackError('KeyNotFound');
    }
    if (
      !Number.isInteger(period) ||
      period < 0 ||
      period >= periodCount(stream) ||
      !video.dataKeyCiphertext
    ) {
      throw new PlaybackError('KeyNotFound');
    }
    return { video, stream, dataKeyCiphertext: video.dataKeyCiphertext };
  };

  app.get<{ Params: { vid: string; stream: string; period: string } }>(
    '/keys/hls/:vid/:stream/:period',
    async (req, reply) => {
      try {
        const { vid, stream: streamId } = req.params;
        const period = Number(req.params.period);
        const query = req.query as Record<string, string | undefined>;
        const now = playback.nowSeconds();
        let credential: string;
        // The SDK's session token (kept fresh by /play/refresh) wins over the MtsHlsUriToken a
        // playlist carried, which keeps its original expiry.
        if (query[MEDIA_TOKEN_PARAM]) {
          verifyMediaToken(playback.secrets as Uint8Array[], query[MEDIA_TOKEN_PARAM], {
            now,
            videoId: vid,
            clientIp: req.ip,
          });
          credential = 'media-token';
        } else if (query[HLS_KEY_TOKEN_PARAM]) {
          verifyHlsKeyToken(playback.secrets as Uint8Array[], query[HLS_KEY_TOKEN_PARAM], {
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
        const found = await findStream(vid, streamId, period, 'aes-128');
        const dataKey = await deps.dataKeys.get(vid, found.dataKeyCiphertext);
        const key = await deriveSegmentKey(dataKey, {
          videoId: vid,
          rendition: streamId,
          period,
          scheme: 'aes-128',
        });
        await deps.keyLog.record({
          videoId: vid,
          streamId,
          period,
          scheme: 'aes-128',
          clientIp: req.ip,
          credential,
          viewerId: null,
          userAgent: req.headers['user-agent'] ?? null,
        });
        return reply
          .header('cache-control', 'no-store')
          .type('application/octet-stream')
          .send(Buffer.from(key));
      } catch (error) {
        return sendError(reply, req, error);
      }
    },
  );

  app.post<{ Params: { vid: string; stream: string; period: string } }>(
    '/keys/private/:vid/:stream/:period',
    async (req, reply) => {
      try {
        const { vid, stream: streamId } = req.params;
        const period = Number(req.params.period);
        const token =
          stringField(req.body, 'Token') ??
          (req.query as Record<string, string | undefined>)[MEDIA_TOKEN_PARAM];
        verifyMediaToken(playback.secrets as Uint8Array[], token, {
          now: playback.nowSeconds(),
          videoId: vid,
          clientIp: req.ip,
        });
        const publicKey = stringField(req.body, 'PublicKey');
        if (!publicKey) throw new PlaybackError('InvalidPublicKey');
        const found = await findStream(vid, streamId, period, 'aes-256-gcm');
        const dataKey = await deps.dataKeys.get(vid, found.dataKeyCiphertext);
        const key = await deriveSegmentKey(dataKey, {
          videoId: vid,
          rendition: streamId,
          period,
          scheme: 'aes-256-gcm',
        });
        let wrapped;
        try {
          wrapped = await wrapKeyForClient({
            clientPublicKey: publicKey,
            key,
            context: { videoId: vid, rendition: streamId, period },
          });
        } catch (error) {
          if (error instanceof KeyExchangeError)
            throw new PlaybackError('InvalidPublicKey', { cause: error });
          throw error;
        } finally {
          key.fill(0);
        }
        await deps.keyLog.record({
          videoId: vid,
          streamId,
          period,
          scheme: 'aes-256-gcm',
          clientIp: req.ip,
          credential: 'media-token',
          viewerId: null,
          userAgent: req.headers['user-agent'] ?? null,
        });
        return reply.header('cache-control', 'no-store').send({
          RequestId: newRequestId(),
          ServerPublicKey: wrapped.serverPublicKey,
          Iv: wrapped.iv,
          WrappedKey: wrapped.wrappedKey,
        });
      } catch (error) {
        return sendError(reply, req, error);
      }
    },
  );
}
