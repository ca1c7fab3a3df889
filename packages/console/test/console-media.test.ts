// Media in the console, in Chromium against the real server: upload two files with per-file
// progress (ali-oss multipartUpload in the browser) into an encrypted default group, follow them
// to Ready, see renditions and encryption, play one with the player SDK, find its key deliveries
// in the audit log, search and filter the library, and delete with confirmation.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { newTemplateDraft, toTemplateList } from '../src/forms/template-form.js';
import type { GetVideoListAnswer } from '../src/api/wire-types.js';
import { makeClip } from '../../server/test/support/media.js';
import { launchChromium, type TestBrowser } from './support/chromium.js';
import { startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';
import { openPage, signIn } from './support/console-page.js';

let harness: ConsoleHarness;
let browser: TestBrowser;
let page: Page;
let clipDir: string;
const pageErrors: string[] = [];
let playable = false;

before(async () => {
  clipDir = await mkdtemp(join(tmpdir(), 'securevod-console-clips-'));
  await Promise.all([
    makeClip(join(clipDir, 'lecture-one.mp4'), { seconds: 6, width: 640, height: 360 }),
    makeClip(join(clipDir, 'lecture-two.mp4'), { seconds: 4, width: 480, height: 270 }),
  ]);
  harness = await startConsoleHarness();
  // An encrypted default group with two renditions, so uploads that name no group are encrypted.
  const { TranscodeTemplateGroupId } = await harness.vod.request<{ TranscodeTemplateGroupId: string }>(
    'AddTranscodeTemplateGroup',
    {
      Name: 'Encrypted ladder',
      TranscodeTemplateList: JSON.stringify(
        toTemplateList({
          name: 'Encrypted ladder',
          templates: [
            {
              ...newTemplateDraft('LD', 'AliyunVoDEncryption'),
              height: '180',
              videoBitrate: '300',
              segmentSeconds: '2',
            },
            {
              ...newTemplateDraft('SD', 'HLSEncryption'),
              height: '360',
              videoBitrate: '600',
              segmentSeconds: '2',
            },
          ],
        }),
      ),
    },
  );
  await harness.vod.request('SetDefaultTranscodeTemplateGroup', { TranscodeTemplateGroupId });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signIn(page, harness.consoleUrl);
  await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor();
});

after(async () => {
  await browser?.close();
  await harness?.close();
  if (clipDir) await rm(clipDir, { recursive: true, force: true });
});

describe('console media flows in Chromium', { timeout: 300_000 }, () => {
  it('uploads two files with per-file progress and follows them to Ready', async () => {
    const percents: string[] = [];
    await page.exposeFunction('reportUploadText', (text: string) => percents.push(text));
    await page.evaluate(() => {
      new MutationObserver(() => {
        for (const row of document.querySelectorAll('.upload-row')) {
          (window as unknown as { reportUploadText(text: string): void }).reportUploadText(
            row.textContent ?? '',
          );
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.setInputFiles('#upload-files', [
      join(clipDir, 'lecture-one.mp4'),
      join(clipDir, 'lecture-two.mp4'),
    ]);
    for (const name of ['lecture-one.mp4', 'lecture-two.mp4']) {
      await page
        .locator(`.upload-row[data-file="${name}"]`)
        .getByText('Uploaded.')
        .waitFor({ timeout: 60_000 });
    }
    assert.ok(
      percents.some((text) => /lecture-one\.mp4.*\d+%/.test(text)),
      'progress was shown',
    );

    for (const title of ['lecture-one', 'lecture-two']) {
      const row = page.locator('tr[data-video-id]').filter({ hasText: title });
      await row.locator('.badge[data-status="Normal"]').waitFor({ timeout: 180_000 });
    }
    const list = await harness.vod.request<GetVideoListAnswer>('GetVideoList', { Status: 'Normal' });
    assert.equal(list.Total, 2);
    // The upload rows followed the same status.
    await page.locator('.upload-row[data-file="lecture-one.mp4"] .badge[data-status="Normal"]').waitFor();
  });

  it('searches by title and filters by status', async () => {
    await page.getByLabel('Search by title').fill('two');
    // The search runs on the server after a pause in typing: wait for the list to narrow.
    await page.waitForFunction(() => document.querySelectorAll('tr[data-video-id]').length === 1);
    await page.locator('tr[data-video-id]').filter({ hasText: 'lecture-two' }).waitFor();
    await page.getByLabel('Search by title').fill('nothing like this');
    await page.getByText('No videos matching “nothing like this”.').waitFor();
    await page.getByLabel('Search by title').fill('');
    await page.getByLabel('Status').selectOption('TranscodeFail');
    await page.getByText('No videos with status “Transcoding failed”.').waitFor();
    await page.getByLabel('Status').selectOption('Normal');
    await page.locator('tr[data-video-id]').nth(1).waitFor();
    assert.equal(await page.locator('tr[data-video-id]').count(), 2);
  });

  it('shows renditions with their encryption and plays with the player SDK', async () => {
    await page.getByRole('link', { name: 'lecture-one' }).click();
    await page.getByRole('heading', { level: 1, name: 'lecture-one' }).waitFor();
    const renditions = page.locator('section', { has: page.getByRole('heading', { name: 'Renditions' }) });
    await renditions.getByRole('cell', { name: 'Private (AES-256-GCM)' }).waitFor();
    await renditions.getByRole('cell', { name: 'Standard HLS (AES-128)' }).waitFor();
    assert.equal(await renditions.getByRole('row').count(), 3);

    await harness.requireActions('GetVideoPlayAuth');
    const sdk = await fetch(`${harness.host.url}/sdk/securevod-player.js`);
    assert.equal(sdk.status, 200, 'the server serves the player SDK');
    await page.getByRole('button', { name: 'Play' }).click();
    await page.getByText('Playing with the securevod player SDK.').waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      () => (document.querySelector('[data-testid="player-video"]') as HTMLVideoElement).currentTime > 1,
      undefined,
      { timeout: 30_000 },
    );
    playable = true;
  });

  it('finds the key deliveries of that playback in the audit log', async () => {
    assert.ok(
      playable,
      'playback did not run (the step before failed), so there are no key deliveries to find',
    );
    const videoId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await openPage(page, 'keyDeliveries');
    await page.getByLabel('VideoId').fill(videoId);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    assert.ok((await rows.count()) >= 1);
    for (const text of await rows.allTextContents()) assert.ok(text.includes(videoId), text);
    await page.getByLabel('Client IP').fill('203.0.113.9');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No deliveries match these filters.').waitFor();
  });

  it('deletes a video only after confirmation', async () => {
    await openPage(page, 'library');
    const row = page.locator('tr[data-video-id]').filter({ hasText: 'lecture-two' });
    await row.getByRole('button', { name: 'Delete lecture-two' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “lecture-two”?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await row.count(), 1);
    await row.getByRole('button', { name: 'Delete lecture-two' }).click();
    await dialog.getByRole('button', { name: 'Delete video' }).click();
    await page.getByText('Deleted “lecture-two”.').waitFor();
    assert.equal(await row.count(), 0);
    const list = await harness.vod.request<GetVideoListAnswer>('GetVideoList');
    assert.deepEqual(
      list.VideoList?.Video?.map((v) => v.Title),
      ['lecture-one'],
    );
    assert.deepEqual(pageErrors, []);
  });
});
