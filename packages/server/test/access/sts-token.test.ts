import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StsTokenCodec, StsTokenError, type StsTokenProblem } from '../../src/access/sts-token.js';

const KEY = new Uint8Array(randomBytes(32));
const OLD_KEY = new Uint8Array(randomBytes(32));
const NOW = 1_800_000_000;
const POLICY =
  '{"Version":"1","Statement":[{"Effect":"Allow","Action":"vod:GetVideoPlayAuth","Resource":"*"}]}';
const session = {
  accountId: '1234567890123456',
  roleId: '3000000000000001',
  roleName: 'uploader',
  sessionName: 'alice-laptop',
  policy: POLICY,
  sourceArn: 'acs:ram::1234567890123456:user/alice',
  issuedAt: NOW,
  expiresAt: NOW + 900,
};

function refused(fn: () => unknown, problem: StsTokenProblem): void {
  assert.throws(fn, (error: unknown) => error instanceof StsTokenError && error.problem === problem);
}

describe('STS token', () => {
  it('round-trips the session and derives the same secret; the token holds neither secret nor policy in clear', () => {
    const codec = new StsTokenCodec([KEY]);
    const issued = codec.issue(session);
    assert.match(issued.accessKeyId, /^STS\.[A-Za-z0-9]{24}$/);
    assert.match(issued.securityToken, /^[A-Za-z0-9+/]+={0,2}$/);
    const opened = codec.open(issued.securityToken, issued.accessKeyId, NOW + 1);
    assert.deepEqual(opened.claims, issued.claims);
    assert.equal(opened.secret, issued.accessKeySecret);
    const raw = Buffer.from(issued.securityToken, 'base64').toString('latin1');
    for (const secret of [issued.accessKeySecret, 'vod:GetVideoPlayAuth', 'uploader', 'alice']) {
      assert.ok(!raw.includes(secret) && !issued.securityToken.includes(secret), `token shows ${secret}`);
    }
    assert.notEqual(
      codec.issue(session).accessKeySecret,
      issued.accessKeySecret,
      'each session has its own secret',
    );
  });

  it('refuses an expired token, another AccessKeyId, and tokens of another server', () => {
    const codec = new StsTokenCodec([KEY]);
    const issued = codec.issue(session);
    refused(() => codec.open(issued.securityToken, issued.accessKeyId, NOW + 900), 'Expired');
    refused(
      () => codec.open(issued.securityToken, codec.issue(session).accessKeyId, NOW),
      'MismatchWithAccessKey',
    );
    refused(
      () => new StsTokenCodec([OLD_KEY]).open(issued.securityToken, issued.accessKeyId, NOW),
      'Malformed',
    );
    for (const junk of [
      '',
      'CAISowJ1q6Ft5B2yf',
      'not base64!',
      'AQ==',
      `${issued.securityToken}=`,
      'A'.repeat(20000),
    ]) {
      refused(() => codec.open(junk, issued.accessKeyId, NOW), 'Malformed');
    }
  });

  it('keeps opening tokens sealed under the previous key after a rotation', () => {
    const before = new StsTokenCodec([OLD_KEY]).issue(session);
    const rotated = new StsTokenCodec([KEY, OLD_KEY]);
    assert.equal(rotated.open(before.securityToken, before.accessKeyId, NOW).secret, before.accessKeySecret);
    assert.equal(rotated.issue(session).securityToken.length > 0, true);
  });

  it('refuses every altered token as Malformed (property: any byte, any change)', () => {
    const codec = new StsTokenCodec([KEY]);
    const issued = codec.issue(session);
    const bytes = Buffer.from(issued.securityToken, 'base64');
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const altered = Buffer.from(bytes);
        altered[at]! ^= xor;
        refused(() => codec.open(altered.toString('base64'), issued.accessKeyId, NOW), 'Malformed');
      }),
      { numRuns: 500 },
    );
  });
});
