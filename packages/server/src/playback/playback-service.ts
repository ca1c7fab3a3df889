/**
 * Playback as the API and the player see it: issuing PlayAuths, and building PlayInfo lists
 * whose URLs carry a media token (and `auth_key` when URL signing is on) — shared by the RPC
 * action GetPlayInfo and the player-facing `/play/info`.
 */
import { createHmac } from 'node:crypto';
import { catalogueErrors } from '../catalogue/catalogue-errors.js';
import { wireTime } from '../catalogue/template-group-service.js';

import type { StreamRecord, StreamStore } from '../store/stream-store.js';
import type { VideoRecord, VideoStore } from '../store/video-store.js';
import { HLS_KEY_TOKEN_PARAM } from './hls-key-token.js';
import { MEDIA_TOKEN_PARAM } from './media-access.js';
import { issueMediaToken } from './media-token.js';
import { issuePlayAuth } from './play-auth.js';
import { AUTH_KEY_PARAM, signPath } from './url-signing.js';
import type { TraceSessions } from '../trace/trace-sessions.js';

export interface UrlSigning {
  privateKeys: string[];
  validitySeconds: number;
}

export interface PlayInfoOptions {
  /** Unix seconds. */
  expiresAt: number;
  clientIp?: string;
  /** The application's own MtsHlsUriToken (PlayConfig), passed through to foreign key URIs. */
  hlsKeyToken?: string;
  definitions?: string[];
  /** Include private (AliyunVoDEncryption) streams. */
  includePrivate: boolean;
  /** Only streams of this encryption type (PlayConfig.EncryptType). */
  encryptType?: 'Unencrypted' | 'AliyunVoDEncryption' | 'HLSEncryption';
  /** Multiple: every stream; Single: the latest per definition. */
  resultType: 'Single' | 'Multiple';
  /** Leak tracing: the session's trace ID, carried by the media token (docs/tracing.md). */
  traceId?: string;
}

export class PlaybackService {
  constructor(
    private readonly deps: {
      videos: VideoStore;
      streams: StreamStore;
      secrets: readonly Uint8Array[];
      publicUrl: () => string;
      urlSigning?: UrlSigning;
      now?: () => number;
      /** The media path of the video's latest WebVTT thumbnail track (snapshot jobs), if any. */
      thumbnailTrack?: (videoId: string) => Promise<string | undefined>;
      /** Leak tracing: issues and records sessions of traced videos (docs/tracing.md). */
      traceSessions?: TraceSessions;
    },
  ) {
    // The internal keys that sign traced segment paths when URL signing is off (media-access.ts):
    // derived from the playback secrets, so they rotate with them and never need storing.
    this.tracedSegmentKeys = deps.secrets.map((secret) =>
      createHmac('sha256', secret).update('securevod-traced-segment-url/v1').digest('hex').slice(0, 32),
    );
  }

  /** Newest first; see media-access.ts, "Leak tracing". */
  readonly tracedSegmentKeys: readonly string[];

  get traceSessions(): TraceSessions | undefined {
    return this.deps.traceSessions;
  }

  nowSeconds(): number {
    return Math.floor((this.deps.now?.() ?? Date.now()) / 1000);
  }

  get secrets(): readonly Uint8Array[] {
    return this.deps.secrets;
  }

  get urlSigning(): UrlSigning | undefined {
    return this.deps.urlSigning;
  }

  async playableVideo(videoId: string, status403 = true): Promise<VideoRecord> {
    const video = await this.deps.videos.find(videoId);
    if (!video) throw catalogueErrors.videoNotFound();
    if (video.status !== 'Normal') throw catalogueErrors.illegalStatus(video.status, status403 ? 403 : 400);
    return video;
  }

  issuePlayAuth(videoId: string, ttlSeconds: number, clientIp?: string, traceId?: string): string {
    return issuePlayAuth(this.deps.secrets as Uint8Array[], {
      videoId,
      ttlSeconds,
      now: this.nowSeconds(),
      ...(clientIp ? { clientIp } : {}),
      ...(traceId ? { traceId } : {}),
    });
  }

  issueMediaToken(videoId: string, expiresAt: number, clientIp?: string, traceId?: string): string {
    return issueMediaToken(this.deps.secrets as Uint8Array[], {
      videoId,
      expiresAt,
      ...(clientIp ? { clientIp } : {}),
      ...(traceId ? { traceId } : {}),
    });
  }

  /** Absolute URL of an object under the video's media path, authorised until `expiresAt`. */
  mediaUrl(videoId: string, object: string, token: string, expiresAt: number, hlsKeyToken?: string): string {
    const path = `/media/${videoId}/${object}`;
    const query = this.signedQuery(path, expiresAt);
    query.set(MEDIA_TOKEN_PARAM, token);
    if (hlsKeyToken) query.set(HLS_KEY_TOKEN_PARAM, hlsKeyToken);
    return `${this.deps.publicUrl()}${path}?${query.toString()}`;
  }

  /** The query of a URL for `path`: its type-A `auth_key` when URL signing is on, else empty. */
  private signedQuery(path: string, expiresAt: number): URLSearchParams {
    const query = new URLSearchParams();
    const signing = this.deps.urlSigning;
    if (signing && signing.privateKeys[0]) {
      query.set(
        AUTH_KEY_PARAM,
        signPath(path, {
          privateKey: signing.privateKeys[0],
          expiresAt,
          validitySeconds: signing.validitySeconds,
        }),
      );
    }
    return query;
  }

  /**
   * An image or snapshot path of ours (`/images/<ImageId>/<file>`, `/media/<VideoId>/<object>`)
   * as an absolute URL authorised until `expiresAt`: a media token for that id (an image's token
   * names the ImageId, so it opens nothing of any video) and `auth_key` when URL signing is on.
   */
  assetUrl(path: string, expiresAt: number): string {
    const match = /^\/(images|media)\/([A-Za-z0-9_-]{1,128})\/(.+)$/.exec(path);
    if (!match) throw new Error(`${path} is not an image or media path`);
    if (match[1] === 'media') {
      return this.mediaUrl(match[2]!, match[3]!, this.issueMediaToken(match[2]!, expiresAt), expiresAt);
    }
    const query = this.signedQuery(path, expiresAt);
    query.set(MEDIA_TOKEN_PARAM, this.issueMediaToken(match[2]!, expiresAt));
    return `${this.deps.publicUrl()}${path}?${query.toString()}`;
  }

  /**
   * A video's CoverURL as clients get it: a cover of ours (stored as a path, see `ownAssetPath`)
   * becomes a URL authorised for `ttlSeconds` (default an hour); any other URL is returned as
   * stored, since the vendor stores CoverURL as a free-form string.
   */
  coverUrl(stored: string | null, ttlSeconds = 3600): string {
    if (!stored) return '';
    if (!stored.startsWith('/')) return stored;
    return this.assetUrl(stored, this.nowSeconds() + ttlSeconds);
  }

  /**
   * The path to store for a CoverURL the caller sent: our own image or snapshot URL (e.g. the
   * ImageURL of CreateUploadImage, possibly with an expired signature) is kept as its path, so it
   * is signed afresh whenever it is read; anything else is kept as given.
   */
  ownAssetPath(url: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return url;
    }
    const own = new URL(this.deps.publicUrl());
    if (parsed.origin !== own.origin) return url;
    return /^\/(images|media)\/[A-Za-z0-9_-]{1,128}\/./.test(parsed.pathname) ? parsed.pathname : url;
  }

  /** Streams to offer, after the API's filters; throws the API's errors when none remain. */
  async selectStreams(video: VideoRecord, opts: PlayInfoOptions): Promise<StreamRecord[]> {
    let streams = (await this.deps.streams.listForVideo(video.videoId)).filter(
      (s) => opts.resultType === 'Multiple' || s.status === 'Normal',
    );
    if (opts.definitions?.length) streams = streams.filter((s) => opts.definitions!.includes(s.definition));
    if (opts.encryptType) {
      streams = streams.filter((s) => (s.encryptType ?? 'Unencrypted') === opts.encryptType);
    }
    if (streams.length === 0) {
      throw catalogueErrors.noneStream(
        `Formats: m3u8, Definition: ${opts.definitions?.join(',') || 'all'}, StreamType: video`,
      );
    }
    const visible = opts.includePrivate ? streams : streams.filter((s) => s.encryptScheme !== 'aes-256-gcm');
    if (visible.length === 0) {
      throw catalogueErrors.privateStreamOnly();
    }
    return visible;
  }

  playInfoList(
    video: VideoRecord,
    streams: StreamRecord[],
    opts: PlayInfoOptions,
  ): Record<string, unknown>[] {
    const token = this.issueMediaToken(video.videoId, opts.expiresAt, opts.clientIp, opts.traceId);
    return streams.map((s) => ({
      PlayURL: this.mediaUrl(
        video.videoId,
        mediaObject(video.videoId, s.playlistKey),
        token,
        opts.expiresAt,
        opts.hlsKeyToken,
      ),
      Format: s.format,
      Definition: s.definition,
      Bitrate: s.bitrateKbps.toFixed(4),
      Duration: String(s.duration),
      Size: s.size,
      Width: s.width,
      Height: s.height,
      Fps: String(s.fps),
      Encrypt: s.encryptScheme === 'none' ? 0 : 1,
      ...(s.encryptType ? { EncryptType: s.encryptType } : {}),
      Status: s.status,
      StreamType: 'video',
      JobId: s.streamId,
      StreamId: s.streamId,
      Specification: `H264.${s.definition}`,
      NarrowBandType: '0',
      CodecName: 'H264',
      BitDepth: 8,
      HDRType: '',
      CreationTime: wireTime(s.creationTime),
      ModificationTime: wireTime(s.creationTime),
    }));
  }

  /**
   * `ThumbnailList` of GetPlayInfo's VideoBase and /play/info's VideoMeta: the video's WebVTT
   * thumbnail track (a sprite's `WebVttSnapshot`), authorised until `expiresAt`; undefined
   * without one. The vendor's GetVideoInfos sample shows the same `ThumbnailList[{URL}]`.
   */
  async thumbnailList(
    videoId: string,
    expiresAt: number,
  ): Promise<{ Thumbnail: { URL: string }[] } | undefined> {
    const path = await this.deps.thumbnailTrack?.(videoId);
    return path ? { Thumbnail: [{ URL: this.assetUrl(path, expiresAt) }] } : undefined;
  }

  videoBase(video: VideoRecord): Record<string, unknown> {
    return {
      VideoId: video.videoId,
      Title: video.title,
      CoverURL: this.coverUrl(video.coverUrl),
      CreationTime: wireTime(video.creationTime),
      Duration: String(video.duration ?? 0),
      MediaType: 'video',
      Status: video.status,
      StorageClass: 'Standard',
    };
  }
}

/** Storage key `videos/<vid>/<object>` → media object path `<object>`. */
export function mediaObject(videoId: string, storageKey: string): string {
  const prefix = `videos/${videoId}/`;
  if (!storageKey.startsWith(prefix)) throw new Error(`storage key ${storageKey} is not under ${prefix}`);
  return storageKey.slice(prefix.length);
}
