import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decryptSource, encryptSource, openEncryptedSource } from '../../src/source/source-cipher.js';
import {
  deriveSourceKey,
  SOURCE_MAX_HEADER_LENGTH,
  SourceFormatError,
  sourcePlaintextLength,
  sourceStoredSize,
} from '../../src/source/source-format.js';
import { createLocalDirectoryStore } from '../../src/storage/local-directory-store.js';

const dir = await mkdtemp(join(tmpdir(), 'securevod-source-format-'));
after(() => rm(dir, { recursive: true, force: true }));
const store = await createLocalDirectoryStore({ root: dir });

const DATA_KEY = Buffer.from([...Array(32).keys()]);
const KEY = deriveSourceKey(Buffer.from(DATA_KEY));
const BINDING = 'source:00112233445566778899aabbccddeeff';
const PREFIX = Buffer.from('a0a1a2a3a4a5a6a7', 'hex');
const PLAINTEXT = Buffer.from('Source bytes at rest: 40 bytes of text.\n');

async function* once(bytes: Buffer) {
  yield bytes;
}
async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}
/** Cuts `bytes` into pieces of random sizes, as a network would. */
async function* pieces(bytes: Buffer) {
  for (let at = 0; at < bytes.length;) {
    const n = 1 + Math.floor(Math.random() * 50);
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

/** The hex block of the "Encrypted source" section's test vector, comments stripped. */
async function vectorFromDocs(): Promise<{ text: string; bytes: Buffer }> {
  const markdown = await readFile(new URL('../../../../docs/formats.md', import.meta.url), 'utf8');
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Encrypted source'));
  assert.ok(section, 'docs/formats.md has an "## Encrypted source" section');
  const text = section.split(/^### /m).find((s) => s.startsWith('Test vector'));
  assert.ok(text, 'with a "### Test vector"');
  const block = /```hex\n([\s\S]*?)```/.exec(text)?.[1];
  assert.ok(block);
  const hex = block
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .join('');
  return { text, bytes: Buffer.from(hex, 'hex') };
}

async function stored(name: string, bytes: Buffer) {
  await store.put(name, bytes);
  return openEncryptedSource(store, name, KEY, BINDING, {
    storedSize: bytes.length,
    firstBytes: bytes.subarray(0, SOURCE_MAX_HEADER_LENGTH),
  });
}

describe('encrypted source test vector (docs/formats.md, "Encrypted source")', () => {
  it('the writer reproduces the documented object and the source key', async () => {
    const { text, bytes } = await vectorFromDocs();
    assert.ok(text.includes(KEY.toString('hex')), 'the documented source key is HKDF of the data key');
    const written = await collect(
      encryptSource(KEY, BINDING, once(PLAINTEXT), { chunkSize: 16, noncePrefix: PREFIX }),
    );
    assert.equal(written.toString('hex'), bytes.toString('hex'));
    assert.equal(bytes.length, sourceStoredSize(60, 16, PLAINTEXT.length));
    assert.equal(sourcePlaintextLength(60, 16, bytes.length), PLAINTEXT.length);
  });

  it('matches an independent node:crypto computation of each chunk', async () => {
    const { bytes } = await vectorFromDocs();
    const header = bytes.subarray(0, 60);
    for (const [i, final, len] of [
      [0, 0, 16],
      [1, 0, 16],
      [2, 1, 8],
    ] as const) {
      const iv = Buffer.concat([PREFIX, Buffer.from([0, 0, 0, i])]);
      const cipher = createCipheriv('aes-256-gcm', KEY, iv).setAAD(
        Buffer.concat([header, Buffer.from([0, 0, 0, i, final])]),
      );
      const ct = Buffer.concat([cipher.update(PLAINTEXT.subarray(i * 16, i * 16 + len)), cipher.final()]);
      const at = 60 + i * 32;
      assert.equal(
        bytes.subarray(at, at + len + 16).toString('hex'),
        Buffer.concat([ct, cipher.getAuthTag()]).toString('hex'),
      );
    }
  });

  it('reads back whole, and every byte range by random access', async () => {
    const { bytes } = await vectorFromDocs();
    assert.deepEqual(await collect(decryptSource(KEY, BINDING, pieces(bytes), bytes.length)), PLAINTEXT);
    const opened = await stored('vector', bytes);
    assert.equal(opened.size, 40);
    for (let start = 0; start < 40; start++) {
      for (let end = start; end < 40; end++) {
        assert.deepEqual(await collect(opened.read(start, end)), PLAINTEXT.subarray(start, end + 1));
      }
    }
  });

  it('refuses every altered byte, a truncation at a chunk boundary, and another binding', async () => {
    const { bytes } = await vectorFromDocs();
    for (let i = 0; i < bytes.length; i++) {
      const altered = Buffer.from(bytes);
      altered[i]! ^= 0x01;
      await assert.rejects(
        collect(decryptSource(KEY, BINDING, once(altered), altered.length)),
        SourceFormatError,
        `byte ${i}`,
      );
    }
    const cut = bytes.subarray(0, 60 + 64); // chunks 0 and 1 only
    await assert.rejects(collect(decryptSource(KEY, BINDING, once(cut), cut.length)), { code: 'Tampered' });
    const opened = await stored('cut', cut);
    await assert.rejects(collect(opened.read(16, 31)), { code: 'Tampered' });
    await assert.rejects(
      collect(decryptSource(KEY, 'source:ffeeddccbbaa99887766554433221100', once(bytes), bytes.length)),
      {
        code: 'WrongBinding',
      },
    );
    const otherKey = deriveSourceKey(randomBytes(32));
    await assert.rejects(collect(decryptSource(otherKey, BINDING, once(bytes), bytes.length)), {
      code: 'Tampered',
    });
  });
});

describe('encrypted source round trips', () => {
  for (const size of [0, 1, 15, 16, 17, 48, 1000, 70_000, 65_536 * 2]) {
    it(`${size} bytes, default and 16-byte chunks, fed in random pieces`, async () => {
      const plain = randomBytes(size);
      for (const chunkSize of [16, undefined]) {
        const sealed = await collect(encryptSource(KEY, BINDING, pieces(plain), { chunkSize }));
        assert.deepEqual(await collect(decryptSource(KEY, BINDING, pieces(sealed), sealed.length)), plain);
        const opened = await stored(`rt-${size}-${chunkSize}`, sealed);
        assert.equal(opened.size, size);
        if (size > 0) {
          const start = Math.floor(size / 3);
          const end = Math.min(size - 1, start + 20_000);
          assert.deepEqual(await collect(opened.read(start, end)), plain.subarray(start, end + 1));
          assert.deepEqual(await collect(opened.read(size - 1, size - 1)), plain.subarray(size - 1));
        }
      }
    });
  }
});
