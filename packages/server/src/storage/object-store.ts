/**
 * The object storage contract (DESIGN §2). Sources, HLS renditions, multipart upload parts and
 * download packages all live in one flat key space, S3-style: no directories, only keys and
 * string prefixes.
 *
 * Implementations: `local-directory-store.ts` (embedded default) and `s3-object-store.ts` (any
 * S3-compatible service). Every implementation must pass `test/contracts/object-store-contract.ts`.
 *
 * Keys are `/`-separated relative paths (see `assertValidKey`); the same rules hold for every
 * implementation so that data can move between them.
 */
import { Readable } from 'node:stream';

/** What `put` accepts. Bodies are consumed once, as a stream; never buffered whole. */
export type ObjectBody = Uint8Array | AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

export interface ObjectInfo {
  readonly key: string;
  /** Bytes of the whole object. */
  readonly size: number;
  /** Lowercase hex MD5 of the whole content, computed while writing (S3 single-part style). */
  readonly etag: string;
  /** As given to `put`; `application/octet-stream` when none was given. */
  readonly contentType: string;
  readonly lastModified: Date;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  readonly start: number;
  /** Inclusive; past the end is clamped to the last byte; absent means to the end. */
  readonly end?: number;
}

export interface GetObjectResult {
  /** The requested bytes. Consume or destroy it: it holds an open file or connection. */
  readonly body: Readable;
  /** Bytes of the whole object, whatever the range. */
  readonly size: number;
  /** Bytes in `body`. */
  readonly contentLength: number;
  readonly etag: string;
  readonly contentType: string;
}

export interface ObjectStoreCapabilities {
  /** The store can mint presigned URLs that clients fetch directly (S3); the local store cannot. */
  readonly presign: boolean;
}

export interface ObjectStore {
  readonly capabilities: ObjectStoreCapabilities;
  /**
   * Writes the whole object atomically: readers see the old object or the new one, never part of
   * it. A body that fails mid-way (e.g. a client disconnect) leaves the old object in place.
   */
  put(
    key: string,
    body: ObjectBody,
    opts?: { contentType?: string },
  ): Promise<{ size: number; etag: string }>;
  /** Throws `NotFound`; `InvalidRange` when `start` is at or past the end, or `start > end`. */
  get(key: string, opts?: { range?: ByteRange }): Promise<GetObjectResult>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /** Deletes every object whose key starts with `prefix` (non-empty); resolves to how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** Every object whose key starts with `prefix` (`''` = all), in ascending key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /**
   * A cheap reachability check for readiness probes: resolves when the store can serve requests,
   * rejects with `Unavailable` (saying why) when it cannot. Reads no object.
   */
  ping(): Promise<void>;
}

export type ObjectStoreErrorCode =
  /** No object under that key. */
  | 'NotFound'
  /** The key or prefix breaks the key rules. */
  | 'InvalidKey'
  /** The range does not overlap the object. */
  | 'InvalidRange'
  /** Another argument is unusable (e.g. a content type that is not printable ASCII). */
  | 'InvalidArgument'
  /** The backend failed (disk, network); worth retrying. */
  | 'Unavailable';

export class ObjectStoreError extends Error {
  override readonly name = 'ObjectStoreError';
  constructor(
    readonly code: ObjectStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const MAX_KEY_LENGTH = 1024;
/** Leaves room under the usual 255-byte file-name limit for an implementation's own suffixes. */
export const MAX_SEGMENT_LENGTH = 200;
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * Characters allowed in a key segment: S3's "safe characters" plus `= + , @ ~`. Notably absent:
 * `\`, NUL and other control characters, space, `#`, `%`, `?`, `:` — so a key is also a safe
 * relative file path on every platform, and needs no escaping in URLs.
 */
const SEGMENT_CHARS = /^[A-Za-z0-9!\-_.*'()=+,@~]+$/;

function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'has an empty segment';
  if (segment === '.' || segment === '..') return 'has a "." or ".." segment';
  if (segment.length > MAX_SEGMENT_LENGTH)
    return `has a segment longer than ${MAX_SEGMENT_LENGTH} characters`;
  if (!SEGMENT_CHARS.test(segment)) return "has a character outside A-Z a-z 0-9 ! - _ . * ' ( ) = + , @ ~";
  return undefined;
}

/** Throws `InvalidKey` unless `key` is a relative `/`-separated path of safe segments. */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new ObjectStoreError('InvalidKey', 'Key is empty.');
  if (key.length > MAX_KEY_LENGTH) {
    throw new ObjectStoreError('InvalidKey', `Key is longer than ${MAX_KEY_LENGTH} characters.`);
  }
  for (const segment of key.split('/')) {
    const problem = segmentProblem(segment);
    if (problem) throw new ObjectStoreError('InvalidKey', `Key ${JSON.stringify(key)} ${problem}.`);
  }
}

/**
 * Throws `InvalidKey` unless `prefix` could start a valid key: every complete segment is valid and
 * the trailing partial segment (possibly empty, possibly `.`) uses only allowed characters.
 */
export function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new ObjectStoreError('InvalidKey', 'Prefix is not a string.');
  if (prefix.length > MAX_KEY_LENGTH) {
    throw new ObjectStoreError('InvalidKey', `Prefix is longer than ${MAX_KEY_LENGTH} characters.`);
  }
  const segments = prefix.split('/');
  const partial = segments.pop() ?? '';
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem) throw new ObjectStoreError('InvalidKey', `Prefix ${JSON.stringify(prefix)} ${problem}.`);
  }
  if (partial !== '' && (partial.length > MAX_SEGMENT_LENGTH || !SEGMENT_CHARS.test(partial))) {
    throw new ObjectStoreError('InvalidKey', `Prefix ${JSON.stringify(prefix)} has an invalid last segment.`);
  }
}

/** Throws `InvalidArgument` unless `contentType` is 1–255 printable ASCII characters. */
export function assertValidContentType(contentType: string): void {
  if (typeof contentType !== 'string' || !/^[\x20-\x7e]{1,255}$/.test(contentType)) {
    throw new ObjectStoreError(
      'InvalidArgument',
      'Content type must be 1 to 255 printable ASCII characters.',
    );
  }
}

/**
 * Resolves a requested range against an object of `size` bytes to absolute inclusive offsets, or
 * throws `InvalidRange`. Shared so that every implementation clamps and refuses alike.
 */
export function resolveRange(range: ByteRange | undefined, size: number): { start: number; end: number } {
  if (!range) return { start: 0, end: size - 1 };
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && !Number.isSafeInteger(end))) {
    throw new ObjectStoreError('InvalidRange', 'Range bounds must be non-negative integers.');
  }
  if (start >= size) {
    throw new ObjectStoreError(
      'InvalidRange',
      `Range starts at ${start}, past the end of a ${size}-byte object.`,
    );
  }
  if (end !== undefined && end < start) {
    throw new ObjectStoreError('InvalidRange', `Range end ${end} is before its start ${start}.`);
  }
  return { start, end: end === undefined ? size - 1 : Math.min(end, size - 1) };
}

/** A whole object (or a byte range of it) in memory — for small objects: playlists, segments, tails. */
export async function readObject(store: ObjectStore, key: string, range?: ByteRange): Promise<Buffer> {
  const { body } = await store.get(key, range ? { range } : undefined);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The body as a sequence of byte chunks, whatever form `put` was given it in. Errors thrown by the
 * body itself (e.g. a client that disconnects) pass through unchanged, as the contract requires.
 */
export async function* bodyChunks(body: ObjectBody): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  const iterable: AsyncIterable<unknown> =
    Symbol.asyncIterator in body ? body : new Readable().wrap(body as NodeJS.ReadableStream);
  for await (const chunk of iterable) {
    if (chunk instanceof Uint8Array) yield chunk;
    else if (typeof chunk === 'string') yield Buffer.from(chunk);
    else throw new ObjectStoreError('InvalidArgument', 'The body yielded something other than bytes.');
  }
}
