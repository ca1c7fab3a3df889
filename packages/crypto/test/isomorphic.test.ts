/**
 * @securevod/crypto promises to run unchanged in browsers. This file checks that promise twice:
 * statically (no Node-only APIs in src) and for real (the bundled package in Chromium opens the
 * documented key-file vector, and a file made in the browser opens in Node).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { base64ToBytes, bytesToHex, openKeyFile, type AppIdentification } from '@securevod/crypto';

const SRC = new URL('../src/', import.meta.url);
const CHROMIUM = '/usr/bin/chromium';
const APP = 'BB:0D:AC:74:D3:21:09:EF:9C:71:1A:5E:77:2C:8E:BF:03:FD:FA:5A';
const KEY = 'AppDecryptKeyAndroid20230101';

void describe('src uses no Node-only APIs', () => {
  void it('no Buffer, node: imports, require or process', async () => {
    const files = (await readdir(SRC)).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 5, `found ${files.join(', ')}`);
    for (const file of files) {
      const code = (await readFile(new URL(file, SRC), 'utf8'))
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      for (const banned of [
        /\bBuffer\b/,
        /from\s+['"]node:/,
        /\brequire\s*\(/,
        /\bprocess\./,
        /from\s+['"](fs|crypto|path)['"]/,
      ]) {
        assert.doesNotMatch(code, banned, `${file} uses ${banned}`);
      }
    }
  });
});

void describe('in Chromium', () => {
  let browser: Browser;
  let server: ReturnType<typeof createServer>;
  let origin: string;

  before(async () => {
    const bundle = await build({
      entryPoints: [new URL('index.ts', SRC).pathname],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome110',
      write: false,
    });
    const js = bundle.outputFiles[0]!.text;
    const docs = await readFile(new URL('../../../docs/formats.md', import.meta.url), 'utf8');
    server = createServer((req, res) => {
      if (req.url === '/crypto.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else if (req.url === '/formats.md') res.writeHead(200, { 'content-type': 'text/plain' }).end(docs);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>crypto</title>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  void it('opens the documented vector, normalises location.origin, and makes a file Node can open', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    const result = await page.evaluate(
      async ({ app, key }) => {
        const lib = await import(`${location.origin}/crypto.js`);
        const docs = await (await fetch('/formats.md')).text();
        const section = docs.split(/^### /m).find((s: string) => s.startsWith('Test vector'))!;
        const hex = /```hex\n([\s\S]*?)```/
          .exec(section)![1]!
          .split('\n')
          .map((l: string) => l.replace(/#.*$/, '').replace(/\s+/g, ''))
          .join('');
        const opened = await lib.openKeyFile(lib.hexToBytes(hex), {
          appIdentification: app,
          appDecryptKey: key,
          extractable: true,
        });
        const secret = lib.bytesToHex(new Uint8Array(await crypto.subtle.exportKey('raw', opened.secretKey)));
        let wrongKey = '';
        try {
          await lib.openKeyFile(lib.hexToBytes(hex), { appIdentification: app, appDecryptKey: key + 'X' });
        } catch (e) {
          wrongKey = (e as { code: string }).code;
        }
        const made = await lib.createKeyFile({
          secret: new Uint8Array(32).fill(7),
          secretVersion: 9,
          appIdentification: location.origin,
          appDecryptKey: key,
          iterations: 100000,
        });
        return {
          secureContext: isSecureContext,
          hasBuffer: 'Buffer' in globalThis,
          secret,
          wrongKey,
          web: lib.normalizeAppIdentification(location.origin),
          made: lib.encodeAppEncryptKey(made),
        };
      },
      { app: APP, key: KEY },
    );
    assert.equal(result.secureContext, true);
    assert.equal(result.hasBuffer, false);
    assert.equal(result.secret, '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    assert.equal(result.wrongKey, 'NotLicensed');
    assert.deepEqual(result.web as AppIdentification, {
      kind: 'web',
      value: origin,
      canonical: `web:${origin}`,
    });

    const opened = await openKeyFile(base64ToBytes(result.made), {
      appIdentification: `${origin}/`,
      appDecryptKey: KEY,
      extractable: true,
    });
    assert.equal(opened.secretVersion, 9);
    assert.equal(
      bytesToHex(new Uint8Array(await crypto.subtle.exportKey('raw', opened.secretKey))),
      '07'.repeat(32),
    );
  });
});
