/**
 * The conformance suite every `ObjectStore` implementation must pass (STYLE §2). An adapter's test
 * file calls `objectStoreContract('name', makeStore)`; `makeStore` returns a fresh, empty store
 * each time (the adapter's test cleans up after itself).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { ObjectStoreError } from '../../src/storage/object-store.js';
import type { ObjectStore, ObjectStoreErrorCode } from '../../src/storage/object-store.js';

export function objectStoreContract(name: string, makeStore: () => Promise<ObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    it('round-trips bytes, content type, size and MD5 ETag through put, get and head', async () => {
      const store = await makeStore();
      const body = Buffer.from('hello, object store');
      const before = Date.now();
      const put = await store.put('videos/v1/source.mp4', body, { contentType: 'video/mp4' });
      assert.deepEqual(put, { size: body.length, etag: md5(body) });

      const got = await store.get('videos/v1/source.mp4');
      assert.equal(got.size, body.length);
      assert.equal(got.contentLength, body.length);
      assert.equal(got.etag, md5(body));
      assert.equal(got.contentType, 'video/mp4');
      assert.deepEqual(await readAll(got.body), body);

      const info = await store.head('videos/v1/source.mp4');
      assert.ok(info);
      assert.equal(info.key, 'videos/v1/source.mp4');
      assert.equal(info.size, body.length);
      assert.equal(info.etag, md5(body));
      assert.equal(info.contentType, 'video/mp4');
      assert.ok(info.lastModified instanceof Date);
      assert.ok(
        info.lastModified.getTime() >= before - 2000 && info.lastModified.getTime() <= Date.now() + 2000,
      );
      assert.equal(typeof store.capabilities.presign, 'boolean');
    });

    it('defaults the content type and stores empty objects', async () => {
      const store = await makeStore();
      assert.deepEqual(await store.put('empty', new Uint8Array(0)), { size: 0, etag: md5(Buffer.alloc(0)) });
      const got = await store.get('empty');
      assert.equal(got.contentType, 'application/octet-stream');
      assert.equal(got.size, 0);
      assert.equal(got.contentLength, 0);
      assert.equal((await readAll(got.body)).length, 0);
    });

    it('streams a 20 MB body from an async iterable, a Readable and an old-style stream', async () => {
      const store = await makeStore();
      const size = 20 * 1024 * 1024 + 12345;
      const expected = md5OfGenerated(size);

      assert.deepEqual(await store.put('big/iterable', generate(size)), { size, etag: expected });
      assert.deepEqual(await store.put('big/readable', Readable.from(generate(size))), {
        size,
        etag: expected,
      });
      const oldStyle = Readable.from(generate(size)) as NodeJS.ReadableStream;
      assert.deepEqual(await store.put('big/old-style', oldStyle), { size, etag: expected });

      for (const key of ['big/iterable', 'big/readable', 'big/old-style']) {
        const got = await store.get(key);
        assert.equal(got.size, size);
        assert.equal(await md5OfStream(got.body), expected, key);
      }
    });

    it('serves byte ranges: from a start, between bounds, and clamped past the end', async () => {
      const store = await makeStore();
      const body = Buffer.from('0123456789');
      await store.put('r', body);

      const cases: [{ start: number; end?: number }, string][] = [
        [{ start: 3 }, '3456789'],
        [{ start: 2, end: 5 }, '2345'],
        [{ start: 0, end: 0 }, '0'],
        [{ start: 9 }, '9'],
        [{ start: 7, end: 1000 }, '789'],
      ];
      for (const [range, text] of cases) {
        const got = await store.get('r', { range });
        assert.equal(got.size, 10, JSON.stringify(range));
        assert.equal(got.contentLength, text.length, JSON.stringify(range));
        assert.equal(got.etag, md5(body));
        assert.equal((await readAll(got.body)).toString(), text, JSON.stringify(range));
      }
    });

    it('refuses ranges that do not overlap the object with InvalidRange', async () => {
      const store = await makeStore();
      await store.put('r', Buffer.from('0123456789'));
      await store.put('empty', new Uint8Array(0));
      await rejectsWith(store.get('r', { range: { start: 10 } }), 'InvalidRange');
      await rejectsWith(store.get('r', { range: { start: 11, end: 20 } }), 'InvalidRange');
      await rejectsWith(store.get('r', { range: { start: 5, end: 4 } }), 'InvalidRange');
      await rejectsWith(store.get('r', { range: { start: -1 } }), 'InvalidRange');
      await rejectsWith(store.get('empty', { range: { start: 0 } }), 'InvalidRange');
    });

    it('overwrites an object whole, including its content type', async () => {
      const store = await makeStore();
      await store.put('o', Buffer.from('first version, longer'), { contentType: 'text/plain' });
      const second = Buffer.from('second');
      assert.deepEqual(await store.put('o', second, { contentType: 'application/json' }), {
        size: second.length,
        etag: md5(second),
      });
      const got = await store.get('o');
      assert.equal(got.contentType, 'application/json');
      assert.deepEqual(await readAll(got.body), second);
      assert.equal((await store.head('o'))?.size, second.length);
    });

    it('keeps a get started before an overwrite reading the old object whole', async () => {
      const store = await makeStore();
      const first = Buffer.alloc(3 * 1024 * 1024, 'a');
      await store.put('o', first);
      const reading = await store.get('o');
      await store.put('o', Buffer.from('b'));
      assert.deepEqual(await readAll(reading.body), first);
      assert.equal((await readAll((await store.get('o')).body)).toString(), 'b');
    });

    it('leaves the previous object in place when the body fails mid-way', async () => {
      const store = await makeStore();
      await store.put('o', Buffer.from('old'));
      const boom = new Error('client went away');
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield Buffer.alloc(1024 * 1024, 1);
        throw boom;
      }
      await assert.rejects(store.put('o', failing()), (err) => err === boom);
      await assert.rejects(store.put('never', failing()), (err) => err === boom);
      assert.equal((await readAll((await store.get('o')).body)).toString(), 'old');
      assert.equal(await store.head('never'), undefined);
      assert.deepEqual(await keysOf(store, ''), ['o']);
    });

    it('reports a missing object as NotFound from get and undefined from head', async () => {
      const store = await makeStore();
      await rejectsWith(store.get('missing/key'), 'NotFound');
      assert.equal(await store.head('missing/key'), undefined);
      await store.put('present', Buffer.from('x'));
      await rejectsWith(store.get('present/child'), 'NotFound');
      assert.equal(await store.head('present/child'), undefined);
    });

    it('deletes idempotently', async () => {
      const store = await makeStore();
      await store.delete('never/existed');
      await store.put('d/x', Buffer.from('x'));
      await store.delete('d/x');
      await store.delete('d/x');
      assert.equal(await store.head('d/x'), undefined);
      await rejectsWith(store.get('d/x'), 'NotFound');
      assert.deepEqual(await keysOf(store, ''), []);
    });

    it('keeps an object and the objects under the same name as a prefix apart', async () => {
      const store = await makeStore();
      await store.put('a/b', Buffer.from('parent'));
      await store.put('a/b/c', Buffer.from('child'));
      assert.equal((await readAll((await store.get('a/b')).body)).toString(), 'parent');
      assert.equal((await readAll((await store.get('a/b/c')).body)).toString(), 'child');
      await store.delete('a/b');
      assert.equal((await readAll((await store.get('a/b/c')).body)).toString(), 'child');
    });

    it('lists by string prefix in ascending key order', async () => {
      const store = await makeStore();
      const keys = ['a', 'a/b', 'a/b/c', 'a-c', 'a/b-d', 'ab/x', 'b/1', 'b/10', 'b/2', '.multipart/u/00001'];
      for (const key of [...keys].reverse()) await store.put(key, Buffer.from(key));
      const sorted = [...keys].sort();
      assert.deepEqual(await keysOf(store, ''), sorted);
      assert.deepEqual(
        await keysOf(store, 'a'),
        sorted.filter((k) => k.startsWith('a')),
      );
      assert.deepEqual(await keysOf(store, 'a/'), ['a/b', 'a/b-d', 'a/b/c']);
      assert.deepEqual(await keysOf(store, 'a/b'), ['a/b', 'a/b-d', 'a/b/c']);
      assert.deepEqual(await keysOf(store, 'a/b/'), ['a/b/c']);
      assert.deepEqual(await keysOf(store, 'b/1'), ['b/1', 'b/10']);
      assert.deepEqual(await keysOf(store, '.'), ['.multipart/u/00001']);
      assert.deepEqual(await keysOf(store, 'zzz/'), []);

      const infos = [];
      for await (const info of store.list('b/')) infos.push(info);
      assert.deepEqual(
        infos.map((i) => [i.key, i.size, i.etag]),
        ['b/1', 'b/10', 'b/2'].map((k) => [k, k.length, md5(Buffer.from(k))]),
      );
    });

    it('deletes by string prefix and counts what it deleted', async () => {
      const store = await makeStore();
      for (const key of ['v/1/a', 'v/1/b/c', 'v/10/a', 'v/2/a', 'w']) await store.put(key, Buffer.from(key));
      assert.equal(await store.deletePrefix('v/1/'), 2);
      assert.deepEqual(await keysOf(store, ''), ['v/10/a', 'v/2/a', 'w']);
      assert.equal(await store.deletePrefix('v/1'), 1);
      assert.equal(await store.deletePrefix('v/1'), 0);
      assert.deepEqual(await keysOf(store, ''), ['v/2/a', 'w']);
      await rejectsWith(store.deletePrefix(''), 'InvalidKey');
      assert.deepEqual(await keysOf(store, ''), ['v/2/a', 'w']);
    });

    it('refuses invalid keys and prefixes with InvalidKey', async () => {
      const store = await makeStore();
      const invalid = [
        '',
        '/abs',
        'a//b',
        'a/',
        '..',
        '../x',
        'a/../b',
        'a/./b',
        '.',
        'a\\b',
        'a\0b',
        'with space',
        'hash#',
        'c:/x',
        'x'.repeat(1025),
        `${'y'.repeat(201)}/z`,
      ];
      for (const key of invalid) {
        const label = JSON.stringify(key);
        await rejectsWith(store.put(key, Buffer.from('x')), 'InvalidKey', label);
        await rejectsWith(store.get(key), 'InvalidKey', label);
        await rejectsWith(store.head(key), 'InvalidKey', label);
        await rejectsWith(store.delete(key), 'InvalidKey', label);
      }
      for (const prefix of ['/abs', 'a//', '../', 'a/../', 'a\\', 'sp ace']) {
        await rejectsWith(keysOf(store, prefix), 'InvalidKey', JSON.stringify(prefix));
        await rejectsWith(store.deletePrefix(prefix), 'InvalidKey', JSON.stringify(prefix));
      }
      assert.deepEqual(await keysOf(store, ''), []);
    });

    it('accepts every allowed key character', async () => {
      const store = await makeStore();
      const key = "AZaz09!-_.*'()=+,@~/.hidden/x.y";
      await store.put(key, Buffer.from('ok'));
      assert.equal((await readAll((await store.get(key)).body)).toString(), 'ok');
      assert.deepEqual(await keysOf(store, ''), [key]);
    });

    it('answers ping while usable', async () => {
      const store = await makeStore();
      await store.ping();
    });

    it('refuses an unusable content type with InvalidArgument', async () => {
      const store = await makeStore();
      await rejectsWith(
        store.put('k', Buffer.from('x'), { contentType: 'text/plain\r\nx: y' }),
        'InvalidArgument',
      );
      await rejectsWith(
        store.put('k', Buffer.from('x'), { contentType: 'x'.repeat(256) }),
        'InvalidArgument',
      );
      assert.equal(await store.head('k'), undefined);
    });
  });
}

export function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function md5OfStream(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

/** Deterministic bytes, 64 KiB at a time, each chunk stamped with its index. */
function* chunks(size: number): Generator<Buffer> {
  const block = createHash('sha512').update('seed').digest();
  for (let offset = 0, n = 0; offset < size; n++) {
    const length = Math.min(64 * 1024, size - offset);
    const chunk = Buffer.alloc(length);
    for (let i = 0; i < length; i += block.length) block.copy(chunk, i);
    chunk.writeUInt32BE(n, 0);
    offset += length;
    yield chunk;
  }
}

async function* generate(size: number): AsyncGenerator<Uint8Array> {
  yield* chunks(size);
}

function md5OfGenerated(size: number): string {
  const hash = createHash('md5');
  for (const chunk of chunks(size)) hash.update(chunk);
  return hash.digest('hex');
}

async function keysOf(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  return keys;
}

async function rejectsWith(promise: Promise<unknown>, code: ObjectStoreErrorCode, label = ''): Promise<void> {
  await assert.rejects(
    promise,
    (err) => err instanceof ObjectStoreError && err.code === code,
    `expected ObjectStoreError ${code} ${label}`,
  );
}
