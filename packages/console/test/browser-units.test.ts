// Functions passed to page.evaluate must not define named functions: tsx would wrap them in a
// helper (`__name`) that does not exist in the page.
//
// Browser-only parts of the console, run in Chromium: the credential vault (IndexedDB + a
// non-extractable WebCrypto key) and the WebCrypto signer, compared with the server's Node signer.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import * as nodeSigner from '../../server/src/rpc/signature.js';
import { launchChromium, type TestBrowser } from './support/chromium.js';
import { startConsoleHost, type ConsoleHost } from './support/console-host.js';

const ENTRY = fileURLToPath(new URL('./support/browser-units-entry.ts', import.meta.url));
const SECRET = 'Vault-Secret-0123456789-abcdef-XYZ';

let host: ConsoleHost;
let browser: TestBrowser;
let page: Page;

before(async () => {
  const bundle = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2022',
    logLevel: 'warning',
  });
  host = await startConsoleHost({ distDir: fileURLToPath(new URL('../dist/', import.meta.url)) });
  host.addFile('/units/units.js', bundle.outputFiles[0]!.text);
  host.addFile(
    '/units/index.html',
    '<!doctype html><meta charset="utf-8"><script src="/units/units.js"></script>',
  );
  browser = await launchChromium();
  page = await browser.context.newPage();
  await page.goto(`${host.url}/units/index.html`);
  await page.waitForFunction(() => 'units' in window);
});

after(async () => {
  await browser?.close();
  await host?.close();
});

describe('credential vault in Chromium', () => {
  it('round-trips credentials and stores neither the secret nor the key bytes in the clear', async () => {
    const result = await page.evaluate(async (secret) => {
      const vault = new window.units.CredentialVault({ dbName: 'vault-roundtrip' });
      await vault.save({
        endpoint: 'http://127.0.0.1:8080',
        accessKeyId: 'SVAKVAULT0001',
        accessKeySecret: secret,
      });
      const loaded = await vault.load();
      const dump = await window.units.dumpDatabase('vault-roundtrip');
      const exported = await window.units.exportStoredKey('vault-roundtrip');
      return { loaded, dump, exported };
    }, SECRET);
    assert.deepEqual(result.loaded, {
      endpoint: 'http://127.0.0.1:8080',
      accessKeyId: 'SVAKVAULT0001',
      accessKeySecret: SECRET,
    });
    assert.ok(!result.dump.includes(SECRET), 'the secret must not be stored in the clear');
    assert.ok(!result.dump.includes('SVAKVAULT0001'), 'the whole pair is encrypted');
    assert.match(result.dump, /"cryptoKey":"AES-GCM","extractable":false/);
    assert.equal(result.exported, 'InvalidAccessError');
  });

  it('survives a reload (a new vault object reads what the old one stored)', async () => {
    await page.evaluate(async (secret) => {
      await new window.units.CredentialVault({ dbName: 'vault-reload' }).save({
        endpoint: '',
        accessKeyId: 'SVAKRELOAD',
        accessKeySecret: secret,
      });
    }, SECRET);
    await page.reload();
    await page.waitForFunction(() => 'units' in window);
    const loaded = await page.evaluate(() =>
      new window.units.CredentialVault({ dbName: 'vault-reload' }).load(),
    );
    assert.equal(loaded?.accessKeySecret, SECRET);
  });

  it('forgets an idle or too-old session, and clear() removes everything', async () => {
    const result = await page.evaluate(async () => {
      const clock = window.units.clock(1_000_000);
      const vault = new window.units.CredentialVault({ dbName: 'vault-expiry', now: clock.now });
      const pair = { endpoint: '', accessKeyId: 'SVAKEXPIRY', accessKeySecret: 'expiring-secret-123' };
      await vault.save(pair);
      clock.advance(7 * 3600_000);
      const afterSevenHours = (await vault.load())?.accessKeyId;
      clock.advance(8 * 3600_000 + 1); // idle since the last load
      const afterIdle = await vault.load();
      const dumpAfterIdle = await window.units.dumpDatabase('vault-expiry');

      await vault.save(pair);
      // Used every 4 hours: never idle, but 7 days and 4 hours old at the end.
      for (let hours = 0; hours < 7 * 24 + 4; hours += 4) {
        clock.advance(4 * 3600_000);
        await vault.touch();
      }
      const afterWeek = await vault.load();

      await vault.save(pair);
      await vault.clear();
      const afterClear = await vault.load();
      return {
        afterSevenHours,
        afterIdle,
        dumpAfterIdle,
        afterWeek,
        afterClear,
        dumpAfterClear: await window.units.dumpDatabase('vault-expiry'),
      };
    });
    assert.equal(result.afterSevenHours, 'SVAKEXPIRY');
    assert.equal(result.afterIdle, undefined);
    assert.equal(result.dumpAfterIdle, '[]', 'an expired session is deleted, key included');
    assert.equal(result.afterWeek, undefined, '7 days is the limit even with activity');
    assert.equal(result.afterClear, undefined);
    assert.equal(result.dumpAfterClear, '[]');
  });

  it('treats a tampered record as no session', async () => {
    const result = await page.evaluate(async () => {
      const vault = new window.units.CredentialVault({ dbName: 'vault-tamper' });
      await vault.save({ endpoint: '', accessKeyId: 'SVAKTAMPER', accessKeySecret: 'tamper-secret-123' });
      const db = await new Promise<IDBDatabase>((resolve) => {
        const request = indexedDB.open('vault-tamper');
        request.onsuccess = () => resolve(request.result);
      });
      await new Promise<void>((resolve) => {
        const store = db.transaction('vault', 'readwrite').objectStore('vault');
        const get = store.get('session');
        get.onsuccess = () => {
          const record = get.result as { ciphertext: ArrayBuffer };
          new Uint8Array(record.ciphertext)[0]! ^= 1;
          store.put(record, 'session').onsuccess = () => resolve();
        };
      });
      db.close();
      return { loaded: await vault.load(), dump: await window.units.dumpDatabase('vault-tamper') };
    });
    assert.equal(result.loaded, undefined);
    assert.equal(result.dump, '[]');
  });
});

describe('WebCrypto signer in Chromium', () => {
  it('signs like the server', async () => {
    const params = {
      Action: 'AddTranscodeTemplateGroup',
      AccessKeyId: 'SVAKTESTROOT000000000001',
      Name: 'Grüße & “quotes” (1)*',
      TranscodeTemplateList: JSON.stringify([
        { Definition: 'SD', EncryptSetting: { EncryptType: 'HLSEncryption' } },
      ]),
      SignatureNonce: '8c6f0d',
      Timestamp: '2026-01-02T03:04:05Z',
    };
    const browserResult = await page.evaluate(
      async ({ params, secret }) => {
        const toSign = window.units.signer.stringToSign('POST', params);
        return { toSign, signature: await window.units.signer.sign(secret, toSign) };
      },
      { params, secret: SECRET },
    );
    assert.equal(browserResult.toSign, nodeSigner.stringToSign('POST', params));
    assert.equal(browserResult.signature, nodeSigner.sign(SECRET, nodeSigner.stringToSign('POST', params)));
  });
});
