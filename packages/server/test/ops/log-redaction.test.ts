/** The log redaction rule (ops/log-redaction.ts) as pure logic: query strings and secret fields. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REDACTED, redactText, redactValue } from '../../src/ops/log-redaction.js';

describe('log redaction', () => {
  test('query strings are removed from paths and URLs anywhere in a text', () => {
    assert.equal(
      redactText('Route GET:/api/v1/?Action=X&AppDecryptKey=Abc123def456 not found'),
      'Route GET:/api/v1/ not found',
    );
    assert.equal(
      redactText('fetch failed for http://h:1/keys/hls/a/b/0?MtsHlsUriToken=t.o.k "x"'),
      'fetch failed for http://h:1/keys/hls/a/b/0 "x"',
    );
    assert.equal(redactText('is this a question? yes'), 'is this a question? yes');
  });

  test('secret name=value and "name":"value" pairs are masked, any case', () => {
    assert.equal(redactText('AppDecryptKey=Abc123def456 ok'), `AppDecryptKey=${REDACTED} ok`);
    assert.equal(redactText('{"accessKeySecret":"s3cr3t"}'), `{"accessKeySecret":"${REDACTED}"}`);
    assert.equal(redactText('security_token: abc'), `security_token: ${REDACTED}`);
  });

  test('fields named like secrets are masked at any depth; Errors keep no query or secret', () => {
    const out = redactValue({
      a: { PlayAuth: 'p', nested: [{ Token: 't', url: '/media/x?token=y' }] },
      Authorization: 'OSS id:sig',
      err: new Error('bad /x?auth_key=1-2-3'),
      bytes: Buffer.from('key material'),
    }) as Record<string, unknown>;
    assert.deepEqual(out.a, { PlayAuth: REDACTED, nested: [{ Token: REDACTED, url: '/media/x' }] });
    assert.equal(out.Authorization, REDACTED);
    assert.equal((out.err as { message: string }).message, 'bad /x');
    assert.doesNotMatch(JSON.stringify(out.err), /auth_key/);
    assert.equal(out.bytes, '[12 bytes]');
  });
});
