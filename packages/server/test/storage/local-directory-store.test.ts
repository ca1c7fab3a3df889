import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';
import { ObjectStoreError } from '../../src/storage/object-store.js';
import { objectStoreContract, readAll } from '../contracts/object-store-contract.js';

const base = await mkdtemp(join(tmpdir(), 'securevod-local-store-'));
after(() => rm(base, { recursive: true, force: true }));

let counter = 0;
const freshRoot = () => join(base, `store-${++counter}`);

objectStoreContract('local directory', () => createLocalDirectoryStore({ root: freshRoot() }));

describe('local directory store', () => {
  it('creates its directories private to the owner, and object files 0600', async () => {
    const root = freshRoot();
    const store = await createLocalDirectoryStore({ root });
    await store.put('a/b/c', Buffer.from('x'));
    assert.equal((await stat(join(root, 'objects'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(root, '.tmp'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(root, 'objects', 'a', 'b'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(root, 'objects', 'a', 'b', 'c#'))).mode & 0o777, 0o600);
  });

  it('writes through a temp file: the object appears only once the body is complete', async () => {
    const root = freshRoot();
    const store = await createLocalDirectoryStore({ root });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstChunkSent!: () => void;
    const started = new Promise<void>((resolve) => (firstChunkSent = resolve));
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('first half, ');
      firstChunkSent();
      await gate;
      yield Buffer.from('second half');
    }
    const writing = store.put('v/source', slow());
    await started;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await store.head('v/source'), undefined);
    assert.equal((await readdir(join(root, '.tmp'))).length, 1);
    release();
    await writing;
    assert.equal((await readAll((await store.get('v/source')).body)).toString(), 'first half, second half');
    assert.deepEqual(await readdir(join(root, '.tmp')), []);
  });

  it('removes the temp file of a failed write', async () => {
    const root = freshRoot();
    const store = await createLocalDirectoryStore({ root });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(100_000);
      throw new Error('disconnected');
    }
    await assert.rejects(store.put('x', failing()), /disconnected/);
    assert.deepEqual(await readdir(join(root, '.tmp')), []);
  });

  it('on open, removes temp files left by dead processes and keeps those of live ones', async () => {
    const root = freshRoot();
    await createLocalDirectoryStore({ root });
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    assert.ok(deadPid);
    await writeFile(join(root, '.tmp', `${deadPid}-0123abcd`), 'half-written');
    await writeFile(join(root, '.tmp', 'not-ours'), 'junk');
    await writeFile(join(root, '.tmp', `${process.pid}-beef`), 'in flight');
    await createLocalDirectoryStore({ root });
    assert.deepEqual(await readdir(join(root, '.tmp')), [`${process.pid}-beef`]);
  });

  it('prunes directories left empty by deletes', async () => {
    const root = freshRoot();
    const store = await createLocalDirectoryStore({ root });
    await store.put('videos/v1/hls/720p/seg-1.m4s', Buffer.from('x'));
    await store.put('videos/v2/source', Buffer.from('y'));
    assert.equal(await store.deletePrefix('videos/v1/'), 1);
    assert.deepEqual(await readdir(join(root, 'objects', 'videos')), ['v2']);
    await store.delete('videos/v2/source');
    assert.deepEqual(await readdir(join(root, 'objects')), []);
  });

  it('reports a damaged object file as Unavailable, not as data', async () => {
    const root = freshRoot();
    const store = await createLocalDirectoryStore({ root });
    await store.put('k', Buffer.from('good'));
    await writeFile(join(root, 'objects', 'k#'), 'not an object file');
    await assert.rejects(
      store.get('k'),
      (err) => err instanceof ObjectStoreError && err.code === 'Unavailable',
    );
    await assert.rejects(
      store.head('k'),
      (err) => err instanceof ObjectStoreError && err.code === 'Unavailable',
    );
  });

  it('survives reopening: objects written by one instance are read by the next', async () => {
    const root = freshRoot();
    const first = await createLocalDirectoryStore({ root });
    await first.put('persist/me', Buffer.from('still here'), { contentType: 'text/plain' });
    const second = await createLocalDirectoryStore({ root });
    const got = await second.get('persist/me');
    assert.equal(got.contentType, 'text/plain');
    assert.equal((await readAll(got.body)).toString(), 'still here');
  });
});
