/** Headless Chromium for the console's browser tests (playwright-core, the system Chromium). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../server/test/support/browser.js';

export { CHROMIUM_ARGS, CHROMIUM_PATH };

export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A persistent context in a fresh user-data-dir (IndexedDB behaves as in a real profile). */
export async function launchChromium(
  options: { viewport?: { width: number; height: number }; acceptDownloads?: boolean } = {},
): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'securevod-console-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: options.viewport ?? { width: 1366, height: 768 },
    acceptDownloads: options.acceptDownloads ?? true,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
