/**
 * The upload half of the catalogue (DESIGN §3): CreateUploadVideo / RefreshUploadVideo issue
 * short-lived credentials for one object; the OSS-style endpoint calls `completeUpload` when the
 * object is whole, which moves the video to UploadSucc, announces FileUploadComplete and queues
 * transcoding (unless the group is "no transcoding").
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import type { Kms } from '../kms/kms.js';
import type { UploadCredentialStore } from '../store/upload-credential-store.js';
import type { VideoRecord, VideoStore } from '../store/video-store.js';

export const UPLOAD_BUCKET = 'securevod';
export const UPLOAD_CREDENTIAL_TTL_SECONDS = 3000;

export const VIDEO_EXTENSIONS = [
  '.mp4',
  '.mov',
  '.m4v',
  '.mkv',
  '.webm',
  '.avi',
  '.flv',
  '.ts',
  '.mts',
  '.m2ts',
  '.mpg',
  '.mpeg',
  '.wmv',
  '.3gp',
  '.ogv',
  '.mxf',
  '.f4v',
  '.rm',
  '.rmvb',
  '.vob',
  '.dv',
  '.asf',
  '.m3u8',
  '.mp3',
  '.wav',
  '.aac',
  '.m4a',
  '.flac',
  '.ogg',
] as const;

export function newVideoId(): string {
  return randomUUID().replaceAll('-', '');
}

/** The fields of a new video before its source is uploaded and probed (CreateUploadVideo, URL pulls). */
export const UPLOADING_VIDEO = {
  status: 'Uploading',
  statusReason: null,
  sourceSize: null,
  sourceEtag: null,
  duration: null,
  width: null,
  height: null,
  fps: null,
  bitrate: null,
  mezzanine: null,
  transcodeProgress: null,
  downloadSwitch: 'on',
  dataKeyCiphertext: null,
} as const;

export function sourceObjectKey(videoId: string, fileName: string): string {
  const ext = extname(fileName.replaceAll('\\', '/')).toLowerCase();
  return `sources/${videoId}/source${ext}`;
}

/** The video id a source object key belongs to, or undefined for any other key. */
export function videoIdOfSourceKey(objectKey: string): string | undefined {
  return /^sources\/([0-9a-f]{32})\/source(\.[a-z0-9]+)?$/.exec(objectKey)?.[1];
}

const credentialContext = (accessKeyId: string) => ({ purpose: 'upload-credential', accessKeyId });

export interface UploadCredentials {
  /** Base64 JSON {Endpoint, Bucket, FileName}. */
  uploadAddress: string;
  /** Base64 JSON {AccessKeyId, AccessKeySecret, SecurityToken, Expiration, ExpireUTCTime, Region}. */
  uploadAuth: string;
}

export class UploadService {
  constructor(
    private readonly deps: {
      videos: VideoStore;
      credentials: UploadCredentialStore;
      kms: Kms;
      publicUrl: () => string;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * A new credential for one object: a video's source (CreateUploadVideo / RefreshUploadVideo
   * return a fresh one) or an image's file (CreateUploadImage passes the ImageId and its key).
   */
  async issueCredentials(video: Pick<VideoRecord, 'videoId' | 'sourceKey'>): Promise<UploadCredentials> {
    const accessKeyId = `STS.${randomBytes(18).toString('base64url')}`;
    const accessKeySecret = randomBytes(24).toString('base64url');
    const securityToken = randomBytes(48).toString('base64url');
    const created = this.now();
    const expires = new Date(created.getTime() + UPLOAD_CREDENTIAL_TTL_SECONDS * 1000);
    const wrapped = await this.deps.kms.encrypt(
      new TextEncoder().encode(JSON.stringify({ accessKeySecret, securityToken })),
      credentialContext(accessKeyId),
    );
    await this.deps.credentials.insert({
      accessKeyId,
      videoId: video.videoId,
      secretCiphertext: wrapped.ciphertextBlob,
      securityTokenSha256: createHash('sha256').update(securityToken).digest('hex'),
      bucket: UPLOAD_BUCKET,
      objectKey: video.sourceKey,
      expiresAt: expires.toISOString(),
      createdAt: created.toISOString(),
    });
    const expiration = expires.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
    return {
      uploadAddress: encode({
        Endpoint: this.deps.publicUrl(),
        Bucket: UPLOAD_BUCKET,
        FileName: video.sourceKey,
      }),
      uploadAuth: encode({
        AccessKeyId: accessKeyId,
        AccessKeySecret: accessKeySecret,
        SecurityToken: securityToken,
        Expiration: expiration,
        ExpireUTCTime: expiration,
        Region: 'local',
      }),
    };
  }

  /**
   * Upload credentials are single-purpose (issue 11 item 8): once the source object is complete,
   * every credential issued for it is spent, so nothing can overwrite a video's source behind its
   * back. Replacing the source takes a fresh credential from RefreshUploadVideo, as the vendor
   * documents (reference §2.5).
   */
  async retireCredentials(objectKey: string): Promise<void> {
    const videoId = videoIdOfSourceKey(objectKey);
    if (videoId) await this.deps.credentials.deleteForVideo(videoId);
  }

  /** For the OSS-style endpoint: the credential behind a temporary AccessKeyId. */
  async findCredential(accessKeyId: string) {
    const record = await this.deps.credentials.find(accessKeyId);
    if (!record) return undefined;
    const { plaintext } = await this.deps.kms.decrypt(
      record.secretCiphertext,
      credentialContext(accessKeyId),
    );
    const { accessKeySecret, securityToken } = JSON.parse(new TextDecoder().decode(plaintext)) as {
      accessKeySecret: string;
      securityToken: string;
    };
    return {
      accessKeySecret,
      securityToken,
      bucket: record.bucket,
      objectKey: record.objectKey,
      expiresAt: new Date(record.expiresAt),
    };
  }
}
