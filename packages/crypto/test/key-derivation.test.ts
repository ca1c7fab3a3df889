import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import {
  bytesToHex,
  deriveSegmentKey,
  hexToBytes,
  keyPeriodForSegment,
  segmentKeyInfo,
  type SegmentKeyParams,
  type SegmentScheme,
} from '@securevod/crypto';

const DK = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const VIDEO_ID = '9f2c4e1a7b3d4c8e9a0b1c2d3e4f5a6b';

interface VectorRow {
  scheme: SegmentScheme;
  rendition: string;
  period: number;
  key: string;
}

/** A `## <title>` section of docs/formats.md, then its `### Test vector` subsection. */
async function docVectorSection(title: string): Promise<string> {
  const markdown = await readFile(new URL('../../../docs/formats.md', import.meta.url), 'utf8');
  const section = markdown.split(/^## /m).find((s) => s.startsWith(title));
  assert.ok(section, `docs/formats.md has a "## ${title}" section`);
  const vector = section.split(/^### /m).find((s) => s.startsWith('Test vector'));
  assert.ok(vector, `the "${title}" section has a "### Test vector" subsection`);
  return vector;
}

async function keyVectorFromDocs(): Promise<{ text: string; rows: VectorRow[] }> {
  const text = await docVectorSection('Key hierarchy');
  const rows: VectorRow[] = [];
  for (const line of text.split('\n')) {
    const cells = [...line.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
    if (!line.startsWith('|') || cells.length !== 4) continue;
    rows.push({
      scheme: cells[0] as SegmentScheme,
      rendition: cells[1]!,
      period: Number(cells[2]),
      key: cells[3]!,
    });
  }
  return { text, rows };
}

function params(overrides: Partial<SegmentKeyParams> = {}): SegmentKeyParams {
  return { videoId: VIDEO_ID, rendition: 'hd', period: 0, scheme: 'aes-128', ...overrides };
}

describe('deriveSegmentKey test vector (docs/formats.md, "Key hierarchy")', () => {
  it('every documented row matches the code and an independent HKDF', async () => {
    const { text, rows } = await keyVectorFromDocs();
    assert.ok(text.includes(bytesToHex(DK)), 'the doc names the same DK');
    assert.ok(text.includes(VIDEO_ID), 'the doc names the same VideoId');
    assert.equal(rows.length, 4, 'the vector table has four rows');
    for (const row of rows) {
      const p = params({ scheme: row.scheme, rendition: row.rendition, period: row.period });
      const key = await deriveSegmentKey(DK, p);
      assert.equal(bytesToHex(key), row.key, `${row.scheme}/${row.rendition}/${row.period}`);
      const length = row.scheme === 'aes-128' ? 16 : 32;
      const independent = Buffer.from(
        hkdfSync('sha256', DK, 'securevod/segment-key/v1', segmentKeyInfo(p), length),
      );
      assert.equal(independent.toString('hex'), row.key);
    }
  });

  it('the documented info bytes are the canonical encoding', async () => {
    const { text } = await keyVectorFromDocs();
    const match = /`info` is\s+`([0-9a-f ]+)`/.exec(text);
    assert.ok(match, 'the vector spells out the info bytes');
    assert.equal(bytesToHex(segmentKeyInfo(params())), match[1]!.replace(/ /g, ''));
    // The same encoding, built by hand from the format description.
    const lp = (s: string) => Buffer.concat([Buffer.from([0, Buffer.byteLength(s)]), Buffer.from(s)]);
    const manual = Buffer.concat([lp('aes-128'), lp(VIDEO_ID), lp('hd'), Buffer.from([0, 0, 0, 0])]);
    assert.equal(bytesToHex(segmentKeyInfo(params())), manual.toString('hex'));
  });
});

describe('deriveSegmentKey', () => {
  it('gives 16-byte keys for aes-128 and 32-byte keys for aes-256-gcm', async () => {
    assert.equal((await deriveSegmentKey(DK, params({ scheme: 'aes-128' }))).length, 16);
    assert.equal((await deriveSegmentKey(DK, params({ scheme: 'aes-256-gcm' }))).length, 32);
  });

  it('changes the key when any one input changes', async () => {
    const variants: SegmentKeyParams[] = [
      params(),
      params({ period: 1 }),
      params({ period: 0xffffffff }),
      params({ rendition: 'sd' }),
      params({ videoId: VIDEO_ID.replace('9f', '9e') }),
      params({ scheme: 'aes-256-gcm' }),
    ];
    const keys = await Promise.all(variants.map((p) => deriveSegmentKey(DK, p)));
    const prefixes = keys.map((k) => bytesToHex(k.subarray(0, 16)));
    assert.equal(new Set(prefixes).size, variants.length, 'all keys differ, even in their first 16 bytes');
    const otherDk = DK.map((b) => b ^ 0xff);
    assert.notEqual(bytesToHex(await deriveSegmentKey(otherDk, params())), bytesToHex(keys[0]!));
  });

  it('cannot be confused by moving bytes between length-prefixed fields', async () => {
    const a = await deriveSegmentKey(DK, params({ videoId: 'ab', rendition: 'c' }));
    const b = await deriveSegmentKey(DK, params({ videoId: 'a', rendition: 'bc' }));
    assert.notEqual(bytesToHex(a), bytesToHex(b));
  });

  it('is deterministic and counts UTF-8 bytes, not characters', async () => {
    const p = params({ rendition: 'énorme' });
    assert.equal(bytesToHex(await deriveSegmentKey(DK, p)), bytesToHex(await deriveSegmentKey(DK, p)));
    assert.equal(bytesToHex(segmentKeyInfo(p)).includes('0007c3a96e6f726d65'), true);
  });

  it('accepts DK as a non-extractable HKDF CryptoKey with the same result', async () => {
    const hkdf = await crypto.subtle.importKey('raw', DK, 'HKDF', false, ['deriveBits']);
    for (const scheme of ['aes-128', 'aes-256-gcm'] as const) {
      assert.equal(
        bytesToHex(await deriveSegmentKey(hkdf, params({ scheme, period: 3 }))),
        bytesToHex(await deriveSegmentKey(DK, params({ scheme, period: 3 }))),
      );
    }
  });

  it('does not alter or keep a reference that changes the caller’s DK', async () => {
    const dk = DK.slice();
    await deriveSegmentKey(dk, params());
    assert.equal(bytesToHex(dk), bytesToHex(DK));
  });

  it('refuses arguments outside the contract, without echoing key bytes', async () => {
    await assert.rejects(deriveSegmentKey(DK.subarray(0, 16), params()), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.doesNotMatch(e.message, /000102/);
      return true;
    });
    const aes = await crypto.subtle.importKey('raw', DK, 'AES-GCM', false, ['encrypt']);
    await assert.rejects(deriveSegmentKey(aes, params()), TypeError);
    await assert.rejects(deriveSegmentKey(DK, params({ period: -1 })), RangeError);
    await assert.rejects(deriveSegmentKey(DK, params({ period: 1.5 })), RangeError);
    await assert.rejects(deriveSegmentKey(DK, params({ period: 2 ** 32 })), RangeError);
    await assert.rejects(deriveSegmentKey(DK, params({ videoId: '' })), TypeError);
    await assert.rejects(deriveSegmentKey(DK, params({ rendition: '' })), TypeError);
    await assert.rejects(deriveSegmentKey(DK, params({ scheme: 'aes-192' as SegmentScheme })), TypeError);
  });
});

describe('keyPeriodForSegment', () => {
  it('groups keyRotationSegments consecutive segments; 0 means one period', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => keyPeriodForSegment(i, 3)),
      [0, 0, 0, 1, 1, 1, 2],
    );
    assert.deepEqual(
      [0, 1, 2].map((i) => keyPeriodForSegment(i, 1)),
      [0, 1, 2],
    );
    assert.deepEqual(
      [0, 1, 1000].map((i) => keyPeriodForSegment(i, 0)),
      [0, 0, 0],
    );
    assert.throws(() => keyPeriodForSegment(0, -1), RangeError);
    assert.throws(() => keyPeriodForSegment(-1, 1), RangeError);
  });
});
