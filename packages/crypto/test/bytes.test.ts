import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  concatBytes,
  EncodingError,
  hexToBytes,
  randomBytes,
  readU16BE,
  readU32BE,
  timingSafeEqual,
  utf8Decode,
  utf8Encode,
  writeU16BE,
  writeU32BE,
} from '@securevod/crypto';

void describe('base64', () => {
  void it('matches RFC 4648 §10 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      assert.equal(bytesToBase64(utf8Encode(plain)), encoded);
      assert.equal(utf8Decode(base64ToBytes(encoded)), plain);
    }
  });

  void it('agrees with Node on every length 0..64 and all byte values, using + and /', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const encoded = bytesToBase64(all);
    assert.equal(encoded, Buffer.from(all).toString('base64'));
    assert.match(encoded, /\+/);
    assert.match(encoded, /\//);
    for (let n = 0; n <= 64; n++) {
      const bytes = randomBytes(n);
      const text = bytesToBase64(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64'));
      assert.deepEqual(base64ToBytes(text), bytes);
    }
  });

  void it('rejects bad length, foreign characters, misplaced padding and non-canonical bits', () => {
    for (const bad of [
      'Zg=',
      'Zm9',
      'Zm9v!A==',
      'Zm-v',
      'Zm_v',
      'Z===',
      '====',
      'Zg==Zg==',
      'Zh==',
      'Zm9=',
    ]) {
      assert.throws(() => base64ToBytes(bad), EncodingError, bad);
    }
  });
});

void describe('hex', () => {
  void it('round-trips and rejects odd length or separators', () => {
    assert.equal(bytesToHex(new Uint8Array([0, 1, 0xab, 0xff])), '0001abff');
    assert.deepEqual(hexToBytes('0001ABff'), new Uint8Array([0, 1, 0xab, 0xff]));
    assert.throws(() => hexToBytes('abc'), EncodingError);
    assert.throws(() => hexToBytes('ab:cd'), EncodingError);
  });
});

void describe('utf8', () => {
  void it('encodes non-ASCII and refuses invalid UTF-8 instead of replacing it', () => {
    assert.deepEqual(utf8Encode('é€'), new Uint8Array([0xc3, 0xa9, 0xe2, 0x82, 0xac]));
    assert.equal(utf8Decode(new Uint8Array([0xc3, 0xa9])), 'é');
    assert.throws(() => utf8Decode(new Uint8Array([0xc3])), TypeError);
  });
});

void describe('concatBytes, timingSafeEqual', () => {
  void it('concatenates in order, including views into larger buffers', () => {
    const big = new Uint8Array([9, 1, 2, 9]);
    assert.deepEqual(
      concatBytes(big.subarray(1, 3), new Uint8Array(), new Uint8Array([3])),
      new Uint8Array([1, 2, 3]),
    );
  });

  void it('compares content and length', () => {
    assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
    assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
    assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0])), false);
    assert.equal(timingSafeEqual(new Uint8Array(), new Uint8Array()), true);
  });
});

void describe('big-endian integers', () => {
  void it('reads and writes at an offset within a subarray', () => {
    const backing = new Uint8Array(10);
    const view = backing.subarray(2);
    writeU32BE(view, 1, 0x01020304);
    writeU16BE(view, 5, 0xa0b0);
    assert.deepEqual([...backing], [0, 0, 0, 1, 2, 3, 4, 0xa0, 0xb0, 0]);
    assert.equal(readU32BE(view, 1), 0x01020304);
    assert.equal(readU16BE(view, 5), 0xa0b0);
    writeU32BE(view, 0, 0xffffffff);
    assert.equal(readU32BE(view, 0), 0xffffffff);
  });

  void it('rejects values outside the type and reads past the end', () => {
    const b = new Uint8Array(4);
    assert.throws(() => writeU32BE(b, 0, 2 ** 32), RangeError);
    assert.throws(() => writeU32BE(b, 0, -1), RangeError);
    assert.throws(() => writeU32BE(b, 0, 1.5), RangeError);
    assert.throws(() => writeU16BE(b, 0, 65536), RangeError);
    assert.throws(() => readU32BE(b, 1), RangeError);
  });
});

void describe('randomBytes', () => {
  void it('returns the requested length, beyond the 65536-byte getRandomValues limit, and differs per call', () => {
    const big = randomBytes(200_000);
    assert.equal(big.length, 200_000);
    // The tail past the first 65536 bytes must be filled too.
    assert.ok(big.subarray(131_072).some((b) => b !== 0));
    assert.notDeepEqual(randomBytes(16), randomBytes(16));
    assert.equal(randomBytes(0).length, 0);
  });
});
