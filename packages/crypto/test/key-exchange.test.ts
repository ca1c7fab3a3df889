import assert from 'node:assert/strict';
import { createCipheriv, createECDH, hkdfSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import {
  INVALID_PUBLIC_KEY_MESSAGE,
  KeyExchangeError,
  UNWRAP_FAILED_MESSAGE,
  base64UrlToBytes,
  bytesToBase64Url,
  bytesToHex,
  createKeyExchangeRequest,
  decryptPrivateSegment,
  encryptPrivateSegment,
  hexToBytes,
  keyExchangeContextBytes,
  unwrapKeyFromServer,
  utf8Decode,
  utf8Encode,
  wrapKeyForClient,
  type KeyExchangeContext,
  type KeyExchangeResponse,
} from '@securevod/crypto';

// The aes-256-gcm/hd/0 key of the key-hierarchy vector (docs/formats.md).
const PERIOD_KEY = hexToBytes('a654fd2895cfd19468721a5cbd30570c9125a387b7996c4f176b43a66c49d484');
const VIDEO_ID = '9f2c4e1a7b3d4c8e9a0b1c2d3e4f5a6b';
const CONTEXT: KeyExchangeContext = { videoId: VIDEO_ID, rendition: 'hd', period: 0 };
const SAMPLE = utf8Encode('securevod segment');

function assertCode(code: 'InvalidPublicKey' | 'UnwrapFailed') {
  return (error: unknown): true => {
    assert.ok(error instanceof KeyExchangeError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.message, code === 'UnwrapFailed' ? UNWRAP_FAILED_MESSAGE : INVALID_PUBLIC_KEY_MESSAGE);
    return true;
  };
}

/** Flips one bit of byte `index` of a base64url field. */
function flipped(field: string, index: number): string {
  const bytes = base64UrlToBytes(field);
  bytes[index]! ^= 0x01;
  return bytesToBase64Url(bytes);
}

async function exchange(context: KeyExchangeContext = CONTEXT) {
  const request = await createKeyExchangeRequest();
  const response = await wrapKeyForClient({ clientPublicKey: request.publicKey, key: PERIOD_KEY, context });
  return { request, response };
}

function unwrap(
  request: { privateKey: CryptoKey; publicKey: string },
  response: KeyExchangeResponse,
  context: KeyExchangeContext = CONTEXT,
): Promise<CryptoKey> {
  return unwrapKeyFromServer({
    privateKey: request.privateKey,
    clientPublicKey: request.publicKey,
    response,
    context,
  });
}

void describe('key exchange round trip', () => {
  void it('unwraps a key that decrypts what the original key encrypted', async () => {
    const { request, response } = await exchange();
    const key = await unwrap(request, response);

    const segment = await encryptPrivateSegment(PERIOD_KEY, SAMPLE, {
      videoId: VIDEO_ID,
      rendition: 'hd',
      segmentIndex: 3,
    });
    const clear = await decryptPrivateSegment(key, segment, {
      videoId: VIDEO_ID,
      rendition: 'hd',
      segmentIndex: 3,
    });
    assert.equal(utf8Decode(clear), 'securevod segment');

    // And with plain WebCrypto, as the SDK's loader may use it.
    const iv = new Uint8Array(12).fill(5);
    const original = await crypto.subtle.importKey('raw', PERIOD_KEY, 'AES-GCM', false, ['encrypt']);
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, original, SAMPLE);
    const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed);
    assert.equal(utf8Decode(new Uint8Array(opened)), 'securevod segment');
  });

  void it('gives a non-extractable decrypt-only AES-GCM 256 key', async () => {
    const { request, response } = await exchange();
    assert.equal(request.privateKey.extractable, false);
    await assert.rejects(crypto.subtle.exportKey('pkcs8', request.privateKey));
    const key = await unwrap(request, response);
    assert.equal(key.extractable, false);
    assert.deepEqual(key.usages, ['decrypt']);
    assert.deepEqual(key.algorithm, { name: 'AES-GCM', length: 256 });
    await assert.rejects(crypto.subtle.exportKey('raw', key));
    await assert.rejects(crypto.subtle.exportKey('jwk', key));
  });

  void it('sends a 65-byte uncompressed point and uses a fresh server key and IV every time', async () => {
    const request = await createKeyExchangeRequest();
    const raw = base64UrlToBytes(request.publicKey);
    assert.equal(raw.length, 65);
    assert.equal(raw[0], 0x04);
    assert.match(request.publicKey, /^[A-Za-z0-9_-]{87}$/);

    const a = await wrapKeyForClient({
      clientPublicKey: request.publicKey,
      key: PERIOD_KEY,
      context: CONTEXT,
    });
    const b = await wrapKeyForClient({
      clientPublicKey: request.publicKey,
      key: PERIOD_KEY,
      context: CONTEXT,
    });
    assert.notEqual(a.serverPublicKey, b.serverPublicKey);
    assert.notEqual(a.iv, b.iv);
    assert.notEqual(a.wrappedKey, b.wrappedKey);
    assert.equal(base64UrlToBytes(a.wrappedKey).length, 48);
    // Both answers open for the one request.
    await unwrap(request, a);
    await unwrap(request, b);
  });

  void it('does not put the period key in the response', async () => {
    const { response } = await exchange();
    const text = JSON.stringify(response);
    assert.ok(!text.includes(bytesToBase64Url(PERIOD_KEY).slice(0, 20)));
    assert.ok(
      !bytesToHex(base64UrlToBytes(response.wrappedKey)).includes(bytesToHex(PERIOD_KEY.slice(0, 8))),
    );
  });
});

void describe('key exchange refusals', () => {
  void it('refuses a response unwrapped with another key pair', async () => {
    const { response } = await exchange();
    const other = await createKeyExchangeRequest();
    await assert.rejects(unwrap(other, response), assertCode('UnwrapFailed'));
  });

  void it('refuses a response unwrapped with the right private key but another public key', async () => {
    const { request, response } = await exchange();
    const other = await createKeyExchangeRequest();
    await assert.rejects(
      unwrap({ privateKey: request.privateKey, publicKey: other.publicKey }, response),
      assertCode('UnwrapFailed'),
    );
  });

  void it('refuses a response for another video, rendition or period', async () => {
    const { request, response } = await exchange();
    for (const context of [
      { ...CONTEXT, videoId: 'another-video' },
      { ...CONTEXT, rendition: 'sd' },
      { ...CONTEXT, period: 1 },
    ]) {
      await assert.rejects(unwrap(request, response, context), assertCode('UnwrapFailed'));
    }
    // And the other way round: made for period 1, asked as period 0.
    const later = await wrapKeyForClient({
      clientPublicKey: request.publicKey,
      key: PERIOD_KEY,
      context: { ...CONTEXT, period: 1 },
    });
    await assert.rejects(unwrap(request, later, CONTEXT), assertCode('UnwrapFailed'));
  });

  void it('refuses any flipped bit in the wrapped key, the IV or the server public key', async () => {
    const { request, response } = await exchange();
    for (let i = 0; i < 48; i++) {
      await assert.rejects(
        unwrap(request, { ...response, wrappedKey: flipped(response.wrappedKey, i) }),
        assertCode('UnwrapFailed'),
        `wrappedKey byte ${i}`,
      );
    }
    for (let i = 0; i < 12; i++) {
      await assert.rejects(
        unwrap(request, { ...response, iv: flipped(response.iv, i) }),
        assertCode('UnwrapFailed'),
        `iv byte ${i}`,
      );
    }
    for (const i of [0, 1, 16, 32, 33, 48, 64]) {
      await assert.rejects(
        unwrap(request, { ...response, serverPublicKey: flipped(response.serverPublicKey, i) }),
        assertCode('UnwrapFailed'),
        `serverPublicKey byte ${i}`,
      );
    }
  });

  void it('refuses a server public key that is valid but not the one the key was wrapped for', async () => {
    const { request, response } = await exchange();
    const stranger = await createKeyExchangeRequest();
    await assert.rejects(
      unwrap(request, { ...response, serverPublicKey: stranger.publicKey }),
      assertCode('UnwrapFailed'),
    );
  });

  void it('refuses malformed responses with the same error', async () => {
    const { request, response } = await exchange();
    const cut = bytesToBase64Url(base64UrlToBytes(response.wrappedKey).slice(0, 47));
    const bad: unknown[] = [
      { ...response, wrappedKey: cut },
      { ...response, wrappedKey: response.wrappedKey + 'AA' },
      { ...response, iv: response.iv + '=' },
      { ...response, iv: response.iv.replace(/-/g, '+').replace(/_/g, '/') + '+' },
      { ...response, serverPublicKey: undefined },
      { serverPublicKey: response.serverPublicKey },
      null,
    ];
    for (const candidate of bad) {
      await assert.rejects(
        unwrap(request, candidate as KeyExchangeResponse),
        assertCode('UnwrapFailed'),
        JSON.stringify(candidate),
      );
    }
  });

  void it('refuses a client public key that is not a P-256 point', async () => {
    const good = base64UrlToBytes((await createKeyExchangeRequest()).publicKey);
    const offCurve = Uint8Array.from(good);
    offCurve[64]! ^= 0x01;
    const zeros = new Uint8Array(65);
    zeros[0] = 0x04;
    const wrongPrefix = Uint8Array.from(good);
    wrongPrefix[0] = 0x05;
    const compressed = new Uint8Array(33);
    compressed[0] = 0x02 | (good[64]! & 1);
    compressed.set(good.subarray(1, 33), 1);
    // A P-384 point: right format, wrong curve.
    const p384 = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, ['deriveBits']);
    const p384Raw = new Uint8Array(await crypto.subtle.exportKey('raw', p384.publicKey));

    const candidates: [string, string][] = [
      ['off the curve', bytesToBase64Url(offCurve)],
      ['all-zero coordinates', bytesToBase64Url(zeros)],
      ['prefix 0x05', bytesToBase64Url(wrongPrefix)],
      ['compressed', bytesToBase64Url(compressed)],
      ['P-384', bytesToBase64Url(p384Raw)],
      ['64 bytes', bytesToBase64Url(good.slice(0, 64))],
      ['empty', ''],
      ['standard base64 with padding', Buffer.from(good).toString('base64')],
      ['not base64', '!'.repeat(87)],
    ];
    for (const [what, clientPublicKey] of candidates) {
      await assert.rejects(
        wrapKeyForClient({ clientPublicKey, key: PERIOD_KEY, context: CONTEXT }),
        assertCode('InvalidPublicKey'),
        what,
      );
    }
    await assert.rejects(
      wrapKeyForClient({ clientPublicKey: 42 as unknown as string, key: PERIOD_KEY, context: CONTEXT }),
      assertCode('InvalidPublicKey'),
    );
  });

  void it('refuses arguments outside the contract as caller bugs', async () => {
    const request = await createKeyExchangeRequest();
    await assert.rejects(
      wrapKeyForClient({
        clientPublicKey: request.publicKey,
        key: PERIOD_KEY.slice(0, 16),
        context: CONTEXT,
      }),
      RangeError,
    );
    await assert.rejects(
      wrapKeyForClient({
        clientPublicKey: request.publicKey,
        key: PERIOD_KEY,
        context: { ...CONTEXT, period: -1 },
      }),
      RangeError,
    );
    await assert.rejects(
      wrapKeyForClient({
        clientPublicKey: request.publicKey,
        key: PERIOD_KEY,
        context: { ...CONTEXT, videoId: '' },
      }),
      TypeError,
    );
    const { response } = await exchange();
    const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['decrypt']);
    await assert.rejects(
      unwrapKeyFromServer({
        privateKey: aes,
        clientPublicKey: request.publicKey,
        response,
        context: CONTEXT,
      }),
      TypeError,
    );
  });
});

// ---------------------------------------------------------------------------------------------

interface Vector {
  clientPrivate: string;
  clientPublic: string;
  serverPrivate: string;
  serverPublic: string;
  iv: string;
  ctx: string;
  shared: string;
  wrappingKey: string;
  wrappedKey: string;
}

async function vectorFromDocs(): Promise<Vector> {
  const markdown = await readFile(new URL('../../../docs/formats.md', import.meta.url), 'utf8');
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Private key exchange'));
  assert.ok(section, 'docs/formats.md has a "## Private key exchange" section');
  const vector = section.split(/^### /m).find((s) => s.startsWith('Test vector'));
  assert.ok(vector, 'the section has a "### Test vector" subsection');
  const out: Record<string, string> = {};
  for (const line of vector.split('\n')) {
    const cells = [...line.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
    if (line.startsWith('|') && cells.length === 2) out[cells[0]!] = cells[1]!.replace(/\s+/g, '');
  }
  const names: (keyof Vector)[] = [
    'clientPrivate',
    'clientPublic',
    'serverPrivate',
    'serverPublic',
    'iv',
    'ctx',
    'shared',
    'wrappingKey',
    'wrappedKey',
  ];
  for (const name of names) assert.ok(out[name], `vector row ${name}`);
  return out as unknown as Vector;
}

async function importPrivate(dHex: string, publicHex: string, usages: KeyUsage[]): Promise<CryptoKeyPair> {
  const pub = Buffer.from(publicHex, 'hex');
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: pub.subarray(1, 33).toString('base64url'),
    y: pub.subarray(33).toString('base64url'),
  };
  const curve = { name: 'ECDH', namedCurve: 'P-256' };
  return {
    privateKey: await crypto.subtle.importKey(
      'jwk',
      { ...jwk, d: Buffer.from(dHex, 'hex').toString('base64url') },
      curve,
      false,
      usages,
    ),
    publicKey: await crypto.subtle.importKey('jwk', jwk, curve, true, []),
  };
}

void describe('test vector (docs/formats.md, "Private key exchange")', () => {
  void it('is what an independent implementation on node:crypto computes', async () => {
    const v = await vectorFromDocs();
    const client = createECDH('prime256v1');
    client.setPrivateKey(Buffer.from(v.clientPrivate, 'hex'));
    const server = createECDH('prime256v1');
    server.setPrivateKey(Buffer.from(v.serverPrivate, 'hex'));
    assert.equal(client.getPublicKey('hex'), v.clientPublic);
    assert.equal(server.getPublicKey('hex'), v.serverPublic);
    const z = server.computeSecret(client.getPublicKey());
    assert.equal(z.toString('hex'), v.shared);
    assert.equal(bytesToHex(keyExchangeContextBytes(CONTEXT)), v.ctx);
    const info = Buffer.concat([client.getPublicKey(), server.getPublicKey(), Buffer.from(v.ctx, 'hex')]);
    const kw = Buffer.from(hkdfSync('sha256', z, 'securevod/key-exchange/v1', info, 32));
    assert.equal(kw.toString('hex'), v.wrappingKey);
    const cipher = createCipheriv('aes-256-gcm', kw, Buffer.from(v.iv, 'hex'));
    cipher.setAAD(Buffer.from(v.ctx, 'hex'));
    const sealed = Buffer.concat([cipher.update(PERIOD_KEY), cipher.final(), cipher.getAuthTag()]);
    assert.equal(sealed.toString('hex'), v.wrappedKey);
  });

  void it('is what wrapKeyForClient produces and unwrapKeyFromServer opens', async () => {
    const v = await vectorFromDocs();
    const serverKeyPair = await importPrivate(v.serverPrivate, v.serverPublic, ['deriveBits']);
    const clientPublicKey = bytesToBase64Url(hexToBytes(v.clientPublic));
    const response = await wrapKeyForClient({
      clientPublicKey,
      key: PERIOD_KEY,
      context: CONTEXT,
      _fixed: { serverKeyPair, iv: hexToBytes(v.iv) },
    });
    assert.deepEqual(response, {
      serverPublicKey: bytesToBase64Url(hexToBytes(v.serverPublic)),
      iv: bytesToBase64Url(hexToBytes(v.iv)),
      wrappedKey: bytesToBase64Url(hexToBytes(v.wrappedKey)),
    });
    const client = await importPrivate(v.clientPrivate, v.clientPublic, ['deriveBits']);
    const key = await unwrapKeyFromServer({
      privateKey: client.privateKey,
      clientPublicKey,
      response,
      context: CONTEXT,
    });
    const segment = await encryptPrivateSegment(PERIOD_KEY, SAMPLE, { ...CONTEXT, segmentIndex: 0 });
    assert.equal(
      utf8Decode(await decryptPrivateSegment(key, segment, { ...CONTEXT, segmentIndex: 0 })),
      'securevod segment',
    );
  });
});

// ---------------------------------------------------------------------------------------------

void describe('in Chromium (the web SDK side) against Node (the key service side)', () => {
  let browser: Browser;
  let server: ReturnType<typeof createServer>;
  let origin: string;

  before(async () => {
    const bundle = await build({
      entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome110',
      write: false,
    });
    const js = bundle.outputFiles[0]!.text;
    server = createServer((req, res) => {
      if (req.url === '/crypto.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>kx</title>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  void it('the browser unwraps a key wrapped in Node and decrypts a segment encrypted in Node', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    const publicKey = await page.evaluate(async () => {
      const lib = await import(`${location.origin}/crypto.js`);
      const request = await lib.createKeyExchangeRequest();
      (globalThis as unknown as { kx: unknown }).kx = request;
      return request.publicKey as string;
    });
    const response = await wrapKeyForClient({
      clientPublicKey: publicKey,
      key: PERIOD_KEY,
      context: CONTEXT,
    });
    const segment = await encryptPrivateSegment(PERIOD_KEY, SAMPLE, { ...CONTEXT, segmentIndex: 7 });

    const result = await page.evaluate(
      async ({ response, segmentHex, context }) => {
        const lib = await import(`${location.origin}/crypto.js`);
        const request = (globalThis as unknown as { kx: { privateKey: CryptoKey; publicKey: string } }).kx;
        const key: CryptoKey = await lib.unwrapKeyFromServer({
          privateKey: request.privateKey,
          clientPublicKey: request.publicKey,
          response,
          context,
        });
        const clear = await lib.decryptPrivateSegment(key, lib.hexToBytes(segmentHex), {
          ...context,
          segmentIndex: 7,
        });
        let exported = 'refused';
        try {
          await crypto.subtle.exportKey('raw', key);
          exported = 'exported';
        } catch {
          // expected: non-extractable
        }
        let wrongContext = '';
        try {
          await lib.unwrapKeyFromServer({
            privateKey: request.privateKey,
            clientPublicKey: request.publicKey,
            response,
            context: { ...context, period: 2 },
          });
        } catch (e) {
          wrongContext = (e as { code: string }).code;
        }
        return {
          text: new TextDecoder().decode(clear),
          extractable: key.extractable,
          exported,
          wrongContext,
          hasBuffer: 'Buffer' in globalThis,
        };
      },
      { response, segmentHex: bytesToHex(segment), context: CONTEXT },
    );
    assert.deepEqual(result, {
      text: 'securevod segment',
      extractable: false,
      exported: 'refused',
      wrongContext: 'UnwrapFailed',
      hasBuffer: false,
    });

    // Chromium's WebCrypto refuses an off-curve client key too, so the check holds wherever the
    // wrapping side runs.
    const bad = await page.evaluate(async () => {
      const lib = await import(`${location.origin}/crypto.js`);
      const request = await lib.createKeyExchangeRequest();
      const raw = lib.base64UrlToBytes(request.publicKey);
      raw[64] ^= 1;
      try {
        await lib.wrapKeyForClient({
          clientPublicKey: lib.bytesToBase64Url(raw),
          key: new Uint8Array(32),
          context: { videoId: 'v', rendition: 'hd', period: 0 },
        });
        return 'accepted';
      } catch (e) {
        return (e as { code: string }).code;
      }
    });
    assert.equal(bad, 'InvalidPublicKey');
  });
});
