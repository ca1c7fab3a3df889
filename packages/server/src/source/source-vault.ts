/**
 * Sources at rest (docs/formats.md "Encrypted source", docs/threat-model.md): every source is
 * stored encrypted under its video's own data key as it arrives — OSS PutObject and multipart
 * parts (through `uploadSealer`), URL pulls (`put`) — and every reader (the transcoder's loopback
 * endpoint, GetMezzanineInfo's FileURL, snapshots) goes through `open`, which decrypts any byte
 * range by reading only the chunks it needs.
 *
 * The video's data key is made on the first upload (or reused: the same key later protects its
 * HLS keys), wrapped by the KMS on the video row; the plaintext key lives only in memory.
 *
 * Sources stored before encryption (no "SVSC" magic) stay readable as they are: `open` serves them
 * clear and logs once per object that the source is still clear (docs/formats.md explains how to
 * re-encrypt them by uploading again).
 */
import { createHash } from 'node:crypto';
import type { Kms } from '../kms/kms.js';
import { readObject, type ObjectStore } from '../storage/object-store.js';
import type { VideoStore } from '../store/video-store.js';
import { videoIdOfSourceKey } from '../catalogue/upload-service.js';
import type { DataKeyCache } from '../keys/data-key-cache.js';
import { videoDataKeyContext } from '../transcode/transcode-job-handler.js';
import { measured, type PartRef, type UploadSealer } from '../upload/upload-sealer.js';
import { decryptSource, encryptSource, openEncryptedSource, type OpenedSource } from './source-cipher.js';
import {
  deriveSourceKey,
  isEncryptedSource,
  partBinding,
  sourceBinding,
  sourcePlaintextLength,
  SOURCE_DEFAULT_CHUNK_SIZE,
  SOURCE_FIXED_HEADER_LENGTH,
  SOURCE_MAX_HEADER_LENGTH,
} from './source-format.js';

/** The video fields `open` needs. */
export interface SourceOfVideo {
  readonly videoId: string;
  readonly sourceKey: string;
}

export interface OpenSource extends OpenedSource {
  /** False for a source stored before encryption at rest (served as stored). */
  readonly encrypted: boolean;
}

export class SourceNotFoundError extends Error {
  override readonly name = 'SourceNotFoundError';
}

export interface SourceVaultDeps {
  objects: ObjectStore;
  videos: Pick<VideoStore, 'find' | 'setDataKeyIfAbsent'>;
  kms: Kms;
  /** Unwrapped data keys for reads (many ranged reads of one source); KMS per read without it. */
  dataKeys?: Pick<DataKeyCache, 'get'>;
  log?: { warn(obj: object, msg: string): void };
}

export class SourceVault {
  private readonly warnedClear = new Set<string>();
  readonly uploadSealer: UploadSealer;

  constructor(private readonly deps: SourceVaultDeps) {
    // Only sources are sealed; the endpoint's other uploads (images: covers are served as
    // uploaded, docs/threat-model.md) are stored as they arrive.
    this.uploadSealer = {
      seal: async (objectKey, part, plaintext) => {
        const videoId = videoIdOfSourceKey(objectKey);
        if (!videoId) return plaintext;
        return encryptSource(await this.writeKey(videoId), bindingOf(videoId, part), plaintext);
      },
      unseal: async (objectKey, part, stored, storedSize) => {
        const videoId = videoIdOfSourceKey(objectKey);
        if (!videoId) return stored;
        return decryptSource(await this.writeKey(videoId), bindingOf(videoId, part), stored, storedSize);
      },
      plaintextSize: (objectKey, part, storedSize) => {
        const videoId = videoIdOfSourceKey(objectKey);
        if (!videoId) return storedSize;
        return sourcePlaintextLength(
          SOURCE_FIXED_HEADER_LENGTH + bindingOf(videoId, part).length,
          SOURCE_DEFAULT_CHUNK_SIZE,
          storedSize,
        );
      },
    };
  }

  /** Stores `plaintext` as the video's source (URL pulls); the plaintext size and MD5. */
  async put(
    video: SourceOfVideo,
    plaintext: AsyncIterable<Uint8Array>,
  ): Promise<{ size: number; etag: string }> {
    const hash = createHash('md5');
    const counted = measured(plaintext, hash);
    const key = await this.writeKey(video.videoId);
    await this.deps.objects.put(
      video.sourceKey,
      encryptSource(key, sourceBinding(video.videoId), counted.body),
    );
    return { size: counted.result.size, etag: hash.digest('hex') };
  }

  /**
   * Opens the video's source for reading. `SourceNotFoundError` if there is none; a source that
   * does not authenticate fails in `read` (SourceFormatError `Tampered`).
   */
  async open(video: SourceOfVideo): Promise<OpenSource> {
    const { objects } = this.deps;
    const info = await objects.head(video.sourceKey);
    if (!info) throw new SourceNotFoundError(`video ${video.videoId} has no stored source`);
    const firstBytes =
      info.size === 0
        ? Buffer.alloc(0)
        : await readObject(objects, video.sourceKey, { start: 0, end: SOURCE_MAX_HEADER_LENGTH - 1 });
    if (!isEncryptedSource(firstBytes)) {
      if (!this.warnedClear.has(video.sourceKey)) {
        this.warnedClear.add(video.sourceKey);
        this.deps.log?.warn(
          { videoId: video.videoId },
          'source stored before encryption at rest is served clear; upload it again to encrypt it',
        );
      }
      return {
        encrypted: false,
        size: info.size,
        async *read(start, end) {
          if (end < start) return;
          const { body } = await objects.get(video.sourceKey, { range: { start, end } });
          try {
            for await (const chunk of body) yield chunk as Buffer;
          } finally {
            body.destroy();
          }
        },
      };
    }
    const key = await this.readKey(video.videoId);
    const opened = await openEncryptedSource(objects, video.sourceKey, key, sourceBinding(video.videoId), {
      storedSize: info.size,
      firstBytes,
    });
    return { encrypted: true, size: opened.size, read: (start, end) => opened.read(start, end) };
  }

  /** The video's source key, making (and recording) the video's data key if it has none yet. */
  private async writeKey(videoId: string): Promise<Buffer> {
    const { videos, kms } = this.deps;
    const video = await videos.find(videoId);
    if (!video) throw new SourceNotFoundError(`video ${videoId} does not exist`);
    if (!video.dataKeyCiphertext) {
      const fresh = await kms.generateDataKey({ bytes: 32, context: videoDataKeyContext(videoId) });
      const won = await videos.setDataKeyIfAbsent(videoId, fresh.ciphertextBlob);
      if (won) return sourceKeyOf(fresh.plaintext);
      fresh.plaintext.fill(0);
    }
    return this.readKey(videoId);
  }

  private async readKey(videoId: string): Promise<Buffer> {
    const video = await this.deps.videos.find(videoId);
    if (!video?.dataKeyCiphertext) {
      throw new SourceNotFoundError(`video ${videoId} has an encrypted source but no data key`);
    }
    if (this.deps.dataKeys) {
      // A cached key is shared: derive from it without erasing it.
      return deriveSourceKey(await this.deps.dataKeys.get(videoId, video.dataKeyCiphertext));
    }
    const { plaintext } = await this.deps.kms.decrypt(video.dataKeyCiphertext, videoDataKeyContext(videoId));
    return sourceKeyOf(plaintext);
  }
}

function sourceKeyOf(dataKey: Uint8Array): Buffer {
  const key = deriveSourceKey(dataKey);
  dataKey.fill(0);
  return key;
}

function bindingOf(videoId: string, part: PartRef | undefined): string {
  return part ? partBinding(videoId, part.uploadId, part.partNumber) : sourceBinding(videoId);
}
