/** Wire forms of videos (reference §2.6, §2.7, §2.14): field names, types and list wrapping. */
import type { EncryptScheme } from '../store/catalogue-schema.js';
import type { VideoRecord } from '../store/video-store.js';
import type { MezzanineSummary } from './mezzanine-summary.js';
import { wireTime } from './template-group-service.js';

/**
 * Our extension: how a video's published renditions are encrypted, in the vendor's EncryptType
 * vocabulary (GetPlayInfo `EncryptType`, `PlayConfig.EncryptType`), strongest first.
 */
export const VIDEO_ENCRYPT_TYPES = ['AliyunVoDEncryption', 'HLSEncryption', 'Unencrypted'] as const;
export type VideoEncryptType = (typeof VIDEO_ENCRYPT_TYPES)[number];

export const ENCRYPT_SCHEME_OF_TYPE: Readonly<Record<VideoEncryptType, EncryptScheme>> = {
  AliyunVoDEncryption: 'aes-256-gcm',
  HLSEncryption: 'aes-128',
  Unencrypted: 'none',
};

/** `EncryptTypes`: the comma-separated types of the published renditions; undefined without any. */
export function encryptTypesToWire(schemes: readonly EncryptScheme[] | undefined): string | undefined {
  if (!schemes || schemes.length === 0) return undefined;
  return VIDEO_ENCRYPT_TYPES.filter((type) => schemes.includes(ENCRYPT_SCHEME_OF_TYPE[type])).join(',');
}

/**
 * `schemes`: of the video's published streams (`StreamStore.schemesByVideo`); `coverUrl`: how a
 * stored CoverURL reads on the wire (`PlaybackService.coverUrl` signs our own covers).
 */
export function videoToWire(
  v: VideoRecord,
  schemes?: readonly EncryptScheme[],
  coverUrl: (stored: string | null) => string = (stored) => stored ?? '',
): Record<string, unknown> {
  return {
    VideoId: v.videoId,
    Title: v.title,
    Description: v.description ?? '',
    Duration: v.duration ?? 0,
    CoverURL: coverUrl(v.coverUrl),
    Status: v.status,
    CreationTime: wireTime(v.creationTime),
    ModificationTime: wireTime(v.modificationTime),
    Size: v.sourceSize ?? v.fileSize ?? 0,
    Snapshots: { Snapshot: [] },
    CateId: v.cateId ?? undefined,
    CateName: v.cateId !== null ? (v.cateName ?? '') : undefined,
    Tags: v.tags ?? '',
    TemplateGroupId: v.templateGroupId,
    StorageLocation: v.storageLocation,
    RegionId: 'local',
    AppId: v.appId,
    AuditStatus: 'Normal',
    DownloadSwitch: v.downloadSwitch,
    StorageClass: 'Standard',
    UserData: v.userData ?? undefined,
    // Our extension: why a video is in TranscodeFail, in words a person can act on.
    StatusReason: v.statusReason ?? undefined,
    // Our extension: percent done while Transcoding.
    TranscodeProgress: v.status === 'Transcoding' ? (v.transcodeProgress ?? 0) : undefined,
    // Our extension: e.g. "AliyunVoDEncryption,HLSEncryption"; absent until renditions are published.
    EncryptTypes: encryptTypesToWire(schemes),
  };
}

export function mezzanineToWire(
  v: VideoRecord,
  fileUrl: string,
  additionTypes: readonly string[],
): Record<string, unknown> {
  const summary = v.mezzanine ? (JSON.parse(v.mezzanine) as MezzanineSummary) : {};
  const str = (value: unknown) => (value === undefined || value === null ? '' : String(value));
  const mezzanine: Record<string, unknown> = {
    VideoId: v.videoId,
    FileName: v.fileName,
    FileURL: fileUrl,
    Size: v.sourceSize ?? 0,
    Status: v.mezzanineDeletedAt ? 'Deleted' : v.status === 'Uploading' ? 'Uploading' : 'Normal',
    CreationTime: wireTime(v.creationTime),
    Duration: str(v.duration),
    Bitrate: str(v.bitrate),
    Fps: str(v.fps),
    Width: v.width ?? 0,
    Height: v.height ?? 0,
    OutputType: 'oss',
    PreprocessStatus: 'UnPreprocess',
    StorageClass: 'Standard',
  };
  if (additionTypes.includes('video') && summary.video) {
    mezzanine.VideoStreamList = [
      Object.fromEntries(Object.entries(summary.video).map(([k, val]) => [k, str(val)])),
    ];
  }
  if (additionTypes.includes('audio') && summary.audio) {
    mezzanine.AudioStreamList = [
      Object.fromEntries(Object.entries(summary.audio).map(([k, val]) => [k, str(val)])),
    ];
  }
  return mezzanine;
}
