/**
 * The screenshot tour behind `scripts/console-screenshots.mjs`: starts the real server with a
 * temp data dir, fills it the way an operator would (through the console itself: an encrypted
 * default group, two uploads, an app registration, a callback, an extra access key, a playback
 * for the key log), then photographs every page at 1366×768 and 390×844.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { makeClip } from '../../../server/test/support/media.js';
import { launchChromium } from './chromium.js';
import { startConsoleHarness, type ConsoleHarness } from './console-harness.js';
import { openPage, settle, signIn, type PageKey } from './console-page.js';

export const VIEWPORTS = {
  desktop: { width: 1366, height: 768 },
  mobile: { width: 390, height: 844 },
} as const;

const SHOTS: readonly { name: string; page: PageKey | 'video' | 'sign-in' | 'template-editor' }[] = [
  { name: 'sign-in', page: 'sign-in' },
  { name: 'library', page: 'library' },
  { name: 'video', page: 'video' },
  { name: 'template-groups', page: 'templates' },
  { name: 'template-editor', page: 'template-editor' },
  { name: 'downloads', page: 'downloads' },
  { name: 'callbacks', page: 'callbacks' },
  { name: 'access-keys', page: 'accessKeys' },
  { name: 'key-deliveries', page: 'keyDeliveries' },
];

export async function runScreenshotTour(
  outDir: string,
  log: (line: string) => void = console.error,
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const clipDir = await mkdtemp(join(tmpdir(), 'securevod-console-shots-'));
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  let harness: ConsoleHarness | undefined;
  const browser = await launchChromium({ viewport: VIEWPORTS.desktop });
  const written: string[] = [];
  try {
    log('making clips and starting the server…');
    await makeClip(join(clipDir, 'Intro to cryptography.mp4'), { seconds: 8, width: 1280, height: 720 });
    await makeClip(join(clipDir, 'Week 2 - Block ciphers.mp4'), { seconds: 5, width: 480, height: 270 });
    harness = await startConsoleHarness();
    const page = await browser.context.newPage();
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await signIn(page, harness.consoleUrl);
    await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor();
    const videoId = await seed(
      page,
      harness,
      clipDir,
      `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/vod-events`,
      log,
    );

    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      for (const shot of SHOTS) {
        await show(page, harness, shot.page, videoId);
        const file = join(outDir, `${shot.name}-${size}.png`);
        await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
        written.push(file);
        log(`wrote ${file}`);
        if (shot.page === 'sign-in') await signIn(page, harness.consoleUrl);
      }
    }
    return written;
  } finally {
    await browser.close();
    await harness?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await rm(clipDir, { recursive: true, force: true });
  }
}

/** Fills the service through the console; returns the VideoId that was played. */
async function seed(
  page: Page,
  harness: ConsoleHarness,
  clipDir: string,
  callbackUrl: string,
  log: (line: string) => void,
): Promise<string> {
  log('creating an encrypted default template group…');
  await openPage(page, 'templates');
  await page.getByRole('button', { name: 'New group' }).click();
  await page.getByLabel('Group name').fill('Encrypted course ladder');
  const first = page.getByRole('listitem', { name: 'Template 1' });
  await first.getByLabel('Height (px)').fill('360');
  await first.getByLabel('Key rotation (segments)').fill('10');
  await page.getByRole('button', { name: 'Add template' }).click();
  const second = page.getByRole('listitem', { name: 'Template 2' });
  await second.getByLabel('Definition').selectOption('HD');
  await second.getByLabel('Height (px)').fill('720');
  await second.getByLabel('Video Encryption').selectOption('HLSEncryption');
  await page.getByRole('button', { name: 'Create group' }).click();
  await page.getByText('Created “Encrypted course ladder”.').waitFor();
  await page.getByRole('button', { name: 'Make Encrypted course ladder the default' }).click();
  await page.getByText('is now the default group').waitFor();

  log('uploading two videos…');
  await openPage(page, 'library');
  await page.setInputFiles('#upload-files', [
    join(clipDir, 'Intro to cryptography.mp4'),
    join(clipDir, 'Week 2 - Block ciphers.mp4'),
  ]);
  for (const title of ['Intro to cryptography', 'Week 2 - Block ciphers']) {
    await page
      .locator('tr[data-video-id]')
      .filter({ hasText: title })
      .locator('.badge[data-status="Normal"]')
      .waitFor({ timeout: 240_000 });
  }
  const videoId = (await page
    .locator('tr[data-video-id]')
    .filter({ hasText: 'Intro to cryptography' })
    .getAttribute('data-video-id'))!;

  log('playing one video (fills the key-delivery log)…');
  await page.getByRole('link', { name: 'Intro to cryptography' }).click();
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForFunction(
    () =>
      ((document.querySelector('[data-testid="player-video"]') as HTMLVideoElement | null)?.currentTime ??
        0) > 1.5,
    undefined,
    { timeout: 60_000 },
  );

  log('registering an app, setting a callback, creating an access key…');
  await openPage(page, 'downloads');
  if (await harness.actionAvailable('SetCustomerConfig')) {
    await page.getByLabel('Offline download').selectOption('on');
    await page.getByRole('button', { name: 'Save download settings' }).click();
    await page.getByText('Offline download is on').waitFor();
  }
  for (const app of ['BB:0D:AC:74:D3:21:09:EF:9C:71:1A:5E:77:2C:8E:BF:03:FD:FA:5A', 'com.example.courses']) {
    await page.getByLabel('App identification').fill(app);
    await page.getByLabel('AppDecryptKey', { exact: true }).fill('CourseAppKey2026xyz');
    await page.getByRole('button', { name: 'Generate key file' }).click();
    await page.getByTestId('download-key-file').waitFor();
  }
  await page.getByLabel('App identification').fill('BB:0D:AC');
  await page.getByLabel('AppDecryptKey', { exact: true }).fill('weak');
  await page.getByLabel('AppDecryptKey', { exact: true }).press('Tab');

  await openPage(page, 'callbacks');
  await page.getByLabel('Callback URL').fill(callbackUrl);
  await page.getByRole('button', { name: 'Save callback settings' }).click();
  await page.getByText('Saved.').waitFor();
  if (await harness.actionAvailable('SendTestCallback')) {
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.locator('tr[data-delivery-status="success"]').first().waitFor({ timeout: 30_000 });
  }

  if (await harness.actionAvailable('CreateAccessKey')) {
    await openPage(page, 'accessKeys');
    await page.getByLabel('Description (optional)').fill('course-site backend');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('button', { name: 'I have stored it' }).click();
  }
  return videoId;
}

async function show(
  page: Page,
  harness: ConsoleHarness,
  target: (typeof SHOTS)[number]['page'],
  videoId: string,
): Promise<void> {
  if (target === 'sign-in') {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByLabel('AccessKey ID').fill('SVAKTESTROOT000000000001');
  } else if (target === 'video') {
    // In-app navigation: a reload would end the (not remembered) session.
    await openPage(page, 'library');
    await page.locator(`tr[data-video-id="${videoId}"]`).getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Intro to cryptography' }).waitFor();
    await page.getByRole('cell', { name: 'Private (AES-256-GCM)' }).first().waitFor();
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForFunction(
      () =>
        ((document.querySelector('[data-testid="player-video"]') as HTMLVideoElement | null)?.currentTime ??
          0) > 2,
      undefined,
      { timeout: 60_000 },
    );
    await page.evaluate(() =>
      (document.querySelector('[data-testid="player-video"]') as HTMLVideoElement).pause(),
    );
  } else if (target === 'template-editor') {
    await openPage(page, 'templates');
    await page.getByRole('button', { name: 'Edit Encrypted course ladder' }).click();
    const template = page.getByRole('listitem', { name: 'Template 1' });
    await template.getByLabel('Height (px)').fill('361');
  } else {
    await openPage(page, target);
  }
  await settle(page);
  await page.mouse.move(0, 0);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}
