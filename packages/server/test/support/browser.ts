/** Debian's Chromium through playwright-core, started the way this project's machines need. */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

/** playwright's `launch` uses a fresh temporary profile (it refuses --user-data-dir). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * A page where functions passed to `page.evaluate` work: tsx compiles tests with esbuild's
 * keepNames, which wraps functions in `__name(…)` — a helper pages do not define.
 */
export async function newPage(browser: Browser) {
  const page = await browser.newPage();
  await page.addInitScript('globalThis.__name = (fn) => fn');
  return page;
}
