/**
 * The S3 adapter against a real S3-protocol server (s3rver, started here): the shared object-store
 * contract, then what only S3 has — multipart streaming, paginated prefix deletes, server-side
 * copies, staging clean-up and reachability.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { utimes } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { ObjectStoreError, type ObjectStore } from '../../src/storage/object-store.js';
import { createS3ObjectStore, type S3ObjectStoreOptions } from '../../src/storage/s3-object-store.js';
import { md5, objectStoreContract, readAll } from '../contracts/object-store-contract.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

const MIB = 1024 * 1024;
let s3: S3TestServer;
before(async () => {
  s3 = await startS3Server();
});
after(() => s3.close());

function optionsFor(bucket: string, extra: Partial<S3ObjectStoreOptions> = {}): S3ObjectStoreOptions {
  return {
    bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    forcePathStyle: true,
    // The smallest part S3 allows, so the contract's 20 MB bodies go through multipart.
    partSize: 5 * MIB,
    ...extra,
  };
}

async function freshStore(
  extra: Partial<S3ObjectStoreOptions> = {},
): Promise<{ store: ObjectStore; bucket: string }> {
  const bucket = await s3.createBucket();
  return { store: await createS3ObjectStore(optionsFor(bucket, extra)), bucket };
}

objectStoreContract('S3 (s3rver)', async () => (await freshStore()).store);

/** Requests s3rver saw for `bucket` since `from` (an index into s3.requests). */
function requestsFor(bucket: string, from: number) {
  return s3.requests.slice(from).filter((r) => r.path === `/${bucket}` || r.path.startsWith(`/${bucket}/`));
}

async function* generated(size: number, seed = 0): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < size; offset += 64 * 1024) {
    const chunk = Buffer.alloc(Math.min(64 * 1024, size - offset), (offset / 65536 + seed) % 251);
    yield chunk;
  }
}

async function md5Of(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

describe('S3 object store', () => {
  it('streams a large body as multipart parts no bigger than the part size, and keeps its MD5', async () => {
    const { store, bucket } = await freshStore();
    const from = s3.requests.length;
    const size = 23 * MIB + 17;
    const expected = await md5Of(generated(size));
    assert.deepEqual(await store.put('big/source', generated(size), { contentType: 'video/mp4' }), {
      size,
      etag: expected,
    });
    const seen = requestsFor(bucket, from);
    const parts = seen.filter((r) => r.method === 'PUT' && r.query.partNumber !== undefined);
    assert.ok(parts.length >= 5, `${parts.length} parts`);
    const largest = Math.max(...seen.map((r) => r.contentLength));
    assert.ok(largest <= 5 * MIB, `largest request body ${largest} bytes: never the whole object`);
    assert.ok(
      seen.some((r) => r.copySource),
      'the staged object is copied onto its key',
    );

    const info = await store.head('big/source');
    assert.equal(info?.etag, expected, 'head reports the MD5 of the content, not the multipart ETag');
    assert.equal(info?.contentType, 'video/mp4');
    const listed = [];
    for await (const i of store.list('big/')) listed.push(i);
    assert.deepEqual(
      listed.map((i) => [i.key, i.size, i.etag]),
      [['big/source', size, expected]],
      'no staging object is visible',
    );
    const files = await s3.bucketFiles(bucket);
    assert.ok(!files.some((f) => f.includes('staging')), 'the staging object is gone');
  });

  it('serves ranges of a multipart object from the right offsets', async () => {
    const { store } = await freshStore();
    const size = 11 * MIB;
    await store.put('r', generated(size, 7));
    const whole = await readAll(generated(size, 7));
    for (const [start, end] of [
      [0, 0],
      [5 * MIB - 3, 5 * MIB + 3],
      [size - 10, size + 100],
    ] as const) {
      const got = await store.get('r', { range: { start, end } });
      const expected = whole.subarray(start, Math.min(end, size - 1) + 1);
      assert.equal(got.contentLength, expected.length);
      assert.equal(got.size, size);
      assert.deepEqual(await readAll(got.body), expected);
    }
  });

  it('aborts the multipart upload of a body that fails, leaving no parts and no staging object', async () => {
    const { store, bucket } = await freshStore();
    const boom = new Error('uploader went away');
    async function* failing(): AsyncGenerator<Buffer> {
      yield* generated(12 * MIB);
      throw boom;
    }
    await assert.rejects(store.put('half', failing()), (err) => err === boom);
    assert.equal(await store.head('half'), undefined);
    assert.deepEqual(await s3.pendingUploads(bucket), []);
    assert.deepEqual(await s3.bucketFiles(bucket), []);
  });

  it('deletes a prefix page by page', async () => {
    const { store, bucket } = await freshStore({ listPageSize: 3 });
    for (let i = 0; i < 10; i++)
      await store.put(`jobs/j1/seg-${String(i).padStart(2, '0')}`, Buffer.from(`${i}`));
    await store.put('jobs/j10/keep', Buffer.from('k'));
    await store.put('jobs/j2/keep', Buffer.from('k'));
    const from = s3.requests.length;
    assert.equal(await store.deletePrefix('jobs/j1/'), 10);
    const seen = requestsFor(bucket, from);
    const lists = seen.filter((r) => r.method === 'GET' && r.query['list-type'] === '2');
    const deletes = seen.filter((r) => r.method === 'POST' && r.query.delete !== undefined);
    assert.ok(lists.length >= 4, `${lists.length} list pages`);
    assert.ok(lists.every((r) => r.query['max-keys'] === '3'));
    assert.equal(deletes.length, 4, 'one DeleteObjects per page');
    const left = [];
    for await (const info of store.list('jobs/')) left.push(info.key);
    assert.deepEqual(left, ['jobs/j10/keep', 'jobs/j2/keep']);
  });

  it('lists across pages in key order', async () => {
    const { store } = await freshStore({ listPageSize: 2 });
    const keys = ['p/a', 'p/b', 'p/c/d', 'p/e', 'p/f', 'q'];
    for (const key of [...keys].reverse()) await store.put(key, Buffer.from(key));
    const listed = [];
    for await (const info of store.list('p/')) listed.push([info.key, info.etag]);
    assert.deepEqual(
      listed,
      keys.filter((k) => k.startsWith('p/')).map((k) => [k, md5(Buffer.from(k))]),
    );
  });

  it('copies objects larger than one CopyObject in parts (UploadPartCopy)', async () => {
    const { store, bucket } = await freshStore({ maxCopyBytes: 6 * MIB });
    const from = s3.requests.length;
    const size = 13 * MIB + 5;
    const expected = await md5Of(generated(size, 3));
    assert.deepEqual(await store.put('huge', generated(size, 3)), { size, etag: expected });
    const copies = requestsFor(bucket, from).filter((r) => r.copySource && r.query.uploadId !== undefined);
    assert.ok(copies.length >= 2, `${copies.length} part copies`);
    assert.equal((await store.head('huge'))?.etag, expected);
    assert.equal(await md5Of((await store.get('huge')).body), expected);
  });

  it('removes staging objects a crashed process left, once they are a day old', async () => {
    const bucket = await s3.createBucket();
    const first = await createS3ObjectStore(optionsFor(bucket));
    await first.put('real', Buffer.from('x'));
    // Staging objects as a crash between upload and copy leaves them: one old, one fresh.
    const files = async () => (await s3.bucketFiles(bucket)).filter((f) => f.includes('#staging'));
    await s3.putRaw(bucket, '#staging/old', Buffer.from('left over'));
    await s3.putRaw(bucket, '#staging/fresh', Buffer.from('in flight'));
    const [old] = (await files()).filter((f) => f.includes('old') && f.endsWith('_S3rver_object'));
    assert.ok(old);
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    await utimes(old, twoDaysAgo, twoDaysAgo);
    await createS3ObjectStore(optionsFor(bucket));
    const left = await files();
    assert.ok(!left.some((f) => f.includes('old')), 'the old staging object is removed');
    assert.ok(
      left.some((f) => f.includes('fresh')),
      'a fresh one may belong to a live upload: kept',
    );
    assert.equal((await readAll((await first.get('real')).body)).toString(), 'x');
  });

  it('fails to open, naming the bucket, when the bucket does not exist or the service is down', async () => {
    await assert.rejects(createS3ObjectStore(optionsFor('no-such-bucket-here')), (err: unknown) => {
      assert.ok(err instanceof ObjectStoreError);
      assert.equal(err.code, 'Unavailable');
      assert.match(err.message, /no-such-bucket-here/);
      return true;
    });
    await assert.rejects(
      createS3ObjectStore({ ...optionsFor('any'), endpoint: 'http://127.0.0.1:9' }),
      (err: unknown) =>
        err instanceof ObjectStoreError && err.code === 'Unavailable' && /any/.test(err.message),
    );
  });

  it('answers ping while reachable', async () => {
    const { store } = await freshStore();
    await store.ping();
  });
});
