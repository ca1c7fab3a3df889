/**
 * Both package stores (OPFS and IndexedDB, src/offline/*-package-store.ts) pass the conformance
 * suite (test/support/package-store-contract.ts) in real Chromium, through the built SDK bundle a
 * page loads; and `openPackageStore('auto')` picks OPFS where the browser has it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from '../../server/test/support/browser.js';
import { packageStoreContract } from './support/package-store-contract.js';
import { startStaticServer, type StaticServer } from './support/static-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('package stores in Chromium', () => {
  let server: StaticServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    // Test the current sources: rebuild the bundle when a source is newer (cheap otherwise).
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build-sdk.mjs'), '--quiet'], {
      stdio: 'inherit',
    });
    assert.equal(built.status, 0, 'scripts/build-sdk.mjs failed');
    server = await startStaticServer({
      '/sdk/securevod-player.js': join(ROOT, 'packages/player/dist/securevod-player.js'),
      '/': { html: '<!doctype html><title>store</title><script src="/sdk/securevod-player.js"></script>' },
    });
    browser = await launchChromium();
    page = await newPage(browser);
    await page.goto(`${server.origin()}/`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const kind of ['opfs', 'indexeddb']) {
    test(`${kind} passes the PackageStore contract`, async () => {
      const ran = await page.evaluate(packageStoreContract, kind);
      assert.equal(ran.length, 7, ran.join(', '));
    });
  }

  test("'auto' picks OPFS in Chromium", async () => {
    const kind = await page.evaluate(async () => {
      const sdk = (window as unknown as { SecureVod: { openPackageStore(): Promise<{ kind: string }> } })
        .SecureVod;
      return (await sdk.openPackageStore()).kind;
    });
    assert.equal(kind, 'opfs');
  });
});
