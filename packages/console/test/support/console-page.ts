/** Page helpers shared by the console's browser tests and the screenshot script. */
import type { Page } from 'playwright-core';
import { TEST_ROOT_KEY } from './console-harness.js';

export const PAGES = {
  library: { nav: 'Library', heading: 'Library', path: '' },
  templates: { nav: 'Template groups', heading: 'Template groups', path: 'templates' },
  downloads: { nav: 'Downloads & app keys', heading: 'Downloads & app keys', path: 'downloads' },
  playbackLimits: { nav: 'Playback limits', heading: 'Playback limits', path: 'playback-limits' },
  callbacks: { nav: 'Callbacks', heading: 'Callbacks', path: 'callbacks' },
  accessKeys: { nav: 'Access keys', heading: 'Access keys', path: 'access-keys' },
  keyDeliveries: { nav: 'Key-delivery log', heading: 'Key-delivery log', path: 'key-deliveries' },
  users: { nav: 'Users', heading: 'Users', path: 'users' },
  policies: { nav: 'Policies', heading: 'Policies', path: 'policies' },
  roles: { nav: 'Roles', heading: 'Roles', path: 'roles' },
  leaks: { nav: 'Investigate a leak', heading: 'Investigate a leak', path: 'leaks' },
} as const;

export type PageKey = keyof typeof PAGES;

export async function signIn(
  page: Page,
  consoleUrl: string,
  options: { remember?: boolean; secret?: string } = {},
): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel('AccessKey ID').fill(TEST_ROOT_KEY.accessKeyId);
  await page.getByLabel('AccessKey secret').fill(options.secret ?? TEST_ROOT_KEY.accessKeySecret);
  if (options.remember) await page.getByLabel('Remember me on this device').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens a page through the navigation (opening the menu first on narrow screens). */
export async function openPage(page: Page, key: PageKey): Promise<void> {
  const { nav, heading } = PAGES[key];
  await page.getByRole('banner').waitFor();
  const menu = page.getByRole('button', { name: 'Menu' });
  if (await menu.isVisible()) await menu.click();
  await page
    .getByRole('navigation', { name: 'Console' })
    .getByRole('link', { name: nav, exact: true })
    .click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Waits until no section shows its loading state (the SPA's data has arrived). */
export async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('.loading') === null, undefined, {
    timeout: 30_000,
  });
  await page.waitForTimeout(200);
}
