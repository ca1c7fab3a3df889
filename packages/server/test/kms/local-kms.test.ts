import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KmsError, type Kms } from '../../src/kms/kms.js';
import { LOCAL_KMS_KEY_ID, openLocalKms } from '../../src/kms/local-kms.js';
import { assertKmsError, kmsContract } from '../contracts/kms-contract.js';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh parent dir; the KMS dir inside it does not exist yet, so the KMS creates it. */
async function freshKmsDir(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'securevod-kms-'));
  roots.push(root);
  return join(root, 'kms');
}

const CONTEXT = { purpose: 'local-kms-test', videoId: 'v-9' };

function blobVersion(blob: string): number {
  const bytes = Buffer.from(blob, 'base64');
  assert.equal(bytes.subarray(0, 4).toString('ascii'), 'SVKB');
  assert.equal(bytes[4], 1, 'format version');
  return bytes.readUInt32BE(5);
}

function withVersion(blob: string, version: number): string {
  const bytes = Buffer.from(blob, 'base64');
  bytes.writeUInt32BE(version, 5);
  return bytes.toString('base64');
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

kmsContract('local KMS', async () => openLocalKms({ dir: await freshKmsDir() }));

describe('local KMS specifics', () => {
  it('creates a 0700 directory and 0600 key files of 32 bytes, even under a permissive umask', async () => {
    const dir = await freshKmsDir();
    const previous = process.umask(0o000);
    let kms: Kms;
    try {
      kms = await openLocalKms({ dir });
      await kms.rotate();
    } finally {
      process.umask(previous);
    }
    try {
      assert.equal(kms.keyId, LOCAL_KMS_KEY_ID);
      assert.equal(await mode(dir), 0o700);
      assert.deepEqual((await readdir(dir)).sort(), ['master-v1.key', 'master-v2.key'], 'no temp files left');
      for (const name of ['master-v1.key', 'master-v2.key']) {
        assert.equal(await mode(join(dir, name)), 0o600, name);
        assert.equal((await readFile(join(dir, name))).length, 32, name);
      }
      assert.notDeepEqual(
        await readFile(join(dir, 'master-v1.key')),
        await readFile(join(dir, 'master-v2.key')),
      );
    } finally {
      await kms.close();
    }
  });

  it('puts the current master-key version in every blob, and rotation moves it', async () => {
    const kms = await openLocalKms({ dir: await freshKmsDir() });
    try {
      const v1 = await kms.generateDataKey({ bytes: 32, context: CONTEXT });
      assert.equal(blobVersion(v1.ciphertextBlob), 1);
      assert.deepEqual(await kms.rotate(), { version: 2 });
      const v2 = await kms.encrypt(Uint8Array.of(1), CONTEXT);
      assert.equal(blobVersion(v2.ciphertextBlob), 2);
      assert.deepEqual(await kms.rotate(), { version: 3 });
      assert.equal(
        blobVersion((await kms.generateDataKey({ bytes: 16, context: CONTEXT })).ciphertextBlob),
        3,
      );
    } finally {
      await kms.close();
    }
  });

  it('decrypts blobs of every version after a restart, and keeps the highest version current', async () => {
    const dir = await freshKmsDir();
    const first = await openLocalKms({ dir });
    const blobs: { blob: string; plaintext: Uint8Array }[] = [];
    for (let i = 0; i < 3; i++) {
      const key = await first.generateDataKey({ bytes: 32, context: CONTEXT });
      blobs.push({ blob: key.ciphertextBlob, plaintext: key.plaintext });
      await first.rotate();
    }
    await first.close();

    const second = await openLocalKms({ dir });
    try {
      for (const { blob, plaintext } of blobs) {
        assert.deepEqual((await second.decrypt(blob, CONTEXT)).plaintext, plaintext);
      }
      assert.equal(blobVersion((await second.encrypt(Uint8Array.of(1), CONTEXT)).ciphertextBlob), 4);
    } finally {
      await second.close();
    }
  });

  it('reports a blob naming a master-key version it does not have as KeyVersionNotFound', async () => {
    const kms = await openLocalKms({ dir: await freshKmsDir() });
    try {
      const { ciphertextBlob } = await kms.encrypt(Uint8Array.of(1, 2), CONTEXT);
      await assertKmsError(
        kms.decrypt(withVersion(ciphertextBlob, 7), CONTEXT),
        ['KeyVersionNotFound'],
        'v7',
      );
      await assertKmsError(kms.decrypt(withVersion(ciphertextBlob, 0), CONTEXT), ['InvalidCiphertext'], 'v0');
    } finally {
      await kms.close();
    }
  });

  it('refuses an altered blob as InvalidCiphertext wherever the version field is intact', async () => {
    const kms = await openLocalKms({ dir: await freshKmsDir() });
    await kms.rotate(); // current version 2, so a flipped version bit is never a valid version
    try {
      const { ciphertextBlob } = await kms.generateDataKey({ bytes: 32, context: CONTEXT });
      const blob = Buffer.from(ciphertextBlob, 'base64');
      for (let i = 0; i < blob.length; i++) {
        if (i >= 5 && i < 9) continue; // the version field: covered by the test above
        const tampered = Buffer.from(blob);
        tampered[i]! ^= 0x01;
        await assertKmsError(
          kms.decrypt(tampered.toString('base64'), CONTEXT),
          ['InvalidCiphertext'],
          `byte ${i}`,
        );
      }
      // Another version's key with the same bytes fails authentication, not silently.
      await assertKmsError(
        kms.decrypt(withVersion(ciphertextBlob, 1), CONTEXT),
        ['InvalidCiphertext'],
        'v1 key',
      );
    } finally {
      await kms.close();
    }
  });

  it('shares one directory between processes: same first key, rotations seen, no version lost', async () => {
    const dir = await freshKmsDir();
    const [a, b] = await Promise.all([openLocalKms({ dir }), openLocalKms({ dir })]);
    try {
      const fromA = await a.generateDataKey({ bytes: 32, context: CONTEXT });
      assert.deepEqual((await b.decrypt(fromA.ciphertextBlob, CONTEXT)).plaintext, fromA.plaintext);

      const [ra, rb] = await Promise.all([a.rotate(), b.rotate()]);
      assert.notEqual(ra.version, rb.version, 'concurrent rotations take distinct versions');
      const fromB = await b.encrypt(Uint8Array.of(9), CONTEXT);
      const fromA2 = await a.encrypt(Uint8Array.of(8), CONTEXT);
      assert.deepEqual((await a.decrypt(fromB.ciphertextBlob, CONTEXT)).plaintext, Uint8Array.of(9));
      assert.deepEqual((await b.decrypt(fromA2.ciphertextBlob, CONTEXT)).plaintext, Uint8Array.of(8));
      assert.deepEqual((await readdir(dir)).sort(), ['master-v1.key', 'master-v2.key', 'master-v3.key']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  describe('refuses to start', () => {
    async function dirWithKey(): Promise<{ dir: string; file: string }> {
      const dir = await freshKmsDir();
      await (await openLocalKms({ dir })).close();
      return { dir, file: join(dir, 'master-v1.key') };
    }

    async function assertRefused(dir: string, pattern: RegExp): Promise<void> {
      await assert.rejects(openLocalKms({ dir }), (error: unknown) => {
        assert.ok(error instanceof KmsError);
        assert.equal(error.code, 'KmsUnavailable');
        assert.match(error.message, pattern);
        return true;
      });
    }

    for (const bits of [0o644, 0o640, 0o604, 0o620, 0o602]) {
      it(`with a key file of mode ${bits.toString(8)}, naming the file`, async () => {
        const { dir, file } = await dirWithKey();
        await chmod(file, bits);
        await assertRefused(dir, new RegExp(`${escape(file)} is accessible by group or others.*chmod 600`));
      });
    }

    for (const size of [0, 31, 33, 64]) {
      it(`with a key file of ${size} bytes, naming the file`, async () => {
        const { dir, file } = await dirWithKey();
        await writeFile(file, Buffer.alloc(size, 7), { mode: 0o600 });
        await assertRefused(dir, new RegExp(`${escape(file)} is ${size} bytes`));
      });
    }

    it('with a directory writable by others', async () => {
      const dir = await freshKmsDir();
      await mkdir(dir);
      await chmod(dir, 0o777);
      await assertRefused(dir, /writable by group or others/);
    });

    it('with a directory in place of a key file', async () => {
      const dir = await freshKmsDir();
      await mkdir(join(dir, 'master-v1.key'), { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
      await assertRefused(dir, /not a regular file/);
    });
  });

  it('never puts key material into an error', async () => {
    const dir = await freshKmsDir();
    const kms = await openLocalKms({ dir });
    await kms.rotate();
    const errors: unknown[] = [];
    const capture = (promise: Promise<unknown>) =>
      promise.then(
        () => assert.fail('expected a rejection'),
        (e) => errors.push(e),
      );
    const key = await kms.generateDataKey({ bytes: 32, context: CONTEXT });
    const blob = Buffer.from(key.ciphertextBlob, 'base64');
    await capture(kms.decrypt(key.ciphertextBlob, { ...CONTEXT, videoId: 'other' }));
    for (let i = 0; i < blob.length; i += 3) {
      const tampered = Buffer.from(blob);
      tampered[i]! ^= 0x55;
      await capture(kms.decrypt(tampered.toString('base64'), CONTEXT));
    }
    await capture(kms.decrypt(withVersion(key.ciphertextBlob, 1), CONTEXT));
    await capture(kms.decrypt(withVersion(key.ciphertextBlob, 99), CONTEXT));
    await capture(kms.decrypt('%%%', CONTEXT));
    await kms.close();
    await capture(kms.decrypt(key.ciphertextBlob, CONTEXT));

    const masters = [await readFile(join(dir, 'master-v1.key')), await readFile(join(dir, 'master-v2.key'))];
    await chmod(join(dir, 'master-v2.key'), 0o644);
    await capture(openLocalKms({ dir }));

    const secrets = [...masters, Buffer.from(key.plaintext)];
    const needles = secrets.flatMap((s) => [s.toString('hex'), s.toString('base64'), s.toString('latin1')]);
    assert.ok(errors.length > 20);
    for (const error of errors) {
      assert.ok(error instanceof KmsError, String(error));
      const text = describeError(error);
      for (const needle of needles) assert.ok(!text.includes(needle), `key material in: ${error.message}`);
      // Also no longer fragment of any key's hex, in case of partial dumps.
      for (const s of secrets) assert.ok(!text.includes(s.toString('hex').slice(0, 16)), error.message);
    }
  });
});

function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    if (e instanceof Error) {
      parts.push(e.message, e.stack ?? '', JSON.stringify(e));
      e = e.cause;
    } else {
      parts.push(String(e));
      e = undefined;
    }
  }
  return parts.join('\n');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
