/**
 * The player-facing HTTP endpoints (DESIGN §5), all authorised by tokens, never AccessKeys:
 *   POST /play/info      PlayAuth → session token + play info (the SDK's entry point)
 *   POST /play/refresh   a still-valid session token → a fresh one (long viewing never breaks)
 *   GET  /media/<vid>/…  playlists (rewritten so every URI inside carries its authorisation) and
 *                        segments (byte ranges, cacheable by path)
 * (The key service is keys/key-routes.ts.)
 * CORS is open (`*`, `http/cors-policy.ts`): credentials travel in tokens, never in cookies.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newRequestId } from '../rpc/rpc-plugin.js';
import { ObjectStoreError, readObject, type ObjectStore } from '../storage/object-store.js';
import type { StreamStore } from '../store/stream-store.js';
import type { VideoStore } from '../store/video-store.js';
import { HLS_KEY_TOKEN_PARAM, issueHlsKeyToken } from './hls-key-token.js';
import {
  authorizeMediaRequest,
  mediaCacheControl,
  MEDIA_TOKEN_PARAM,
  rewriteMediaPlaylist,
} from './media-access.js';
import { verifyMediaToken } from './media-token.js';
import { verifyPlayAuth } from './play-auth.js';
import { PlaybackError } from './playback-error.js';
import { sendError, stringField } from './player-http.js';
import { rewriteThumbnailTrack } from './thumbnail-track.js';
import { mediaObject, type PlaybackService } from './playback-service.js';
import { isTracedPlaylist, selectTraceVariants } from '../trace/traced-playlist.js';
import { TraceSessions } from '../trace/trace-sessions.js';

/** Lifetime of a player session token; the SDK refreshes it at ~80 %. */
export const SESSION_TTL_SECONDS = 600;

export interface PlayerRoutesDeps {
  playback: PlaybackService;
  videos: VideoStore;
  streams: StreamStore;
  objects: ObjectStore;
  roles: { media: boolean };
}

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  mp4: 'video/mp4',
  m4s: 'video/iso.segment',
  svs: 'application/octet-stream',
  jpg: 'image/jpeg',
  vtt: 'text/vtt; charset=utf-8',
};

export async function playerRoutes(app: FastifyInstance, deps: PlayerRoutesDeps): Promise<void> {
  const { playback } = deps;

  const sessionFor = (videoId: string, clientIp: string | undefined, traceId?: string) => {
    const expiresAt = playback.nowSeconds() + SESSION_TTL_SECONDS;
    return { expiresAt, token: playback.issueMediaToken(videoId, expiresAt, clientIp, traceId) };
  };

  app.post('/play/info', async (req, reply) => {
    try {
      const claims = verifyPlayAuth(playback.secrets as Uint8Array[], stringField(req.body, 'PlayAuth'), {
        now: playback.nowSeconds(),
        videoId: stringField(req.body, 'VideoId'),
        clientIp: req.ip,
      });
      const video = await playback.playableVideo(claims.vid);
      const opts = {
        expiresAt: playback.nowSeconds() + SESSION_TTL_SECONDS,
        clientIp: claims.ip,
        includePrivate: true,
        resultType: 'Single' as const,
      };
      const streams = await playback.selectStreams(video, opts);
      // Leak tracing: a traced video's session is recorded and its token carries the trace ID
      // (the PlayAuth's `Trace`, else the session's own ID).
      const traced =
        playback.traceSessions && TraceSessions.needed(streams)
          ? await playback.traceSessions.issue({
              videoId: video.videoId,
              kind: 'play',
              ...(claims.tr !== undefined ? { traceId: claims.tr } : {}),
              ...((claims.uid ?? claims.tr) ? { viewerId: claims.uid ?? claims.tr } : {}),
              clientIp: req.ip,
            })
          : undefined;
      const session = sessionFor(video.videoId, claims.ip, traced?.traceId);
      const token = session.token;
      return reply.send({
        RequestId: newRequestId(),
        VideoMeta: {
          VideoId: video.videoId,
          Title: video.title,
          Duration: video.duration ?? 0,
          CoverURL: playback.coverUrl(video.coverUrl),
          Status: video.status,
          ThumbnailList: await playback.thumbnailList(video.videoId, session.expiresAt),
        },
        Session: { Token: token, ExpiresAt: new Date(session.expiresAt * 1000).toISOString() },
        PlayInfoList: {
          PlayInfo: streams.map((s) => ({
            Definition: s.definition,
            Format: s.format,
            PlayURL: playback.mediaUrl(
              video.videoId,
              mediaObject(video.videoId, s.playlistKey),
              token,
              session.expiresAt,
            ),
            Encrypt: s.encryptScheme === 'none' ? 0 : 1,
            EncryptType: s.encryptType ?? undefined,
            Width: s.width,
            Height: s.height,
            Bitrate: s.bitrateKbps,
            Duration: s.duration,
            Size: s.size,
            StreamId: s.streamId,
          })),
        },
      });
    } catch (error) {
      return sendError(reply, req, error);
    }
  });

  app.post('/play/refresh', async (req, reply) => {
    try {
      const token = stringField(req.body, 'Token');
      const payload = token?.split('.')[1];
      // Any JSON may sit in a forged payload (`null`, an array, a number): only a string vid counts.
      const claimed: unknown = payload ? JSON.parse(Buffer.from(payload, 'base64url').toString()) : undefined;
      const vid =
        typeof claimed === 'object' && claimed !== null ? (claimed as { vid?: unknown }).vid : undefined;
      if (typeof vid !== 'string' || vid === '') throw new PlaybackError('MediaTokenInvalid');
      const claims = verifyMediaToken(playback.secrets as Uint8Array[], token, {
        now: playback.nowSeconds(),
        videoId: vid,
        clientIp: req.ip,
      });
      await playback.playableVideo(claims.vid);
      // The same session: the same trace ID, so the same A/B sequence.
      const session = sessionFor(claims.vid, claims.ip, claims.tr);
      return reply.send({
        RequestId: newRequestId(),
        Session: { Token: session.token, ExpiresAt: new Date(session.expiresAt * 1000).toISOString() },
      });
    } catch (error) {
      return sendError(
        reply,
        req,
        error instanceof SyntaxError ? new PlaybackError('MediaTokenInvalid') : error,
      );
    }
  });

  if (deps.roles.media) {
    app.get('/media/*', async (req, reply) => {
      try {
        const [path = ''] = req.url.split('?');
        const grant = authorizeMediaRequest(
          { path, query: req.query as Record<string, string>, clientIp: req.ip, now: playback.nowSeconds() },
          {
            secrets: playback.secrets as Uint8Array[],
            ...(playback.urlSigning ? { urlSigning: playback.urlSigning } : {}),
            tracedSegmentKeys: playback.tracedSegmentKeys,
          },
        );
        const key = `videos/${grant.videoId}/${grant.object}`;
        const ext = grant.object.split('.').pop() ?? '';
        reply.header('content-type', CONTENT_TYPES[ext] ?? 'application/octet-stream');
        reply.header('cache-control', mediaCacheControl(grant.object));
        if (ext === 'vtt') {
          // A sprite's thumbnail track names the sheets: each gets its own authorisation.
          const text = (await readObject(deps.objects, key)).toString('utf8');
          const signing = playback.urlSigning;
          return reply.send(
            rewriteThumbnailTrack(text, grant, {
              ...(signing?.privateKeys[0]
                ? {
                    urlSigning: {
                      privateKey: signing.privateKeys[0],
                      validitySeconds: signing.validitySeconds,
                    },
                  }
                : {}),
            }),
          );
        }
        if (ext === 'm3u8') {
          let text = (await readObject(deps.objects, key)).toString('utf8');
          if (isTracedPlaylist(text)) {
            // This session's A/B sequence (docs/tracing.md). A token without a trace ID was not
            // issued for playing a traced video (e.g. an image URL's): it gets no sequence.
            const traceId = grant.claims.tr;
            if (traceId === undefined || !playback.traceSessions)
              throw new PlaybackError('MediaTokenInvalid');
            text = selectTraceVariants(text, playback.traceSessions.variantOf(grant.videoId, traceId));
          }
          const rewritten = rewriteMediaPlaylist(text, grant, {
            tracedSegmentKey: playback.tracedSegmentKeys[0],
            ...(playback.urlSigning?.privateKeys[0]
              ? {
                  urlSigning: {
                    privateKey: playback.urlSigning.privateKeys[0],
                    validitySeconds: playback.urlSigning.validitySeconds,
                  },
                }
              : {}),
            signKeyUri: (keyPath) => {
              const hls = /^\/keys\/hls\/([^/]+)\/([^/]+)\/(\d+)$/.exec(keyPath);
              if (hls) {
                const keyToken = issueHlsKeyToken(playback.secrets as Uint8Array[], {
                  videoId: hls[1]!,
                  rendition: hls[2]!,
                  period: Number(hls[3]),
                  expiresAt: grant.claims.exp,
                  ...(grant.claims.ip ? { clientIp: grant.claims.ip } : {}),
                });
                return `${HLS_KEY_TOKEN_PARAM}=${encodeURIComponent(keyToken)}`;
              }
              return `${MEDIA_TOKEN_PARAM}=${encodeURIComponent(grant.token)}`;
            },
          });
          return reply.send(rewritten);
        }
        return await sendObject(deps.objects, key, req, reply);
      } catch (error) {
        if (error instanceof ObjectStoreError && error.code === 'NotFound')
          return sendError(reply, req, new PlaybackError('MediaNotFound'));
        return sendError(reply, req, error);
      }
    });
  }
}

/** Sends a stored object with ETag and single byte-range support (media and image routes). */
export async function sendObject(store: ObjectStore, key: string, req: FastifyRequest, reply: FastifyReply) {
  const head = await store.head(key);
  if (!head) throw new PlaybackError('MediaNotFound');
  const etag = `"${head.etag}"`;
  reply.header('etag', etag).header('accept-ranges', 'bytes');
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
  if (range && (range[1] || range[2])) {
    let start: number;
    let end: number;
    if (range[1] === '') {
      start = Math.max(0, head.size - Number(range[2]));
      end = head.size - 1;
    } else {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), head.size - 1) : head.size - 1;
    }
    if (start >= head.size || start > end) {
      return reply.code(416).header('content-range', `bytes */${head.size}`).send();
    }
    const object = await store.get(key, { range: { start, end } });
    return reply
      .code(206)
      .header('content-range', `bytes ${start}-${end}/${head.size}`)
      .header('content-length', String(object.contentLength))
      .send(object.body);
  }
  const object = await store.get(key);
  return reply.header('content-length', String(object.size)).send(object.body);
}
