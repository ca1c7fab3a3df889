/**
 * `ObjectStore` on a local directory: the embedded default (DESIGN §2), one machine, one disk.
 *
 * Layout under `root`:
 *   objects/<segment>/…/<last segment>#   one file per object
 *   .tmp/<pid>-<random>                    writes in progress
 *
 * Each object file is a fixed 1 KiB header (magic line + JSON with size, MD5 and content type)
 * followed by the content, so data and metadata change together in one `rename` and a reader never
 * sees new bytes with old metadata. The `#` suffix (a character keys may not contain) keeps an
 * object `a/b` and the objects under `a/b/…` from colliding as file and directory, as S3 allows both.
 *
 * Writes stream into a temp file on the same filesystem, are fsynced, then renamed into place, so
 * a crash leaves at most a temp file; opening the store removes temp files whose process is gone
 * (processes sharing the directory, e.g. API and worker, keep their in-flight writes).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { access, constants, mkdir, open, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
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

export interface LocalDirectoryStoreOptions {
  /** Created (mode 0700) if missing. */
  readonly root: string;
}

const HEADER_SIZE = 1024;
const MAGIC = 'securevod-object/1\n';
const OBJECT_SUFFIX = '#';
const TEMP_NAME = /^(\d+)-[0-9a-f]+$/;

interface Header {
  readonly size: number;
  readonly etag: string;
  readonly contentType: string;
}

/** Opens (creating if needed) the store at `root` and removes temp files left by dead processes. */
export async function createLocalDirectoryStore(options: LocalDirectoryStoreOptions): Promise<ObjectStore> {
  const root = resolve(options.root);
  const objectsDir = join(root, 'objects');
  const tmpDir = join(root, '.tmp');
  await fsStep('Creating the store directories', async () => {
    await mkdir(objectsDir, { recursive: true, mode: 0o700 });
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  });
  await removeStaleTempFiles(tmpDir);
  return new LocalDirectoryStore(objectsDir, tmpDir);
}

class LocalDirectoryStore implements ObjectStore {
  readonly capabilities = { presign: false } as const;

  constructor(
    private readonly objectsDir: string,
    private readonly tmpDir: string,
  ) {}

  async put(
    key: string,
    body: ObjectBody,
    opts?: { contentType?: string },
  ): Promise<{ size: number; etag: string }> {
    assertValidKey(key);
    const contentType = opts?.contentType ?? DEFAULT_CONTENT_TYPE;
    assertValidContentType(contentType);
    const tmp = join(this.tmpDir, `${process.pid}-${randomBytes(12).toString('hex')}`);
    let fh: FileHandle | undefined;
    try {
      fh = await fsStep('Creating a temp file', () => open(tmp, 'wx', 0o600));
      const file = fh;
      const hash = createHash('md5');
      let size = 0;
      // Errors thrown by the body itself (e.g. a client that disconnects) pass through unchanged.
      for await (const chunk of bodyChunks(body)) {
        hash.update(chunk);
        await fsStep('Writing', () => writeFully(file, chunk, HEADER_SIZE + size));
        size += chunk.byteLength;
      }
      const etag = hash.digest('hex');
      await fsStep('Writing', async () => {
        await writeFully(file, encodeHeader({ size, etag, contentType }), 0);
        await file.datasync();
        await file.close();
      });
      fh = undefined;
      await fsStep('Publishing', () => this.publish(tmp, this.pathOf(key)));
      return { size, etag };
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  async get(key: string, opts?: { range?: ByteRange }): Promise<GetObjectResult> {
    assertValidKey(key);
    const fh = await this.openObject(key);
    if (!fh) throw new ObjectStoreError('NotFound', `No object ${JSON.stringify(key)}.`);
    try {
      const { header } = await readHeader(fh, key);
      const { start, end } = resolveRange(opts?.range, header.size);
      const contentLength = end - start + 1;
      let body: Readable;
      if (contentLength === 0) {
        await fh.close();
        body = Readable.from([]);
      } else {
        // Reading through the already-open handle: a concurrent overwrite renames a new file into
        // place, and this reader keeps the old one whole.
        body = fh.createReadStream({ start: HEADER_SIZE + start, end: HEADER_SIZE + end });
      }
      return { body, size: header.size, contentLength, etag: header.etag, contentType: header.contentType };
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    return this.infoOf(key);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.remove(key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    if (prefix === '') throw new ObjectStoreError('InvalidKey', 'deletePrefix needs a non-empty prefix.');
    let count = 0;
    for await (const { key } of this.list(prefix)) {
      if (await this.remove(key)) count += 1;
    }
    return count;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const segments = prefix.split('/');
    const partial = segments.pop() ?? '';
    const keyPrefix = segments.map((s) => `${s}/`).join('');
    yield* this.walk(join(this.objectsDir, ...segments), keyPrefix, partial);
  }

  /**
   * Yields the objects under `dir` in ascending key order. Siblings sort by their key fragment
   * (`name/` for a directory, `name` for an object), which orders whole subtrees correctly.
   */
  private async *walk(dir: string, keyPrefix: string, partial = ''): AsyncGenerator<ObjectInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return;
      throw unavailable('Listing', err);
    }
    const items: { fragment: string; path: string; isDir: boolean }[] = [];
    for (const entry of entries) {
      const isDir = entry.isDirectory();
      if (!isDir && !(entry.isFile() && entry.name.endsWith(OBJECT_SUFFIX))) continue;
      const segment = isDir ? entry.name : entry.name.slice(0, -OBJECT_SUFFIX.length);
      if (!segment.startsWith(partial) || !isValidKey(keyPrefix + segment)) continue;
      items.push({ fragment: isDir ? `${segment}/` : segment, path: join(dir, entry.name), isDir });
    }
    items.sort((a, b) => (a.fragment < b.fragment ? -1 : a.fragment > b.fragment ? 1 : 0));
    for (const item of items) {
      const key = keyPrefix + item.fragment;
      if (item.isDir) {
        yield* this.walk(item.path, key);
      } else {
        const info = await this.infoOf(key); // undefined if deleted meanwhile
        if (info) yield info;
      }
    }
  }

  async ping(): Promise<void> {
    // Both directories must still be there and writable (a lost mount or a read-only remount).
    await fsStep('Checking the store directory', async () => {
      await access(this.objectsDir, constants.R_OK | constants.W_OK | constants.X_OK);
      await access(this.tmpDir, constants.R_OK | constants.W_OK | constants.X_OK);
    });
  }

  private pathOf(key: string): string {
    return join(this.objectsDir, ...key.split('/')) + OBJECT_SUFFIX;
  }

  private async openObject(key: string): Promise<FileHandle | undefined> {
    try {
      return await open(this.pathOf(key), 'r');
    } catch (err) {
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return undefined;
      throw unavailable('Opening an object', err);
    }
  }

  private async infoOf(key: string): Promise<ObjectInfo | undefined> {
    const fh = await this.openObject(key);
    if (!fh) return undefined;
    try {
      const { header, mtime } = await readHeader(fh, key);
      return {
        key,
        size: header.size,
        etag: header.etag,
        contentType: header.contentType,
        lastModified: mtime,
      };
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /** Resolves to whether an object was there. */
  private async remove(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return false;
      throw unavailable('Deleting', err);
    }
    await this.pruneEmptyDirs(dirname(path));
    return true;
  }

  /** Removes now-empty directories up to `objects/`; stops at the first that is not empty. */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    while (dir.startsWith(this.objectsDir) && dir !== this.objectsDir) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      dir = dirname(dir);
    }
  }

  /** `rename` into place; retried when a concurrent delete prunes the directory in between. */
  private async publish(tmp: string, dest: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
        await rename(tmp, dest);
        return;
      } catch (err) {
        if (errorCode(err) !== 'ENOENT' || attempt >= 5) throw err;
      }
    }
  }
}

async function writeFully(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) {
    const { bytesWritten } = await fh.write(data, offset, data.byteLength - offset, position + offset);
    offset += bytesWritten;
  }
}

function encodeHeader(header: Header): Buffer {
  const text = `${MAGIC}${JSON.stringify(header)}\n`;
  const bytes = Buffer.alloc(HEADER_SIZE, 0x20);
  // contentType is at most 255 ASCII characters, so the header always fits.
  bytes.write(text, 0, 'utf8');
  bytes[HEADER_SIZE - 1] = 0x0a;
  return bytes;
}

async function readHeader(fh: FileHandle, key: string): Promise<{ header: Header; mtime: Date }> {
  const corrupt = () => new ObjectStoreError('Unavailable', `Object ${JSON.stringify(key)} is corrupt.`);
  const [stats, read] = await fsStep('Reading an object', async () => {
    const buffer = Buffer.alloc(HEADER_SIZE);
    return Promise.all([fh.stat(), fh.read(buffer, 0, HEADER_SIZE, 0)]);
  });
  const text = read.buffer.subarray(0, read.bytesRead).toString('utf8');
  if (read.bytesRead !== HEADER_SIZE || !text.startsWith(MAGIC)) throw corrupt();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(MAGIC.length));
  } catch {
    throw corrupt();
  }
  const h = parsed as Partial<Header>;
  if (
    typeof h.size !== 'number' ||
    typeof h.etag !== 'string' ||
    typeof h.contentType !== 'string' ||
    stats.size !== HEADER_SIZE + h.size
  ) {
    throw corrupt();
  }
  return { header: { size: h.size, etag: h.etag, contentType: h.contentType }, mtime: stats.mtime };
}

async function removeStaleTempFiles(tmpDir: string): Promise<void> {
  const names = await fsStep('Listing temp files', () => readdir(tmpDir));
  for (const name of names) {
    const pid = TEMP_NAME.exec(name)?.[1];
    if (pid !== undefined && isProcessAlive(Number(pid))) continue;
    await fsStep('Removing a stale temp file', () =>
      rm(join(tmpDir, name), { recursive: true, force: true }),
    );
  }
}

function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM'; // exists, owned by someone else
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

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function unavailable(what: string, err: unknown): ObjectStoreError {
  return new ObjectStoreError('Unavailable', `${what} failed: ${(err as Error).message}`, { cause: err });
}

/** Runs a filesystem step, turning its failures into `Unavailable` (our own errors pass through). */
async function fsStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof ObjectStoreError) throw err;
    throw unavailable(what, err);
  }
}
