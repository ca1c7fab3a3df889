/**
 * `ObjectStore` on any S3-compatible service (AWS S3, MinIO, Ceph RGW, Alibaba OSS's S3 API):
 * cluster mode's storage (DESIGN §2), so every API, media and worker node sees the same objects.
 * The only module that imports the AWS SDK.
 *
 * How the contract maps onto S3:
 * - **ETag = MD5 of the content.** S3's own ETag is not that for multipart uploads (nor under
 *   SSE-KMS), so we compute the MD5 while streaming and keep it in the object's user metadata
 *   (`x-amz-meta-securevod-md5`); `head`/`get`/`list` report it from there.
 * - **Streaming writes.** A body that fits in one part (`partSize`, 8 MiB by default) is sent as
 *   one PutObject with its Content-MD5. A larger body streams through `@aws-sdk/lib-storage` as a
 *   multipart upload into a staging key (`#staging/<uuid>`; `#` is not allowed in our keys, so
 *   no caller can see or collide with it) — memory stays at `partSize × (queueSize + 1)`. Its MD5
 *   is known only at the end, and metadata cannot be added to an object in place, so the staged
 *   object is then copied server-side onto the real key with the metadata (CopyObject, or
 *   UploadPartCopy past `maxCopyBytes`) and the staging object is deleted. The real key therefore
 *   appears only whole and with its metadata: S3 makes PutObject, CopyObject and
 *   CompleteMultipartUpload atomic. A failed body aborts the multipart upload; a crash between
 *   the steps leaves a staging object, which opening the store removes once it is a day old
 *   (an incomplete multipart upload is removed by the bucket's AbortIncompleteMultipartUpload
 *   lifecycle rule: docs/configuration.md).
 * - **Ranges.** GetObject with `Range`; HTTP lets a server answer a range with more than was
 *   asked (or the whole object), so the response's Content-Range decides what is trimmed.
 * - **Prefix deletes** page through ListObjectsV2 (`listPageSize` keys per request, 1000 at most)
 *   and delete each page with one DeleteObjects.
 * - **list** needs the MD5 and content type, which ListObjectsV2 does not return: one HeadObject
 *   per listed object (a few at a time). Listing is for multipart bookkeeping, not a hot path.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  type CompletedPart,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  DEFAULT_CONTENT_TYPE,
  ObjectStoreError,
  assertValidContentType,
  assertValidKey,
  assertValidPrefix,
  bodyChunks,
  resolveRange,
} from './object-store.js';
import type { ByteRange, GetObjectResult, ObjectBody, ObjectInfo, ObjectStore } from './object-store.js';

export interface S3ObjectStoreOptions {
  readonly bucket: string;
  /** e.g. `http://127.0.0.1:9000` for MinIO; absent = AWS's endpoint for `region`. */
  readonly endpoint?: string;
  readonly region: string;
  /** Absent = the SDK's default chain (environment, shared files, instance role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** `bucket` in the path instead of the host name (MinIO, Ceph, s3rver need it). */
  readonly forcePathStyle: boolean;
  /** Bytes per part of a multipart upload, and the largest body sent as one PutObject. */
  readonly partSize?: number;
  /** Parts uploaded at once by one `put`. */
  readonly queueSize?: number;
  /** Keys per ListObjectsV2 page (S3's maximum: 1000). Small values are for tests. */
  readonly listPageSize?: number;
  /** Largest object copied with one CopyObject (S3's limit: 5 GiB); larger ones use UploadPartCopy. */
  readonly maxCopyBytes?: number;
  /** Connections kept to the service; media delivery holds one per segment being streamed. */
  readonly maxSockets?: number;
}

const MD5_METADATA = 'securevod-md5';
const STAGING_PREFIX = '#staging/';
const STAGING_MAX_AGE_MS = 24 * 3600_000;
const MIB = 1024 * 1024;
/** S3: every part but the last is at least 5 MiB. */
const MIN_PART_SIZE = 5 * MIB;
const DEFAULTS = {
  partSize: 8 * MIB,
  queueSize: 4,
  listPageSize: 1000,
  maxCopyBytes: 5 * 1024 * MIB,
  maxSockets: 256,
};
/** Parts of an UploadPartCopy: S3 allows 5 MiB to 5 GiB each. */
const COPY_PART_BYTES = 1024 * MIB;
const HEADS_AT_ONCE = 8;

/**
 * Opens the store: checks that the bucket is reachable (so a wrong setting fails at start, naming
 * the bucket) and removes staging objects left by crashes.
 */
export async function createS3ObjectStore(options: S3ObjectStoreOptions): Promise<ObjectStore> {
  const store = new S3ObjectStore(options);
  await store.ping();
  await store.removeStaleStaging(new Date(Date.now() - STAGING_MAX_AGE_MS));
  return store;
}

class S3ObjectStore implements ObjectStore {
  readonly capabilities = { presign: false } as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly listPageSize: number;
  private readonly maxCopyBytes: number;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.partSize = Math.max(options.partSize ?? DEFAULTS.partSize, MIN_PART_SIZE);
    this.queueSize = options.queueSize ?? DEFAULTS.queueSize;
    this.listPageSize = Math.min(Math.max(options.listPageSize ?? DEFAULTS.listPageSize, 1), 1000);
    this.maxCopyBytes = options.maxCopyBytes ?? DEFAULTS.maxCopyBytes;
    const maxSockets = options.maxSockets ?? DEFAULTS.maxSockets;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
      forcePathStyle: options.forcePathStyle,
      // Checksums only where S3 requires them: the newer CRC defaults (aws-chunked bodies with
      // trailers) are not understood by every S3-compatible service, and we send Content-MD5.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
        connectionTimeout: 5000,
      },
    });
  }

  async put(
    key: string,
    body: ObjectBody,
    opts?: { contentType?: string },
  ): Promise<{ size: number; etag: string }> {
    assertValidKey(key);
    const contentType = opts?.contentType ?? DEFAULT_CONTENT_TYPE;
    assertValidContentType(contentType);
    const hash = createHash('md5');
    const chunks = bodyChunks(body)[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      if (size > this.partSize) return this.putLarge(key, contentType, hash, head, size, chunks);
      const next = await chunks.next();
      if (next.done) break;
      hash.update(next.value);
      head.push(next.value);
      size += next.value.byteLength;
    }
    const data = Buffer.concat(head);
    const md5 = hash.digest();
    await this.send(`Writing ${key}`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: data,
          ContentLength: data.length,
          ContentMD5: md5.toString('base64'),
          ContentType: contentType,
          Metadata: { [MD5_METADATA]: md5.toString('hex') },
        }),
      ),
    );
    return { size, etag: md5.toString('hex') };
  }

  async get(key: string, opts?: { range?: ByteRange }): Promise<GetObjectResult> {
    assertValidKey(key);
    const range = opts?.range;
    if (range) assertPlausibleRange(range);
    const response = await this.send(`Reading ${key}`, () =>
      this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
        }),
      ),
    );
    const raw = response.Body as Readable | undefined;
    if (!raw) throw new ObjectStoreError('Unavailable', `Reading ${key} returned no body.`);
    try {
      const served = parseContentRange(response.ContentRange, response.ContentLength);
      // What the caller asked for, checked against the real size (also for a server that
      // answered a range with more than that, which HTTP allows).
      const wanted = resolveRange(range, served.size);
      const contentLength = served.size === 0 ? 0 : wanted.end - wanted.start + 1;
      if (served.size > 0 && (wanted.start < served.start || wanted.end > served.end)) {
        throw new ObjectStoreError('Unavailable', `Reading ${key}: the service sent another range.`);
      }
      let body: Readable = raw;
      if (served.size === 0) {
        raw.destroy();
        body = Readable.from([]);
      } else if (wanted.start !== served.start || wanted.end !== served.end) {
        body = Readable.from(slice(raw, wanted.start - served.start, contentLength));
      }
      return {
        body,
        size: served.size,
        contentLength,
        etag: etagOf(response.Metadata, response.ETag),
        contentType: response.ContentType ?? DEFAULT_CONTENT_TYPE,
      };
    } catch (err) {
      raw.destroy();
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    return this.infoOf(key);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.send(`Deleting ${key}`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }

  async deletePrefix(prefix: string): Promise<number> {
    if (prefix === '') throw new ObjectStoreError('InvalidKey', 'deletePrefix needs a non-empty prefix.');
    assertValidPrefix(prefix);
    let count = 0;
    for await (const page of this.pages(prefix)) {
      const keys = page.map((o) => o.Key!).filter(isValidKey);
      if (keys.length === 0) continue;
      const result = await this.send(`Deleting under ${prefix}`, () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      const failed = result.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new ObjectStoreError(
          'Unavailable',
          `Deleting under ${prefix}: ${failed.length} objects not deleted (first: ${first.Key}: ${first.Code} ${first.Message})`,
        );
      }
      count += keys.length;
    }
    return count;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    for await (const page of this.pages(prefix)) {
      const keys = page.map((o) => o.Key!).filter(isValidKey);
      for (let i = 0; i < keys.length; i += HEADS_AT_ONCE) {
        const infos = await Promise.all(keys.slice(i, i + HEADS_AT_ONCE).map((key) => this.infoOf(key)));
        for (const info of infos) if (info) yield info; // undefined: deleted meanwhile
      }
    }
  }

  async ping(): Promise<void> {
    await this.send(`Reaching bucket ${this.bucket}`, () =>
      this.client.send(new HeadBucketCommand({ Bucket: this.bucket })),
    ).catch((err: unknown) => {
      if (err instanceof ObjectStoreError && err.code === 'NotFound') {
        throw new ObjectStoreError('Unavailable', `Bucket ${this.bucket} does not exist.`);
      }
      throw err;
    });
  }

  /** Deletes staging objects last modified before `olderThan` (left by crashed processes). */
  async removeStaleStaging(olderThan: Date): Promise<void> {
    for await (const page of this.pages(STAGING_PREFIX)) {
      for (const object of page) {
        if (object.LastModified && object.LastModified < olderThan) await this.deleteRaw(object.Key!);
      }
    }
  }

  /** Streams the rest of a body larger than one part through a staging key; see the header. */
  private async putLarge(
    key: string,
    contentType: string,
    hash: ReturnType<typeof createHash>,
    head: Uint8Array[],
    headBytes: number,
    rest: AsyncIterator<Uint8Array>,
  ): Promise<{ size: number; etag: string }> {
    let size = headBytes;
    let bodyError: unknown;
    async function* whole(): AsyncGenerator<Uint8Array> {
      yield* head;
      head.length = 0;
      try {
        for (;;) {
          const next = await rest.next();
          if (next.done) return;
          hash.update(next.value);
          size += next.value.byteLength;
          yield next.value;
        }
      } catch (err) {
        bodyError = err;
        throw err;
      }
    }
    const staging = `${STAGING_PREFIX}${randomUUID()}`;
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: staging, Body: Readable.from(whole()), ContentType: contentType },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      try {
        await upload.done();
      } catch (err) {
        // The body's own error, unchanged (lib-storage has aborted the multipart upload).
        if (bodyError !== undefined) throw bodyError;
        throw toStoreError(`Writing ${key}`, err);
      }
      const md5 = hash.digest('hex');
      const target = { key, contentType, md5, size };
      if (size <= this.maxCopyBytes) await this.copyWhole(staging, target);
      else await this.copyInParts(staging, target);
      return { size, etag: md5 };
    } finally {
      await this.deleteRaw(staging).catch(() => undefined);
    }
  }

  private async copyWhole(source: string, target: CopyTarget): Promise<void> {
    await this.send(`Writing ${target.key}`, () =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: target.key,
          CopySource: this.copySource(source),
          MetadataDirective: 'REPLACE',
          ContentType: target.contentType,
          Metadata: { [MD5_METADATA]: target.md5 },
        }),
      ),
    );
  }

  /** CopyObject stops at 5 GiB; beyond, a multipart upload whose parts are copied server-side. */
  private async copyInParts(source: string, target: CopyTarget): Promise<void> {
    const what = `Writing ${target.key}`;
    const { UploadId } = await this.send(what, () =>
      this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: target.key,
          ContentType: target.contentType,
          Metadata: { [MD5_METADATA]: target.md5 },
        }),
      ),
    );
    try {
      const parts: CompletedPart[] = [];
      const partBytes = Math.min(COPY_PART_BYTES, Math.max(this.partSize, Math.ceil(target.size / 10_000)));
      for (let start = 0, n = 1; start < target.size; start += partBytes, n++) {
        const end = Math.min(start + partBytes, target.size) - 1;
        const result = await this.send(what, () =>
          this.client.send(
            new UploadPartCopyCommand({
              Bucket: this.bucket,
              Key: target.key,
              UploadId,
              PartNumber: n,
              CopySource: this.copySource(source),
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          ),
        );
        parts.push({ PartNumber: n, ETag: result.CopyPartResult?.ETag });
      }
      await this.send(what, () =>
        this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: target.key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    } catch (err) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target.key, UploadId }))
        .catch(() => undefined);
      throw err;
    }
  }

  private copySource(key: string): string {
    return `${this.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  private async infoOf(key: string): Promise<ObjectInfo | undefined> {
    try {
      const response = await this.send(`Reading ${key}`, () =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })),
      );
      return {
        key,
        size: response.ContentLength ?? 0,
        etag: etagOf(response.Metadata, response.ETag),
        contentType: response.ContentType ?? DEFAULT_CONTENT_TYPE,
        lastModified: response.LastModified ?? new Date(0),
      };
    } catch (err) {
      if (err instanceof ObjectStoreError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  /** ListObjectsV2 pages under `prefix`, in key order, resuming after the last key seen. */
  private async *pages(prefix: string): AsyncGenerator<_Object[]> {
    let startAfter: string | undefined;
    for (;;) {
      const response = await this.send(`Listing ${prefix || 'the bucket'}`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            MaxKeys: this.listPageSize,
            ...(startAfter !== undefined ? { StartAfter: startAfter } : {}),
          }),
        ),
      );
      const contents = (response.Contents ?? []).filter((o) => o.Key !== undefined);
      if (contents.length > 0) yield contents;
      if (!response.IsTruncated || contents.length === 0) return;
      startAfter = contents.at(-1)!.Key!;
    }
  }

  private async deleteRaw(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** Runs one SDK call, turning its failures into `ObjectStoreError`s. */
  private async send<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw toStoreError(what, err);
    }
  }
}

interface CopyTarget {
  readonly key: string;
  readonly contentType: string;
  readonly md5: string;
  readonly size: number;
}

/** The stored MD5; S3's ETag only for objects written by something else. */
function etagOf(metadata: Record<string, string> | undefined, etag: string | undefined): string {
  return metadata?.[MD5_METADATA] ?? (etag ?? '').replace(/^"(.*)"$/, '$1').toLowerCase();
}

/** Refuses what no object size could make valid, before asking the service. */
function assertPlausibleRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && !Number.isSafeInteger(end))) {
    throw new ObjectStoreError('InvalidRange', 'Range bounds must be non-negative integers.');
  }
  if (end !== undefined && end < start) {
    throw new ObjectStoreError('InvalidRange', `Range end ${end} is before its start ${start}.`);
  }
}

/** The served byte range and the object's size, from Content-Range (206) or Content-Length (200). */
function parseContentRange(
  contentRange: string | undefined,
  contentLength: number | undefined,
): { start: number; end: number; size: number } {
  if (contentRange !== undefined) {
    const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange.trim());
    if (!match) throw new ObjectStoreError('Unavailable', `Unexpected Content-Range "${contentRange}".`);
    return { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) };
  }
  const size = contentLength ?? 0;
  return { start: 0, end: size - 1, size };
}

/** `length` bytes of `source` after skipping `skip`; destroys the source when done. */
async function* slice(source: Readable, skip: number, length: number): AsyncGenerator<Buffer> {
  let remaining = length;
  try {
    for await (const chunk of source) {
      let buf = chunk as Buffer;
      if (skip > 0) {
        const dropped = Math.min(skip, buf.length);
        buf = buf.subarray(dropped);
        skip -= dropped;
      }
      if (buf.length === 0) continue;
      if (buf.length >= remaining) {
        yield buf.subarray(0, remaining);
        return;
      }
      remaining -= buf.length;
      yield buf;
    }
    if (remaining > 0) throw new ObjectStoreError('Unavailable', 'The object ended early.');
  } finally {
    source.destroy();
  }
}

function isValidKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}

/** Maps an SDK or network error; never includes credentials (the SDK's messages hold none). */
function toStoreError(what: string, err: unknown): ObjectStoreError {
  if (err instanceof ObjectStoreError) return err;
  const e = err as {
    name?: string;
    message?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? e.Code ?? 'Error';
  if (name !== 'NoSuchBucket' && (name === 'NoSuchKey' || name === 'NotFound' || status === 404)) {
    return new ObjectStoreError('NotFound', `${what}: not found (${name}).`, { cause: err });
  }
  if (name === 'InvalidRange' || status === 416) {
    return new ObjectStoreError('InvalidRange', `${what}: the range does not overlap the object.`, {
      cause: err,
    });
  }
  const detail = status !== undefined ? `HTTP ${status} ${name}` : name;
  return new ObjectStoreError('Unavailable', `${what} failed: ${detail}: ${e.message ?? String(err)}`, {
    cause: err,
  });
}
