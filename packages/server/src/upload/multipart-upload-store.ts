/**
 * Multipart upload state for the OSS-style upload endpoint, kept in the object store itself so an
 * upload survives a server restart (`ali-oss` `multipartUpload` resumes from a client-side
 * checkpoint holding only the UploadId and the done parts) and is seen by every API process that
 * shares the store:
 *
 *   .multipart/<UploadId>/manifest.json   which object the upload is for, its content type, when
 *   .multipart/<UploadId>/<00001…10000>   part bodies, as uploaded
 *
 * Completing streams the parts, in order, into the final object (constant memory); the caller
 * then discards the upload. Nothing here knows about HTTP or credentials.
 *
 * With a sealer (encrypted sources), each part is stored sealed on its own, and completion
 * unseals the parts in order while sealing the whole object afresh; a part's ETag is then the MD5
 * of its stored form (opaque, as S3's ETags of SSE-KMS objects), and sizes are plaintext sizes.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  ObjectStoreError,
  assertValidContentType,
  assertValidKey,
  bodyChunks,
} from '../storage/object-store.js';
import type { ObjectBody, ObjectStore } from '../storage/object-store.js';
import { OssError, ossErrors } from './oss-error.js';
import type { CompletedPart } from './oss-xml.js';
import { measured, type UploadSealer } from './upload-sealer.js';

export const MULTIPART_PREFIX = '.multipart/';
/** OSS: every part but the last must be at least 100 KiB. */
export const MIN_PART_SIZE = 100 * 1024;
export const MAX_PART_NUMBER = 10_000;

const UPLOAD_ID = /^[0-9A-F]{32}$/;
const PART_KEY = /\/(\d{5})$/;

export interface UploadTarget {
  readonly bucket: string;
  readonly objectKey: string;
}

export interface MultipartManifest extends UploadTarget {
  readonly version: 1;
  readonly uploadId: string;
  readonly contentType: string;
  /** ISO 8601. */
  readonly initiatedAt: string;
}

export interface StoredPart {
  readonly partNumber: number;
  /** Lowercase hex MD5 of the part. */
  readonly etag: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface AssembledObject {
  readonly size: number;
  /** Lowercase hex MD5 of the whole object's content (the plaintext, with a sealer). */
  readonly etag: string;
  /** What OSS returns for a multipart object: MD5 of the concatenated binary part MD5s, `-<parts>`. */
  readonly multipartEtag: string;
}

/** Throws `InvalidObjectName` unless uploads may write `objectKey` (a valid store key outside our own area). */
export function assertUploadableKey(objectKey: string): void {
  try {
    assertValidKey(objectKey);
  } catch (err) {
    if (err instanceof ObjectStoreError) throw ossErrors.invalidObjectName();
    throw err;
  }
  if (objectKey.startsWith(MULTIPART_PREFIX)) throw ossErrors.invalidObjectName();
}

export class MultipartUploadStore {
  constructor(
    private readonly store: ObjectStore,
    private readonly sealer?: UploadSealer,
  ) {}

  async initiate(target: UploadTarget & { contentType: string }, now: Date): Promise<MultipartManifest> {
    assertUploadableKey(target.objectKey);
    assertValidContentType(target.contentType);
    const manifest: MultipartManifest = {
      version: 1,
      uploadId: randomBytes(16).toString('hex').toUpperCase(),
      bucket: target.bucket,
      objectKey: target.objectKey,
      contentType: target.contentType,
      initiatedAt: now.toISOString(),
    };
    await this.store.put(manifestKey(manifest.uploadId), Buffer.from(JSON.stringify(manifest)), {
      contentType: 'application/json',
    });
    return manifest;
  }

  /** The upload `uploadId` of `target`; `NoSuchUpload` if it is unknown, finished or for another object. */
  async find(uploadId: string, target: UploadTarget): Promise<MultipartManifest> {
    const manifest = UPLOAD_ID.test(uploadId) ? await this.readManifest(uploadId) : undefined;
    if (!manifest || manifest.bucket !== target.bucket || manifest.objectKey !== target.objectKey) {
      throw ossErrors.noSuchUpload(uploadId);
    }
    return manifest;
  }

  async putPart(
    manifest: MultipartManifest,
    partNumber: number,
    body: ObjectBody,
  ): Promise<{ size: number; etag: string }> {
    const key = partKey(manifest.uploadId, partNumber);
    const stored = this.sealer
      ? await this.sealer.seal(
          manifest.objectKey,
          { uploadId: manifest.uploadId, partNumber },
          bodyChunks(body),
        )
      : body;
    const written = await this.store.put(key, stored);
    // An abort that ran while this part streamed in has already deleted the upload; do not leave
    // an orphan part behind it.
    if (!(await this.store.head(manifestKey(manifest.uploadId)))) {
      await this.store.delete(key);
      throw ossErrors.noSuchUpload(manifest.uploadId);
    }
    return written;
  }

  /** Uploaded parts in part-number order. */
  async listParts(manifest: MultipartManifest): Promise<StoredPart[]> {
    const parts: StoredPart[] = [];
    for await (const info of this.store.list(`${MULTIPART_PREFIX}${manifest.uploadId}/`)) {
      const number = PART_KEY.exec(info.key)?.[1];
      if (number === undefined) continue;
      parts.push({
        partNumber: Number(number),
        etag: info.etag,
        size: this.plainSize(manifest, Number(number), info.size),
        lastModified: info.lastModified,
      });
    }
    return parts;
  }

  /**
   * Checks the client's part list (ascending, every part present with that ETag, all but the last
   * at least `MIN_PART_SIZE`) and streams those parts into the upload's object. The upload itself
   * is left in place: discard it once the completion has been recorded.
   */
  async complete(manifest: MultipartManifest, requested: readonly CompletedPart[]): Promise<AssembledObject> {
    const { uploadId } = manifest;
    const parts = requested.map((p) => ({ partNumber: p.partNumber, etag: p.etag.toLowerCase() }));
    for (let i = 1; i < parts.length; i++) {
      if (parts[i]!.partNumber <= parts[i - 1]!.partNumber) throw ossErrors.invalidPartOrder(uploadId);
    }
    for (const [i, part] of parts.entries()) {
      const info =
        part.partNumber >= 1 && part.partNumber <= MAX_PART_NUMBER
          ? await this.store.head(partKey(uploadId, part.partNumber))
          : undefined;
      if (!info || info.etag !== part.etag) throw ossErrors.invalidPart(uploadId, part.partNumber, part.etag);
      const size = this.plainSize(manifest, part.partNumber, info.size);
      if (i < parts.length - 1 && size < MIN_PART_SIZE) throw ossErrors.entityTooSmall(part.partNumber);
    }

    const md5s = Buffer.concat(parts.map((p) => Buffer.from(p.etag, 'hex')));
    const multipartEtag = `${createHash('md5').update(md5s).digest('hex').toUpperCase()}-${parts.length}`;
    const content = this.concatenate(manifest, parts);
    if (!this.sealer) {
      const written = await this.store.put(manifest.objectKey, content, {
        contentType: manifest.contentType,
      });
      return { size: written.size, etag: written.etag, multipartEtag };
    }
    const hash = createHash('md5');
    const plain = measured(content, hash);
    await this.store.put(
      manifest.objectKey,
      await this.sealer.seal(manifest.objectKey, undefined, plain.body),
      {
        contentType: manifest.contentType,
      },
    );
    return { size: plain.result.size, etag: hash.digest('hex'), multipartEtag };
  }

  /** Deletes the upload: manifest first, so a half-finished discard reads as "no such upload". */
  async discard(uploadId: string): Promise<void> {
    await this.store.delete(manifestKey(uploadId));
    await this.store.deletePrefix(`${MULTIPART_PREFIX}${uploadId}/`);
  }

  /**
   * Discards uploads with no activity (initiation or part) since `olderThan`, including parts left
   * without a manifest. For a periodic job; resolves to how many uploads it removed.
   */
  async sweepAbandoned(olderThan: Date): Promise<number> {
    const lastActivity = new Map<string, number>();
    for await (const info of this.store.list(MULTIPART_PREFIX)) {
      const uploadId = info.key.slice(MULTIPART_PREFIX.length).split('/')[0]!;
      let time = info.lastModified.getTime();
      if (info.key === manifestKey(uploadId)) {
        const manifest = await this.readManifest(uploadId).catch(() => undefined);
        const initiated = Date.parse(manifest?.initiatedAt ?? '');
        if (!Number.isNaN(initiated)) time = Math.max(time, initiated);
      }
      lastActivity.set(uploadId, Math.max(lastActivity.get(uploadId) ?? 0, time));
    }
    let removed = 0;
    for (const [uploadId, time] of lastActivity) {
      if (time >= olderThan.getTime()) continue;
      await this.discard(uploadId);
      removed += 1;
    }
    return removed;
  }

  private plainSize(manifest: MultipartManifest, partNumber: number, storedSize: number): number {
    if (!this.sealer) return storedSize;
    return this.sealer.plaintextSize(
      manifest.objectKey,
      { uploadId: manifest.uploadId, partNumber },
      storedSize,
    );
  }

  private async *concatenate(
    manifest: MultipartManifest,
    parts: readonly { partNumber: number; etag: string }[],
  ) {
    const { uploadId } = manifest;
    for (const part of parts) {
      const { body, etag, size } = await this.store.get(partKey(uploadId, part.partNumber));
      try {
        // Re-checked here: the part may have been uploaded again since the checks above.
        if (etag !== part.etag) throw ossErrors.invalidPart(uploadId, part.partNumber, part.etag);
        const plain = this.sealer
          ? await this.sealer.unseal(
              manifest.objectKey,
              { uploadId, partNumber: part.partNumber },
              body as AsyncIterable<Uint8Array>,
              size,
            )
          : (body as AsyncIterable<Uint8Array>);
        try {
          for await (const chunk of plain) yield chunk;
        } catch (error) {
          // Storage failures stay retryable; a stored part the sealer cannot open (altered, or
          // written as uploaded before sealing was on) is an invalid part, not a server error.
          if (!this.sealer || error instanceof ObjectStoreError || error instanceof OssError) throw error;
          throw ossErrors.invalidPart(uploadId, part.partNumber, part.etag);
        }
      } finally {
        body.destroy();
      }
    }
  }

  private async readManifest(uploadId: string): Promise<MultipartManifest | undefined> {
    let text: string;
    try {
      const { body } = await this.store.get(manifestKey(uploadId));
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      if (err instanceof ObjectStoreError && err.code === 'NotFound') return undefined;
      throw err;
    }
    let parsed: Partial<MultipartManifest> | undefined;
    try {
      parsed = JSON.parse(text) as Partial<MultipartManifest>;
    } catch {
      parsed = undefined;
    }
    if (
      !parsed ||
      parsed.version !== 1 ||
      parsed.uploadId !== uploadId ||
      typeof parsed.objectKey !== 'string'
    ) {
      throw new ObjectStoreError('Unavailable', `Multipart manifest of ${uploadId} is not readable.`);
    }
    return parsed as MultipartManifest;
  }
}

function manifestKey(uploadId: string): string {
  return `${MULTIPART_PREFIX}${uploadId}/manifest.json`;
}

function partKey(uploadId: string, partNumber: number): string {
  return `${MULTIPART_PREFIX}${uploadId}/${String(partNumber).padStart(5, '0')}`;
}
