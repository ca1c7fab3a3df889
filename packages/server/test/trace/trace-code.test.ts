import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { TraceCode, isValidTraceId } from '../../src/trace/trace-code.js';

const secret = new Uint8Array(32).map((_, i) => i + 1);

describe('TraceCode', () => {
  it('follows the frozen block format: HMAC over label, video, trace ID and a u32 block counter', () => {
    const code = new TraceCode(secret);
    const block1 = createHmac('sha256', Buffer.from(secret))
      .update('securevod-trace/v1\0v1\0viewer42\0')
      .update(Buffer.from([0, 0, 0, 1]))
      .digest();
    // Segment 256 + 10 is bit 10 of block 1: byte 1, third-most-significant bit.
    assert.equal(code.bit('v1', 'viewer42', 266), (block1[1]! >> 5) & 1);
  });

  it('bits() agrees with bit() across a block boundary', () => {
    const code = new TraceCode(secret);
    const bits = code.bits('v1', 'viewer42', 600);
    for (let k = 0; k < 600; k++) assert.equal(bits[k], code.bit('v1', 'viewer42', k), `segment ${k}`);
  });

  it('gives different, roughly balanced words to different viewers and videos', () => {
    const code = new TraceCode(secret);
    const a = code.bits('v1', 'alice', 512);
    const b = code.bits('v1', 'bob', 512);
    const c = code.bits('v2', 'alice', 512);
    const ones = a.reduce((n, x) => n + x, 0);
    assert.ok(ones > 200 && ones < 312, `${ones} ones in 512`);
    const differ = (x: Uint8Array, y: Uint8Array) => x.reduce((n, v, i) => n + (v !== y[i] ? 1 : 0), 0);
    assert.ok(differ(a, b) > 200, 'two viewers of one video');
    assert.ok(differ(a, c) > 200, 'one viewer of two videos');
    assert.equal(code.variant('v1', 'alice', 3), a[3] === 0 ? 'a' : 'b');
  });

  it('depends on the secret, and refuses a short one', () => {
    const other = new TraceCode(new Uint8Array(32).fill(9));
    assert.notDeepEqual(other.bits('v1', 'alice', 64), new TraceCode(secret).bits('v1', 'alice', 64));
    assert.throws(() => new TraceCode(new Uint8Array(16)), RangeError);
    assert.throws(() => new TraceCode(secret).bit('v1', 'alice', -1), RangeError);
  });

  it('accepts the vendor trace alphabet only', () => {
    assert.ok(isValidTraceId('viewer42'));
    assert.ok(isValidTraceId('a'.repeat(1024)));
    assert.ok(!isValidTraceId('a'.repeat(1025)));
    assert.ok(!isValidTraceId(''));
    assert.ok(!isValidTraceId('viewer-42'));
    assert.ok(!isValidTraceId('vïewer'));
  });
});
