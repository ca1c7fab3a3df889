/**
 * Playback actions (reference §2.2, §2.3): GetVideoPlayAuth and GetPlayInfo, plus our
 * operator extension ListKeyDeliveries (the key-delivery audit log).
 */
import { apiErrors } from '../errors/api-error.js';
import type { KeyDeliveryLog } from '../keys/key-delivery-log.js';
import {
  PLAY_AUTH_DEFAULT_TTL_SECONDS,
  PLAY_AUTH_MAX_TTL_SECONDS,
  PLAY_AUTH_MIN_TTL_SECONDS,
} from '../playback/play-auth.js';
import type { PlaybackService } from '../playback/playback-service.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';
import type { RpcParams } from '../rpc/rpc-params.js';
import { isValidTraceId } from '../trace/trace-code.js';
import { TraceSessions } from '../trace/trace-sessions.js';

/** `Trace` (GetPlayInfo; GetVideoPlayAuth as our extension): ≤ 1024 letters and digits. */
function traceParam(params: RpcParams): string | undefined {
  const trace = params.optional('Trace');
  if (trace !== undefined && !isValidTraceId(trace)) {
    throw apiErrors.invalidParameter('Trace', 'It must be 1 to 1024 letters and digits.');
  }
  return trace;
}

const DEFINITIONS = ['FD', 'LD', 'SD', 'HD', 'FHD', 'OD', '2K', '4K', 'SQ', 'HQ', 'AUTO'];
const ENCRYPT_TYPES = ['Unencrypted', 'AliyunVoDEncryption', 'HLSEncryption'] as const;
/** URL validity when AuthTimeout is absent (our choice: the console's 30-minute default). */
export const DEFAULT_AUTH_TIMEOUT_SECONDS = 1800;

interface PlayConfig {
  MtsHlsUriToken?: string;
  EncryptType?: string;
}

export function playbackActions(deps: {
  playback: PlaybackService;
  keyLog: KeyDeliveryLog;
}): Record<string, ActionHandler> {
  const { playback } = deps;
  return {
    GetVideoPlayAuth: async ({ params }) => {
      const ttl = params.integer('AuthInfoTimeout', {
        min: PLAY_AUTH_MIN_TTL_SECONDS,
        max: PLAY_AUTH_MAX_TTL_SECONDS,
        fallback: PLAY_AUTH_DEFAULT_TTL_SECONDS,
      })!;
      const trace = traceParam(params);
      const video = await playback.playableVideo(params.required('VideoId'));
      return {
        PlayAuth: playback.issuePlayAuth(video.videoId, ttl, undefined, trace),
        VideoMeta: {
          VideoId: video.videoId,
          Title: video.title,
          Duration: video.duration ?? 0,
          CoverURL: playback.coverUrl(video.coverUrl),
          Status: video.status,
        },
      };
    },

    GetPlayInfo: async ({ params, caller, clientIp }) => {
      // Leak tracing: `Trace` names the session's code word when DigitalWatermarkType=TraceMark.
      const watermarkType = params.oneOf('DigitalWatermarkType', ['TraceMark'] as const);
      const trace = traceParam(params);
      if (trace !== undefined && watermarkType !== 'TraceMark') {
        throw apiErrors.invalidParameter(
          'DigitalWatermarkType',
          'Trace needs DigitalWatermarkType=TraceMark.',
        );
      }
      const video = await playback.playableVideo(params.required('VideoId'));
      const formats = (params.optional('Formats') ?? 'm3u8').split(',').map((f) => f.trim());
      const authTimeout = params.integer('AuthTimeout', {
        min: 1,
        max: 2592000,
        fallback: DEFAULT_AUTH_TIMEOUT_SECONDS,
      })!;
      params.oneOf('OutputType', ['oss', 'cdn'] as const);
      const resultType = params.oneOf('ResultType', ['Single', 'Multiple'] as const, 'Single')!;
      const streamTypes = (params.optional('StreamType') ?? 'video').split(',').map((s) => s.trim());
      const definitionsRaw = params.optional('Definition');
      const definitions = definitionsRaw
        ?.split(',')
        .map((d) => d.trim())
        .filter(Boolean);
      for (const d of definitions ?? []) {
        if (!DEFINITIONS.includes(d))
          throw apiErrors.invalidParameter(
            'Definition',
            `"${d}" is not a definition (${DEFINITIONS.join(', ')}).`,
          );
      }
      const playConfig = params.json<PlayConfig>('PlayConfig') ?? {};
      if (typeof playConfig !== 'object' || playConfig === null) {
        throw apiErrors.invalidParameter('PlayConfig', 'It must be a JSON object.');
      }
      const encryptType = playConfig.EncryptType;
      if (encryptType !== undefined && !(ENCRYPT_TYPES as readonly string[]).includes(encryptType)) {
        throw apiErrors.invalidParameter(
          'PlayConfig',
          `PlayConfig.EncryptType must be one of ${ENCRYPT_TYPES.join(', ')}.`,
        );
      }
      const opts = {
        expiresAt: playback.nowSeconds() + authTimeout,
        hlsKeyToken: typeof playConfig.MtsHlsUriToken === 'string' ? playConfig.MtsHlsUriToken : undefined,
        definitions: definitions?.filter((d) => d !== 'AUTO'),
        includePrivate: resultType === 'Multiple' || encryptType === 'AliyunVoDEncryption',
        encryptType: encryptType as (typeof ENCRYPT_TYPES)[number] | undefined,
        resultType,
      };
      if (!formats.includes('m3u8') || !streamTypes.includes('video')) {
        throw apiErrors.invalidParameter(
          formats.includes('m3u8') ? 'StreamType' : 'Formats',
          'This service produces HLS (m3u8) video streams only.',
        );
      }
      const streams = await playback.selectStreams(video, opts);
      // A traced video always gets a sequence: the customer's Trace, or this session's own ID.
      const traced = playback.traceSessions && TraceSessions.needed(streams);
      const session = traced
        ? await playback.traceSessions!.issue({
            videoId: video.videoId,
            kind: 'play',
            ...(trace !== undefined ? { traceId: trace, viewerId: trace } : {}),
            clientIp,
            accessKeyId: caller.accessKeyId,
          })
        : undefined;
      return {
        VideoBase: {
          ...playback.videoBase(video),
          ThumbnailList: await playback.thumbnailList(video.videoId, opts.expiresAt),
        },
        PlayInfoList: {
          PlayInfo: playback.playInfoList(video, streams, { ...opts, traceId: session?.traceId }),
        },
      };
    },

    ListKeyDeliveries: async ({ params }) => {
      const pageNo = params.integer('PageNo', { min: 1, max: 100000, fallback: 1 })!;
      const pageSize = params.integer('PageSize', { min: 1, max: 100, fallback: 20 })!;
      const time = (name: string) => {
        const ms = params.time(name);
        return ms === undefined ? undefined : new Date(ms).toISOString();
      };
      const { total, deliveries } = await deps.keyLog.query({
        videoId: params.optional('VideoId'),
        clientIp: params.optional('ClientIp'),
        startTime: time('StartTime'),
        endTime: time('EndTime'),
        offset: (pageNo - 1) * pageSize,
        limit: pageSize,
      });
      return {
        Total: total,
        KeyDeliveryList: {
          KeyDelivery: deliveries.map((d) => ({
            DeliveredAt: d.deliveredAt,
            VideoId: d.videoId,
            StreamId: d.streamId,
            Period: d.period,
            EncryptType: d.scheme === 'aes-128' ? 'HLSEncryption' : 'AliyunVoDEncryption',
            ClientIp: d.clientIp,
            Credential: d.credential,
            ViewerId: d.viewerId ?? undefined,
            UserAgent: d.userAgent ?? undefined,
          })),
        },
      };
    },
  };
}
