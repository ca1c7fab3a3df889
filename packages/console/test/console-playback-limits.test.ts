// The playback-limits page in Chromium against the real server: the account's concurrent-stream
// setting starts off; an out-of-range value is named on its field and saves nothing; a valid
// setting is saved with SetCustomerConfig (checked through the API), shown again when the page is
// opened again, and turned off again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, type TestBrowser } from './support/chromium.js';
import { startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';
import { openPage, signIn } from './support/console-page.js';

let harness: ConsoleHarness;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

interface Limits {
  MaxConcurrentStreams: number;
  ConcurrentStreamsPolicy: string;
  StreamLeaseInterval: number;
  StreamLeaseGrace: number;
}
const limits = () => harness.vod.request<Limits>('GetCustomerConfig');

before(async () => {
  harness = await startConsoleHarness();
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

after(async () => {
  await browser?.close();
  await harness?.close();
});

describe('console: playback limits in Chromium', { timeout: 120_000 }, () => {
  it('shows the setting off, refuses an out-of-range value on its field, saves and turns off', async () => {
    await harness.requireActions('GetCustomerConfig', 'SetCustomerConfig');
    await signIn(page, harness.consoleUrl);
    await openPage(page, 'playbackLimits');
    const screens = page.getByLabel('Screens per viewer');
    assert.equal(await screens.inputValue(), '0');
    assert.ok(await page.getByLabel('One screen too many').isDisabled(), 'the policy waits for a limit');

    await screens.fill('101');
    await page.getByRole('button', { name: 'Save playback limits' }).click();
    await page.getByText('Enter a whole number from 0 to 100.').waitFor();
    assert.equal((await limits()).MaxConcurrentStreams, 0, 'nothing was saved');

    await screens.fill('2');
    await page.getByLabel('One screen too many').selectOption('EndOldest');
    await page.getByLabel('Heartbeat interval (s)').fill('30');
    await page.getByLabel('Grace (s)').fill('15');
    await page.getByRole('button', { name: 'Save playback limits' }).click();
    await page
      .getByText('Saved: at most 2 screens per viewer; a new screen ends the viewer’s oldest one.')
      .waitFor();
    const saved = await limits();
    assert.deepEqual(
      [
        saved.MaxConcurrentStreams,
        saved.ConcurrentStreamsPolicy,
        saved.StreamLeaseInterval,
        saved.StreamLeaseGrace,
      ],
      [2, 'EndOldest', 30, 15],
    );

    // Away and back: the page reads the saved setting again.
    await openPage(page, 'downloads');
    await openPage(page, 'playbackLimits');
    assert.equal(await page.getByLabel('Screens per viewer').inputValue(), '2');
    assert.equal(await page.getByLabel('One screen too many').inputValue(), 'EndOldest');

    await page.getByLabel('Screens per viewer').fill('0');
    await page.getByRole('button', { name: 'Save playback limits' }).click();
    await page.getByText('Concurrent-stream limits are off.').waitFor();
    assert.equal((await limits()).MaxConcurrentStreams, 0);
    assert.deepEqual(pageErrors, []);
  });
});
