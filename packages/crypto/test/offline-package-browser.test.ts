/**
 * Offline packages in a real browser: the bundled @securevod/crypto in Chromium opens the
 * documented vector with the documented key file, opens a package Node made — stored in OPFS and
 * read from there one slice at a time, as the web SDK does — with a key file for `location.origin`,
 * reports the documented errors, and makes a package (1 MiB chunks) that Node opens.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import {
  base64ToBytes,
  bytesToBase64,
  concatBytes,
  createKeyFile,
  encryptPackageStream,
  openKeyFile,
  openPackage,
  packageSourceFromBytes,
  type PackageWriterOptions,
} from '@securevod/crypto';

const SRC = new URL('../src/', import.meta.url);
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const KEY = 'AppDecryptKeyWeb2024x';
const ANDROID = 'BB:0D:AC:74:D3:21:09:EF:9C:71:1A:5E:77:2C:8E:BF:03:FD:FA:5A';

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of stream) parts.push(p);
  return concatBytes(...parts);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

void describe('offline package in Chromium', () => {
  let context: BrowserContext;
  let profile: string;
  let server: ReturnType<typeof createServer>;
  let origin: string;
  const files = new Map<string, { type: string; body: string | Uint8Array }>();
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const plaintext = crypto.getRandomValues(new Uint8Array(3.5 * 1024));

  before(async () => {
    const bundle = await build({
      entryPoints: [new URL('index.ts', SRC).pathname],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome110',
      write: false,
    });
    files.set('/crypto.js', { type: 'text/javascript', body: bundle.outputFiles[0]!.text });
    files.set('/formats.md', {
      type: 'text/plain',
      body: await readFile(new URL('../../../docs/formats.md', import.meta.url), 'utf8'),
    });
    server = createServer((req, res) => {
      const file = files.get(req.url ?? '');
      if (file) res.writeHead(200, { 'content-type': file.type }).end(file.body);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>offline</title>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // What the server would hand out: the key file for this web origin and two packages.
    const keyFile = await createKeyFile({
      secret,
      secretVersion: 4,
      appIdentification: origin,
      appDecryptKey: KEY,
      iterations: 100_000,
    });
    const base: PackageWriterOptions = {
      secret,
      secretVersion: 4,
      videoId: 'video-1',
      definition: 'HD',
      appIdentification: origin,
      plaintextLength: plaintext.length,
      chunkSize: 1024,
    };
    files.set('/app.key', { type: 'application/octet-stream', body: keyFile });
    files.set('/mine.svpk', {
      type: 'application/octet-stream',
      body: await collect(encryptPackageStream([plaintext], base)),
    });
    files.set('/other-app.svpk', {
      type: 'application/octet-stream',
      body: await collect(
        encryptPackageStream([plaintext], { ...base, appIdentification: 'com.example.app' }),
      ),
    });

    profile = await mkdtemp(join(tmpdir(), 'securevod-offline-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });

  after(async () => {
    await context?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  void it('opens the documented vector and a Node-made package from OPFS; makes one Node opens', async () => {
    const page = await context.newPage();
    // tsx compiles this file with esbuild's keepNames, which wraps the named functions inside the
    // evaluated callback in `__name(…)`; the page has no such helper.
    await page.addInitScript('globalThis.__name = (fn) => fn;');
    page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
    await page.goto(`${origin}/`);
    const result = await page.evaluate(
      async ({ key, android, secretB64 }) => {
        const lib = await import(`${location.origin}/crypto.js`);
        const bytes = async (path: string) => new Uint8Array(await (await fetch(path)).arrayBuffer());
        const hex = async (data: Uint8Array<ArrayBuffer>) =>
          lib.bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', data)));
        const collect = async (stream: AsyncIterable<Uint8Array>) => {
          const parts: Uint8Array[] = [];
          for await (const p of stream) parts.push(p);
          return lib.concatBytes(...parts) as Uint8Array<ArrayBuffer>;
        };
        const codeOf = async (promise: Promise<unknown>) => {
          try {
            await promise;
            return 'none';
          } catch (e) {
            return (e as { code?: string }).code ?? String(e);
          }
        };

        // 1. The documented vectors: key file + package.
        const docs = await (await fetch('/formats.md')).text();
        const vectorHex = (title: string) => {
          const section = docs.split(/^## /m).find((s) => s.startsWith(title))!;
          const vector = section.split(/^### /m).find((s) => s.startsWith('Test vector'))!;
          return /```hex\n([\s\S]*?)```/
            .exec(vector)![1]!
            .split('\n')
            .map((l) => l.replace(/#.*$/, '').replace(/\s+/g, ''))
            .join('');
        };
        const docKey = await lib.openKeyFile(lib.hexToBytes(vectorHex('Key file (AppEncryptKey)')), {
          appIdentification: android,
          appDecryptKey: 'AppDecryptKeyAndroid20230101',
        });
        const docPackage = await lib.openPackage(
          lib.packageSourceFromBytes(lib.hexToBytes(vectorHex('Offline package (secure download)'))),
          docKey,
        );
        const vectorText = new TextDecoder().decode(await collect(docPackage.stream()));

        // 2. This app's key file, opened with location.origin.
        const opened = await lib.openKeyFile(await bytes('/app.key'), {
          appIdentification: location.origin,
          appDecryptKey: key,
        });

        // 3. Store the package in OPFS and read it back slice by slice.
        const root = await navigator.storage.getDirectory();
        const handle = await root.getFileHandle('mine.svpk', { create: true });
        const writable = await handle.createWritable();
        await writable.write(await bytes('/mine.svpk'));
        await writable.close();
        const file = await handle.getFile();
        const source = {
          size: file.size,
          read: async (offset: number, length: number) =>
            new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
        };
        const pkg = await lib.openPackage(source, { ...opened, appIdentification: location.origin });
        const streamedHash = await hex(await collect(pkg.stream()));
        const range = lib.bytesToHex(await pkg.read(1000, 100));

        // 4. The errors.
        const tampered = await bytes('/mine.svpk');
        tampered[tampered.length - 100]! ^= 1;
        const tamperedPkg = await lib.openPackage(lib.packageSourceFromBytes(tampered), opened);
        const errors = {
          otherApp: await codeOf(
            lib.openPackage(lib.packageSourceFromBytes(await bytes('/other-app.svpk')), opened),
          ),
          otherVersion: await codeOf(
            lib.openPackage(lib.packageSourceFromBytes(await bytes('/mine.svpk')), {
              ...opened,
              secretVersion: 5,
            }),
          ),
          tampered: await codeOf(collect(tamperedPkg.stream())),
          truncated: await codeOf(
            lib.openPackage(
              lib.packageSourceFromBytes((await bytes('/mine.svpk')).subarray(0, 1500)),
              opened,
            ),
          ),
          message: await lib
            .openPackage(lib.packageSourceFromBytes(await bytes('/other-app.svpk')), opened)
            .catch((e: Error) => e.message),
        };

        // 5. The browser as the writer: 2.5 MiB at the default 1 MiB chunks.
        const big = new Uint8Array(2.5 * 1024 * 1024);
        for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
        async function* slices() {
          for (let i = 0; i < big.length; i += 300_000) yield big.slice(i, i + 300_000);
        }
        const made = await collect(
          lib.encryptPackageStream(slices(), {
            secret: lib.base64ToBytes(secretB64),
            secretVersion: 4,
            videoId: 'video-2',
            definition: 'FHD',
            appIdentification: location.origin,
            plaintextLength: big.length,
          }),
        );
        const madeBack = await lib.openPackage(lib.packageSourceFromBytes(made), opened);
        return {
          vectorText,
          hasBuffer: 'Buffer' in globalThis,
          streamedHash,
          range,
          errors,
          made: lib.bytesToBase64(made),
          madeHash: await hex(big),
          madeRoundTrip: (await hex(await collect(madeBack.stream()))) === (await hex(big)),
          madeChunks: madeBack.header.chunkCount,
        };
      },
      { key: KEY, android: ANDROID, secretB64: bytesToBase64(secret) },
    );

    assert.equal(result.hasBuffer, false);
    assert.equal(result.vectorText, 'securevod offline package: 3 chunks, v1');
    assert.equal(result.streamedHash, sha256(plaintext));
    assert.equal(result.range, Buffer.from(plaintext.subarray(1000, 1100)).toString('hex'));
    assert.deepEqual(result.errors, {
      otherApp: 'NotLicensed',
      otherVersion: 'NotLicensed',
      tampered: 'Tampered',
      truncated: 'Truncated',
      message: 'This package is not licensed for this app.',
    });
    assert.equal(result.madeRoundTrip, true);
    assert.equal(result.madeChunks, 3);

    const opened = await openKeyFile(files.get('/app.key')!.body as Uint8Array, {
      appIdentification: `${origin}/`,
      appDecryptKey: KEY,
    });
    const made = await openPackage(packageSourceFromBytes(base64ToBytes(result.made)), opened);
    assert.equal(made.header.definition, 'FHD');
    assert.equal(made.header.chunkSize, 1 << 20);
    assert.equal(sha256(await collect(made.stream())), result.madeHash);
  });
});
