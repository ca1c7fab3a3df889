import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decryptSource, encryptSource } from '../../src/source/source-cipher.js';
import {
  deriveSourceKey,
  SOURCE_DEFAULT_CHUNK_SIZE,
  sourcePlaintextLength,
} from '../../src/source/source-format.js';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { MultipartUploadStore } from '../../src/upload/multipart-upload-store.js';
import { OssError } from '../../src/upload/oss-error.js';
import type { PartRef, UploadSealer } from '../../src/upload/upload-sealer.js';
import { readAll } from '../contracts/object-store-contract.js';

const base = await mkdtemp(join(tmpdir(), 'securevod-multipart-'));
after(() => rm(base, { recursive: true, force: true }));
let counter = 0;

async function fresh(): Promise<{ store: ObjectStore; uploads: MultipartUploadStore }> {
  const store = await createLocalDirectoryStore({ root: join(base, `s${++counter}`) });
  return { store, uploads: new MultipartUploadStore(store) };
}

const target = { bucket: 'in', objectKey: 'sourcefiles/v1/video.mp4' };
const code = (expected: string) => (err: unknown) => err instanceof OssError && err.code === expected;
const md5 = (data: Buffer) => createHash('md5').update(data).digest();

async function keys(store: ObjectStore, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const info of store.list(prefix)) found.push(info.key);
  return found;
}

describe('multipart upload store', () => {
  it('keeps its manifest and parts under .multipart/<UploadId>/ and assembles them in order', async () => {
    const { store, uploads } = await fresh();
    const manifest = await uploads.initiate({ ...target, contentType: 'video/mp4' }, new Date());
    assert.match(manifest.uploadId, /^[0-9A-F]{32}$/);
    const a = Buffer.alloc(150 * 1024, 'a');
    const b = Buffer.from('tail');
    const pa = await uploads.putPart(manifest, 2, a);
    const pb = await uploads.putPart(manifest, 10, b);
    assert.deepEqual(await keys(store, `.multipart/${manifest.uploadId}/`), [
      `.multipart/${manifest.uploadId}/00002`,
      `.multipart/${manifest.uploadId}/00010`,
      `.multipart/${manifest.uploadId}/manifest.json`,
    ]);

    const assembled = await uploads.complete(manifest, [
      { partNumber: 2, etag: pa.etag.toUpperCase() },
      { partNumber: 10, etag: pb.etag },
    ]);
    const whole = Buffer.concat([a, b]);
    assert.equal(assembled.size, whole.length);
    assert.equal(assembled.etag, createHash('md5').update(whole).digest('hex'));
    const expected = createHash('md5')
      .update(Buffer.concat([md5(a), md5(b)]))
      .digest('hex')
      .toUpperCase();
    assert.equal(assembled.multipartEtag, `${expected}-2`);
    const stored = await store.get(target.objectKey);
    assert.equal(stored.contentType, 'video/mp4');
    assert.deepEqual(await readAll(stored.body), whole);

    await uploads.discard(manifest.uploadId);
    assert.deepEqual(await keys(store, '.multipart/'), []);
    await assert.rejects(uploads.find(manifest.uploadId, target), code('NoSuchUpload'));
  });

  it('finds an upload only for its own object and only by a well-formed id', async () => {
    const { uploads } = await fresh();
    const manifest = await uploads.initiate({ ...target, contentType: 'video/mp4' }, new Date());
    assert.deepEqual(await uploads.find(manifest.uploadId, target), manifest);
    await assert.rejects(
      uploads.find(manifest.uploadId, { ...target, objectKey: 'x' }),
      code('NoSuchUpload'),
    );
    await assert.rejects(uploads.find(manifest.uploadId, { ...target, bucket: 'x' }), code('NoSuchUpload'));
    for (const id of ['', '../../etc', manifest.uploadId.toLowerCase(), `${manifest.uploadId}/x`]) {
      await assert.rejects(uploads.find(id, target), code('NoSuchUpload'), id);
    }
  });

  it('refuses object keys the store cannot hold or that lie in its own area', async () => {
    const { uploads } = await fresh();
    for (const objectKey of ['../x', 'a//b', '.multipart/x/manifest.json', 'with space.mp4']) {
      await assert.rejects(
        uploads.initiate({ bucket: 'in', objectKey, contentType: 'video/mp4' }, new Date()),
        code('InvalidObjectName'),
        objectKey,
      );
    }
  });

  it('drops a part that lands after its upload was discarded', async () => {
    const { store, uploads } = await fresh();
    const manifest = await uploads.initiate({ ...target, contentType: 'video/mp4' }, new Date());
    await uploads.discard(manifest.uploadId);
    await assert.rejects(uploads.putPart(manifest, 1, Buffer.from('late')), code('NoSuchUpload'));
    assert.deepEqual(await keys(store, '.multipart/'), []);
  });

  it('sweeps uploads with no activity since a cutoff, including parts without a manifest', async () => {
    const { store, uploads } = await fresh();
    const old = await uploads.initiate({ ...target, contentType: 'video/mp4' }, new Date());
    await uploads.putPart(old, 1, Buffer.from('x'));
    await store.put('.multipart/0123456789ABCDEF0123456789ABCDEF/00001', Buffer.from('orphan'));

    assert.equal(await uploads.sweepAbandoned(new Date(Date.now() - 60_000)), 0, 'all recent');
    assert.equal((await keys(store, '.multipart/')).length, 3);
    assert.equal(await uploads.sweepAbandoned(new Date(Date.now() + 60_000)), 2);
    assert.deepEqual(await keys(store, '.multipart/'), []);
  });
});

describe('multipart upload store with a sealer (encrypted sources)', () => {
  const key = deriveSourceKey(randomBytes(32));
  const bindingOf = (part: PartRef | undefined) =>
    part ? `part:${part.uploadId}:${part.partNumber}` : 'source:whole';
  /** The server's sealer (source-vault.ts) with a fixed key and no catalogue. */
  const sealer: UploadSealer = {
    seal: async (_key, part, plain) => encryptSource(key, bindingOf(part), plain),
    unseal: async (_key, part, stored, size) => decryptSource(key, bindingOf(part), stored, size),
    plaintextSize: (_key, part, size) =>
      sourcePlaintextLength(21 + bindingOf(part).length, SOURCE_DEFAULT_CHUNK_SIZE, size),
  };

  it('seals parts uploaded out of order and re-seals the whole object on completion', async () => {
    const store = await createLocalDirectoryStore({ root: join(base, `s${++counter}`) });
    const uploads = new MultipartUploadStore(store, sealer);
    const manifest = await uploads.initiate({ ...target, contentType: 'video/mp4' }, new Date());
    const parts = [randomBytes(150 * 1024), randomBytes(120 * 1024), randomBytes(777)];
    const etags = await Promise.all(
      [3, 1, 2].map(async (n) => ({
        partNumber: n,
        etag: (await uploads.putPart(manifest, n, parts[n - 1]!)).etag,
      })),
    );
    const listed = await uploads.listParts(manifest);
    assert.deepEqual(
      listed.map((p) => p.size),
      parts.map((p) => p.length),
      'plaintext sizes',
    );
    for (const info of await keys(store, `.multipart/${manifest.uploadId}/0`)) {
      const stored = await readAll((await store.get(info)).body);
      assert.equal(stored.subarray(0, 4).toString('latin1'), 'SVSC');
    }
    const whole = Buffer.concat(parts);
    const assembled = await uploads.complete(
      manifest,
      etags.sort((a, b) => a.partNumber - b.partNumber),
    );
    assert.equal(assembled.size, whole.length);
    assert.equal(assembled.etag, createHash('md5').update(whole).digest('hex'));
    const { body, size } = await store.get(target.objectKey);
    const plain = await readAll(decryptSource(key, 'source:whole', body, size));
    assert.ok(plain.equals(whole));
  });

  it('a part it cannot open (stored clear before sealing, or altered) is InvalidPart', async () => {
    const store = await createLocalDirectoryStore({ root: join(base, `s${++counter}`) });
    const plainUploads = new MultipartUploadStore(store);
    const manifest = await plainUploads.initiate({ ...target, contentType: 'video/mp4' }, new Date());
    const clear = await plainUploads.putPart(manifest, 1, randomBytes(1000));
    const sealed = new MultipartUploadStore(store, sealer);
    await assert.rejects(
      sealed.complete(manifest, [{ partNumber: 1, etag: clear.etag }]),
      code('InvalidPart'),
    );
    assert.equal(await store.head(target.objectKey), undefined, 'no object is written');
  });
});
