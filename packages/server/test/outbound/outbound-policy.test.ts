/**
 * The outbound policy's settings and literal-address checks as pure logic (the connection-level
 * refusals after DNS and on redirects are shown end to end in test/e2e/url-upload.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadServerConfig } from '../../src/config/server-config.js';
import { parseHttpUrl } from '../../src/outbound/outbound-client.js';
import { literalAddressRefusal, PUBLIC_ONLY } from '../../src/outbound/outbound-policy.js';

const load = (env: Record<string, string>) => loadServerConfig({ flags: {}, env, cwd: '/tmp' });

describe('outbound policy', () => {
  it('is public-only by default and reads both settings once', () => {
    assert.deepEqual(load({}).outbound, { allowPrivate: false, allowList: [] });
    assert.deepEqual(
      load({ SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1', SECUREVOD_OUTBOUND_ALLOW: '10.0.0.5, 192.168.0.0/16' })
        .outbound,
      { allowPrivate: true, allowList: ['10.0.0.5', '192.168.0.0/16'] },
    );
    assert.deepEqual(load({}).urlUpload, { maxBytes: 20 * 1024 ** 3, timeoutMs: 3_600_000, maxRedirects: 5 });
  });

  it('refuses bad settings naming them', () => {
    assert.throws(
      () =>
        load({
          SECUREVOD_ALLOW_PRIVATE_OUTBOUND: 'yes',
          SECUREVOD_OUTBOUND_ALLOW: 'intranet',
          SECUREVOD_URL_UPLOAD_MAX_REDIRECTS: '99',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /SECUREVOD_ALLOW_PRIVATE_OUTBOUND: "yes" must be 1/);
        assert.match(
          error.message,
          /SECUREVOD_OUTBOUND_ALLOW: "intranet" is neither an IP address nor a CIDR range/,
        );
        assert.match(error.message, /SECUREVOD_URL_UPLOAD_MAX_REDIRECTS: "99" must be a count from 0 to 20/);
        return true;
      },
    );
  });

  it('names what is wrong with a literal non-public address', () => {
    const refusal = (url: string, policy = PUBLIC_ONLY) => literalAddressRefusal(policy, new URL(url));
    assert.match(refusal('http://127.0.0.1:8080/x')!, /^127\.0\.0\.1 is a loopback address/);
    assert.match(refusal('http://10.1.2.3/x')!, /is a private address/);
    assert.match(refusal('http://169.254.169.254/latest')!, /is a link-local address/);
    assert.match(refusal('http://[::1]/x')!, /::1 is a loopback address/);
    assert.match(refusal('http://[::ffff:127.0.0.1]/x')!, /IPv4-mapped/);
    assert.match(refusal('http://[fd00::1]/x')!, /unique-local/);
    assert.match(refusal('http://0.0.0.0/x')!, /unspecified/);
    assert.equal(refusal('http://93.184.216.34/x'), undefined, 'public addresses pass');
    assert.equal(refusal('http://intranet.example/x'), undefined, 'host names are checked when they resolve');
    assert.equal(refusal('http://10.1.2.3/x', { allowPrivate: false, allowList: ['10.0.0.0/8'] }), undefined);
    assert.equal(refusal('http://10.1.2.3/x', { allowPrivate: true, allowList: [] }), undefined);
  });

  it('accepts only http and https URLs without credentials', () => {
    assert.equal(parseHttpUrl('https://example.com/a.mp4').host, 'example.com');
    for (const [url, code] of [
      ['ftp://example.com/a.mp4', 'UnsupportedScheme'],
      ['file:///etc/passwd', 'UnsupportedScheme'],
      ['gopher://example.com/', 'UnsupportedScheme'],
      ['http://user:pw@example.com/a.mp4', 'InvalidUrl'],
      ['not a url', 'InvalidUrl'],
    ] as const) {
      assert.throws(
        () => parseHttpUrl(url),
        (error: { code?: string }) => error.code === code,
        url,
      );
    }
  });
});
