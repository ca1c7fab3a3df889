/**
 * A real S3-protocol server for tests: s3rver (npm) in this process, on a free loopback port, in
 * a temp directory, with the credentials it accepts (`S3RVER`/`S3RVER`).
 *
 * s3rver departs from S3 where our adapter relies on S3's documented behaviour. The fixture fixes
 * exactly those places, so the tests check S3 semantics rather than s3rver's:
 *  1. s3rver writes objects (PutObject, CopyObject, CompleteMultipartUpload) in place, so a GET
 *     still streaming the old object sees it truncated. S3 replaces an object atomically: here an
 *     object is written to a temp file and renamed into place.
 *  2. s3rver decodes `x-amz-copy-source` with decodeURI, which leaves `%23` (`#`) and other
 *     reserved characters encoded; S3 percent-decodes the whole header.
 *  3. s3rver does not implement UploadPartCopy (copying objects over 5 GiB) nor
 *     AbortMultipartUpload; the fixture does.
 *  4. s3rver's ListObjectsV2 returns keys in file-system walk order, not S3's binary key order,
 *     and a truncated page fails with HTTP 500 (its continuation token uses DES, which OpenSSL 3
 *     refuses). The fixture answers ListObjectsV2 itself from s3rver's store, sorted.
 *
 * Every request is recorded (method, path, query names, body length) so tests can check how the
 * adapter talks to S3: multipart parts, page sizes, copies.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver, { type S3rverContext } from 's3rver';
import FilesystemStore, { type StoredObject } from 's3rver/lib/stores/filesystem.js';

export interface S3RequestRecord {
  readonly method: string;
  readonly path: string;
  /** Query parameter names, e.g. `['uploadId', 'partNumber']`, `['list-type', 'max-keys']`. */
  readonly query: Record<string, string | undefined>;
  readonly contentLength: number;
  readonly copySource: boolean;
}

export interface S3TestServer {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Where s3rver keeps the buckets, one directory each. */
  readonly directory: string;
  readonly requests: S3RequestRecord[];
  /** Creates a bucket with a fresh name (or `name`) and returns its name. */
  createBucket(name?: string): Promise<string>;
  /** Every file under the bucket's directory, e.g. to scan what is stored. */
  bucketFiles(bucket: string): Promise<string[]>;
  /** Stores an object directly, bypassing the adapter (e.g. what a crashed process left). */
  putRaw(bucket: string, key: string, body: Buffer): Promise<void>;
  /** Incomplete multipart uploads in the bucket. */
  pendingUploads(bucket: string): Promise<string[]>;
  /**
   * Stops listening and drops every open connection, as a crashed or restarting S3 endpoint
   * would: clients get connection errors until `resume()` listens again on the same port.
   */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

class AtomicFilesystemStore extends FilesystemStore {
  async putObject(object: StoredObject): Promise<{ size: number; md5: string }> {
    const path = this.getResourcePath(object.bucket, object.key, 'object');
    const hash = createHash('md5');
    let size = 0;
    await writeAtomically(path, async (temp) => {
      const source = Readable.from(Buffer.isBuffer(object.content) ? [object.content] : object.content);
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(temp),
      );
    });
    const md5 = hash.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size, md5 };
  }

  async copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata: Record<string, unknown> | null,
  ): Promise<Record<string, string>> {
    const source = this.getResourcePath(srcBucket, srcKey, 'object');
    const dest = this.getResourcePath(destBucket, destKey, 'object');
    const sourceMetadata = await this.getMetadata(srcBucket, srcKey);
    if (source !== dest) await writeAtomically(dest, (temp) => copyFile(source, temp));
    const md5 = JSON.parse(sourceMetadata.etag!) as string;
    await this.putMetadata(destBucket, destKey, replacementMetadata ?? sourceMetadata, md5);
    return this.getMetadata(destBucket, destKey);
  }
}

async function writeAtomically(path: string, write: (temp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(6).toString('hex')}.partial`;
  try {
    await write(temp);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

export async function startS3Server(): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'securevod-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: !process.env.S3RVER_LOG, directory });
  const store = new AtomicFilesystemStore(directory);
  server.store = store;
  server.context.store = store;
  const requests: S3RequestRecord[] = [];

  // Runs before s3rver's own middleware (Koa composes the list when the server starts).
  server.middleware.unshift(async (ctx: S3rverContext, next: () => Promise<void>) => {
    const copySource = header(ctx, 'x-amz-copy-source');
    requests.push({
      method: ctx.method,
      path: ctx.path,
      query: { ...ctx.query },
      contentLength: Number(header(ctx, 'content-length') ?? 0),
      copySource: copySource !== undefined,
    });
    if (ctx.method === 'GET' && ctx.query['list-type'] === '2' && ctx.query.delimiter === undefined) {
      await listObjectsV2(ctx, store);
      return;
    }
    if (ctx.method === 'DELETE' && ctx.query.uploadId !== undefined) {
      const dir = join(
        store.getResourcePath(ctx.path.split('/')[1]!, undefined, 'uploads'),
        ctx.query.uploadId,
      );
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    if (copySource === undefined) return next();
    const decoded = decodeURIComponent(copySource);
    if (ctx.method === 'PUT' && ctx.query.uploadId !== undefined) {
      await uploadPartCopy(ctx, store, decoded);
      return;
    }
    ctx.headers['x-amz-copy-source'] = encodeURI(decoded); // what s3rver's decodeURI undoes
    return next();
  });

  const address = await server.run();
  let counter = 0;
  // s3rver's own `close` also shuts its logger down for good; a pause must not.
  type Listening = import('node:http').Server;
  const internals = server as unknown as {
    httpServer: Listening;
    listen(port: number, host: string): Promise<Listening>;
  };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    directory,
    requests,
    async createBucket(name) {
      const bucket = name ?? `test-${process.pid}-${++counter}-${randomBytes(3).toString('hex')}`;
      await store.putBucket(bucket);
      return bucket;
    },
    async bucketFiles(bucket) {
      return listFiles(join(directory, bucket));
    },
    async putRaw(bucket, key, body) {
      await store.putObject({ bucket, key, metadata: {}, content: body, size: body.length });
    },
    async pendingUploads(bucket) {
      const dir = store.getResourcePath(bucket, undefined, 'uploads');
      return readdir(dir).catch(() => []);
    },
    async pause() {
      const http = internals.httpServer;
      http.removeAllListeners('close');
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
    },
    async resume() {
      internals.httpServer = await internals.listen(address.port, '127.0.0.1');
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** UploadPartCopy: a byte range of an existing object becomes one part of a multipart upload. */
async function uploadPartCopy(ctx: S3rverContext, store: FilesystemStore, source: string): Promise<void> {
  const [, destBucket] = ctx.path.split('/');
  const [srcBucket, ...srcKey] = source.replace(/^\//, '').split('/');
  const range = /^bytes=(\d+)-(\d+)$/.exec(header(ctx, 'x-amz-copy-source-range') ?? '');
  if (!range || !srcBucket || !destBucket) throw new Error('UploadPartCopy fixture: bad request');
  const object = await store.getObject(srcBucket, srcKey.join('/'), {
    start: Number(range[1]),
    end: Number(range[2]),
  });
  if (!object?.content) throw new Error('UploadPartCopy fixture: no such source or range');
  const { md5 } = await store.putPart(
    destBucket,
    ctx.query.uploadId!,
    Number(ctx.query.partNumber),
    object.content as Readable,
  );
  ctx.type = 'application/xml';
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<CopyPartResult><LastModified>${new Date().toISOString()}</LastModified>` +
    `<ETag>"${md5}"</ETag></CopyPartResult>`;
}

/** ListObjectsV2 without delimiter: prefix, start-after / continuation-token, max-keys. */
async function listObjectsV2(ctx: S3rverContext, store: FilesystemStore): Promise<void> {
  const bucket = ctx.path.split('/')[1]!;
  const prefix = ctx.query.prefix ?? '';
  const token = ctx.query['continuation-token'];
  const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (ctx.query['start-after'] ?? '');
  const maxKeys = Math.min(Number(ctx.query['max-keys'] ?? 1000), 1000);
  const { objects } = await store.listObjects(bucket, { prefix });
  const sorted = objects
    .filter((o) => o.key > after)
    .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  const page = sorted.slice(0, maxKeys);
  const truncated = sorted.length > page.length;
  const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const contents = page
    .map(
      (o) =>
        `<Contents><Key>${xml(o.key)}</Key><LastModified>${o.lastModifiedDate.toISOString()}</LastModified>` +
        `<ETag>${xml(o.metadata.etag ?? '')}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('');
  ctx.type = 'application/xml';
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucket)}</Name>` +
    `<Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
    `<IsTruncated>${truncated}</IsTruncated>` +
    (truncated
      ? `<NextContinuationToken>${Buffer.from(page.at(-1)!.key).toString('base64url')}</NextContinuationToken>`
      : '') +
    `${contents}</ListBucketResult>`;
}

function header(ctx: S3rverContext, name: string): string | undefined {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}
