import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createDecipheriv, randomBytes as nodeRandomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  DECRYPT_FAILED_MESSAGE,
  SegmentCryptoError,
  aes128SegmentIv,
  bytesToHex,
  decryptAes128Segment,
  decryptPrivateSegment,
  encryptAes128Segment,
  encryptPrivateSegment,
  formatHlsIv,
  hexToBytes,
  importPrivateSegmentKey,
  isPrivateSegment,
  utf8Encode,
  type PrivateSegmentContext,
} from '@securevod/crypto';

const run = promisify(execFile);

// Keys of the key-hierarchy vector (docs/formats.md): aes-128/hd/0 and aes-256-gcm/hd/0.
const KEY16 = hexToBytes('8c825cda5deb9203dd6fef93177d93f5');
const KEY32 = hexToBytes('a654fd2895cfd19468721a5cbd30570c9125a387b7996c4f176b43a66c49d484');
const VIDEO_ID = '9f2c4e1a7b3d4c8e9a0b1c2d3e4f5a6b';
const SAMPLE = utf8Encode('securevod segment');
const CONTEXT: PrivateSegmentContext = { videoId: VIDEO_ID, rendition: 'hd', segmentIndex: 3 };

async function docSection(title: string): Promise<string> {
  const markdown = await readFile(new URL('../../../docs/formats.md', import.meta.url), 'utf8');
  const section = markdown.split(/^## /m).find((s) => s.startsWith(title));
  assert.ok(section, `docs/formats.md has a "## ${title}" section`);
  const vector = section.split(/^### /m).find((s) => s.startsWith('Test vector'));
  assert.ok(vector, `the "${title}" section has a "### Test vector" subsection`);
  return vector;
}

function assertDecryptFailed(error: unknown): true {
  assert.ok(error instanceof SegmentCryptoError, String(error));
  assert.equal(error.code, 'DecryptFailed');
  assert.equal(error.message, DECRYPT_FAILED_MESSAGE);
  return true;
}

function assertMalformed(mentions: RegExp): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof SegmentCryptoError, String(error));
    assert.equal(error.code, 'Malformed');
    assert.match(error.message, mentions);
    return true;
  };
}

describe('standard HLS AES-128 segments', () => {
  it('match the documented IVs and ciphertext', async () => {
    const text = await docSection('Standard HLS encryption');
    const rows = [...text.matchAll(/^\|\s+`(\d+)`\s+\|\s+`(0x[0-9a-f]{32})`/gm)];
    assert.equal(rows.length, 3, 'the IV table has three rows');
    for (const [, index, iv] of rows) {
      assert.equal(formatHlsIv(await aes128SegmentIv(KEY16, Number(index))), iv, `IV of segment ${index}`);
    }
    const documented = /encrypt to\s+`([0-9a-f]+)`/.exec(text);
    assert.ok(documented, 'the vector gives the ciphertext');
    const iv = await aes128SegmentIv(KEY16, 5);
    assert.equal(bytesToHex(await encryptAes128Segment(KEY16, iv, SAMPLE)), documented[1]);
  });

  it('IVs are AES-128-ECB of the index (checked with the openssl CLI) and differ per segment', async () => {
    const ivs = await Promise.all([0, 1, 2, 255, 256, 0xffffffff].map((i) => aes128SegmentIv(KEY16, i)));
    assert.equal(new Set(ivs.map(bytesToHex)).size, ivs.length);
    const dir = await mkdtemp(join(tmpdir(), 'svs-iv-'));
    try {
      const block = join(dir, 'block');
      await writeFile(block, Buffer.from('000000000000000000000000000000ff', 'hex'));
      const { stdout } = await run(
        'openssl',
        ['enc', '-aes-128-ecb', '-nopad', '-K', bytesToHex(KEY16), '-in', block],
        {
          encoding: 'buffer',
        },
      );
      assert.equal(stdout.toString('hex'), bytesToHex(ivs[3]!));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('decrypt with the real openssl CLI (aes-128-cbc, PKCS#7) to the original', async () => {
    const plaintext = nodeRandomBytes(100_003);
    const iv = await aes128SegmentIv(KEY16, 7);
    const ciphertext = await encryptAes128Segment(KEY16, iv, plaintext);
    assert.equal(ciphertext.length, Math.ceil((plaintext.length + 1) / 16) * 16, 'PKCS#7 adds 1..16 bytes');
    const dir = await mkdtemp(join(tmpdir(), 'svs-cbc-'));
    try {
      const file = join(dir, 'seg.enc');
      await writeFile(file, ciphertext);
      const { stdout } = await run(
        'openssl',
        ['enc', '-d', '-aes-128-cbc', '-K', bytesToHex(KEY16), '-iv', bytesToHex(iv), '-in', file],
        { encoding: 'buffer', maxBuffer: 1 << 24 },
      );
      assert.ok(stdout.equals(plaintext), 'openssl recovers the plaintext');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('round-trips, also with an imported CryptoKey', async () => {
    const plaintext = nodeRandomBytes(4096);
    const iv = await aes128SegmentIv(KEY16, 0);
    const ciphertext = await encryptAes128Segment(KEY16, iv, plaintext);
    assert.ok(Buffer.from(await decryptAes128Segment(KEY16, iv, ciphertext)).equals(plaintext));
    const key = await crypto.subtle.importKey('raw', KEY16, 'AES-CBC', false, ['encrypt', 'decrypt']);
    assert.ok(Buffer.from(await decryptAes128Segment(key, iv, ciphertext)).equals(plaintext));
    assert.equal(bytesToHex(await aes128SegmentIv(key, 0)), bytesToHex(iv));
  });

  it('never yields the plaintext for a wrong key or IV', async () => {
    const plaintext = nodeRandomBytes(4096);
    const iv = await aes128SegmentIv(KEY16, 1);
    const ciphertext = await encryptAes128Segment(KEY16, iv, plaintext);
    const wrongKey = KEY16.map((b, i) => (i === 0 ? b ^ 1 : b));
    for (const [key, ivUsed] of [
      [wrongKey, iv],
      [KEY16, await aes128SegmentIv(KEY16, 2)],
    ] as const) {
      try {
        const out = await decryptAes128Segment(key, ivUsed, ciphertext);
        assert.ok(!Buffer.from(out).equals(plaintext));
      } catch (error) {
        assertDecryptFailed(error);
      }
    }
  });

  it('refuses malformed input', async () => {
    const iv = new Uint8Array(16);
    await assert.rejects(
      decryptAes128Segment(KEY16, iv, new Uint8Array(17)),
      assertMalformed(/multiple of 16/),
    );
    await assert.rejects(
      decryptAes128Segment(KEY16, iv, new Uint8Array(0)),
      assertMalformed(/multiple of 16/),
    );
    await assert.rejects(encryptAes128Segment(KEY32, iv, SAMPLE), RangeError);
    await assert.rejects(encryptAes128Segment(KEY16, new Uint8Array(12), SAMPLE), RangeError);
    await assert.rejects(aes128SegmentIv(KEY16, -1), RangeError);
  });
});

describe('private SVS1 segments', () => {
  it('match the documented test vector, and an independent AES-GCM decrypts it', async () => {
    const text = await docSection('Private segment format');
    const block = /```hex\n([\s\S]*?)```/.exec(text);
    assert.ok(block, 'the vector has a ```hex block');
    const documented = block[1]!
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').replace(/\s+/g, ''))
      .join('');
    const nonce = hexToBytes('c0c1c2c3c4c5c6c7c8c9cacb');
    const sealed = await encryptPrivateSegment(KEY32, SAMPLE, CONTEXT, { nonce });
    assert.equal(bytesToHex(sealed), documented);

    // Node's own crypto, straight from the layout table.
    const bytes = Buffer.from(sealed);
    const aad = Buffer.concat([
      bytes.subarray(0, 20),
      Buffer.from([0, 32]),
      Buffer.from(VIDEO_ID),
      Buffer.from([0, 2]),
      Buffer.from('hd'),
      Buffer.from([0, 0, 0, 3]),
    ]);
    const decipher = createDecipheriv('aes-256-gcm', KEY32, bytes.subarray(8, 20));
    decipher.setAAD(aad);
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const clear = Buffer.concat([decipher.update(bytes.subarray(20, bytes.length - 16)), decipher.final()]);
    assert.equal(clear.toString(), 'securevod segment');
  });

  it('round-trips with raw keys and with a non-extractable CryptoKey', async () => {
    const plaintext = nodeRandomBytes(250_000);
    const sealed = await encryptPrivateSegment(KEY32, plaintext, CONTEXT);
    assert.equal(sealed.length, plaintext.length + 36);
    assert.ok(isPrivateSegment(sealed));
    assert.ok(Buffer.from(await decryptPrivateSegment(KEY32, sealed, CONTEXT)).equals(plaintext));

    const browserLike = await crypto.subtle.importKey('raw', KEY32, 'AES-GCM', false, ['decrypt']);
    assert.equal(browserLike.extractable, false);
    assert.ok(Buffer.from(await decryptPrivateSegment(browserLike, sealed, CONTEXT)).equals(plaintext));

    const imported = await importPrivateSegmentKey(KEY32);
    assert.equal(imported.extractable, false);
    const again = await encryptPrivateSegment(imported, plaintext, CONTEXT);
    assert.ok(Buffer.from(await decryptPrivateSegment(KEY32, again, CONTEXT)).equals(plaintext));
    const empty = await encryptPrivateSegment(KEY32, new Uint8Array(0), CONTEXT);
    assert.equal((await decryptPrivateSegment(KEY32, empty, CONTEXT)).length, 0);
  });

  it('uses a fresh nonce for every segment', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 50; i++) {
      nonces.add(bytesToHex((await encryptPrivateSegment(KEY32, SAMPLE, CONTEXT)).subarray(8, 20)));
    }
    assert.equal(nonces.size, 50);
  });

  it('fails with one error for another video, rendition, index or key', async () => {
    const sealed = await encryptPrivateSegment(KEY32, SAMPLE, CONTEXT);
    const otherKey = KEY32.map((b, i) => (i === 31 ? b ^ 0x80 : b));
    const cases: Array<[Uint8Array, PrivateSegmentContext]> = [
      [KEY32, { ...CONTEXT, videoId: VIDEO_ID.replace('9f', '9e') }],
      [KEY32, { ...CONTEXT, rendition: 'sd' }],
      [KEY32, { ...CONTEXT, segmentIndex: 4 }],
      [KEY32, { ...CONTEXT, segmentIndex: 3 + 2 ** 16 }],
      [KEY32, { videoId: VIDEO_ID + 'h', rendition: 'd', segmentIndex: 3 }],
      [otherKey, CONTEXT],
    ];
    for (const [key, context] of cases) {
      await assert.rejects(
        decryptPrivateSegment(key, sealed, context),
        assertDecryptFailed,
        JSON.stringify(context),
      );
    }
  });

  it('detects any flipped bit in the nonce, ciphertext or tag', async () => {
    const sealed = await encryptPrivateSegment(KEY32, SAMPLE, CONTEXT);
    for (let i = 8; i < sealed.length; i++) {
      const altered = sealed.slice();
      altered[i]! ^= 1 << (i % 8);
      await assert.rejects(decryptPrivateSegment(KEY32, altered, CONTEXT), assertDecryptFailed, `byte ${i}`);
    }
    await assert.rejects(
      decryptPrivateSegment(KEY32, sealed.subarray(0, sealed.length - 1), CONTEXT),
      assertDecryptFailed,
    );
  });

  it('reports structural problems as Malformed', async () => {
    const sealed = await encryptPrivateSegment(KEY32, SAMPLE, CONTEXT);
    const with_ = (i: number, v: number) => {
      const copy = sealed.slice();
      copy[i] = v;
      return copy;
    };
    await assert.rejects(decryptPrivateSegment(KEY32, with_(0, 0x00), CONTEXT), assertMalformed(/SVS1/));
    await assert.rejects(decryptPrivateSegment(KEY32, with_(4, 2), CONTEXT), assertMalformed(/version 2/));
    await assert.rejects(decryptPrivateSegment(KEY32, with_(6, 1), CONTEXT), assertMalformed(/reserved/));
    await assert.rejects(
      decryptPrivateSegment(KEY32, sealed.subarray(0, 35), CONTEXT),
      assertMalformed(/36 bytes/),
    );
    await assert.rejects(decryptPrivateSegment(KEY32, new Uint8Array(0), CONTEXT), assertMalformed(/SVS1/));
    assert.equal(isPrivateSegment(with_(3, 0x32)), false);
  });

  it('refuses keys and contexts outside the contract', async () => {
    await assert.rejects(encryptPrivateSegment(KEY16, SAMPLE, CONTEXT), RangeError);
    const cbc = await crypto.subtle.importKey('raw', KEY32, 'AES-CBC', false, ['decrypt']);
    const sealed = await encryptPrivateSegment(KEY32, SAMPLE, CONTEXT);
    await assert.rejects(decryptPrivateSegment(cbc, sealed, CONTEXT), TypeError);
    await assert.rejects(encryptPrivateSegment(KEY32, SAMPLE, { ...CONTEXT, segmentIndex: -1 }), RangeError);
    await assert.rejects(encryptPrivateSegment(KEY32, SAMPLE, { ...CONTEXT, videoId: '' }), TypeError);
    await assert.rejects(
      encryptPrivateSegment(KEY32, SAMPLE, CONTEXT, { nonce: new Uint8Array(8) }),
      RangeError,
    );
  });
});
