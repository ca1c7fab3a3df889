// Encryption in the console, in Chromium against the real server (issue 14, item 6): the library
// shows how each video's renditions are encrypted and filters by it (none / standard / private,
// on the server: GetVideoList EncryptType), and the video page shows it. Videos are arranged the
// way a backend makes them: pop-core and ali-oss, with one template group per kind.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { addGroup, encryptedTemplate, uploadVideo } from '../../server/test/support/fixtures.js';
import { makeClip } from '../../server/test/support/media.js';
import { popError, vodClient } from '../../server/test/support/vod-client.js';
import { launchChromium, type TestBrowser } from './support/chromium.js';
import { startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';
import { openPage, signIn } from './support/console-page.js';

let harness: ConsoleHarness;
let browser: TestBrowser;
let page: Page;
let clipDir: string;
const pageErrors: string[] = [];
const ids: Record<'plain' | 'standard' | 'mixed' | 'pending', string> = {
  plain: '',
  standard: '',
  mixed: '',
  pending: '',
};

interface ListedVideo {
  VideoId: string;
  Title: string;
  EncryptTypes?: string;
}

before(async () => {
  clipDir = await mkdtemp(join(tmpdir(), 'securevod-console-encryption-'));
  const clip = join(clipDir, 'clip.mp4');
  await makeClip(clip, { seconds: 2, width: 320, height: 180 });
  harness = await startConsoleHarness();
  const vod = vodClient(harness.serverUrl);
  const clear = await addGroup(vod, 'clear', [encryptedTemplate('SD', 180)]);
  const standard = await addGroup(vod, 'standard', [encryptedTemplate('SD', 180, 'HLSEncryption')]);
  const mixed = await addGroup(vod, 'private and standard', [
    encryptedTemplate('SD', 180, 'AliyunVoDEncryption'),
    encryptedTemplate('LD', 144, 'HLSEncryption'),
  ]);
  ids.plain = await uploadVideo(vod, clip, clear, 'plain lecture');
  ids.standard = await uploadVideo(vod, clip, standard, 'standard lecture');
  ids.mixed = await uploadVideo(vod, clip, mixed, 'private lecture');
  // Created, never uploaded: no renditions, so no encryption yet.
  ids.pending = (
    await vod.request<{ VideoId: string }>(
      'CreateUploadVideo',
      { Title: 'pending lecture', FileName: 'pending.mp4' },
      { method: 'POST' },
    )
  ).VideoId;

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

/** The titles of the library rows, once `count` rows show. */
/**
 * Waits until the library shows exactly `expected` (any order) and no load is running, then
 * asserts it. Waiting for the titles, not a row count, keeps a stale list of the same length
 * (the one on screen before a filter change re-renders) from passing.
 */
async function expectTitles(expected: string[]): Promise<void> {
  const want = [...expected].sort();
  const read = async () =>
    (await page.locator('tr[data-video-id] td[data-label="Title"] a').allTextContents()).sort();
  try {
    await page.waitForFunction(
      (titles) => {
        if (document.querySelector('.loading')) return false;
        const shown = [...document.querySelectorAll('tr[data-video-id] td[data-label="Title"] a')]
          .map((a) => a.textContent ?? '')
          .sort();
        return JSON.stringify(shown) === JSON.stringify(titles);
      },
      want,
      { timeout: 15_000, polling: 100 },
    );
  } catch {
    // Fall through: the assertion below shows what the page shows instead.
  }
  assert.deepEqual(await read(), want);
}

describe('video encryption in the console', { timeout: 240_000 }, () => {
  it('the API reports each video’s encryption and filters by it (pop-core)', async () => {
    const vod = vodClient(harness.serverUrl);
    const list = async (EncryptType?: string) =>
      (
        await vod.request<{ Total: number; VideoList: { Video: ListedVideo[] } }>('GetVideoList', {
          ...(EncryptType && { EncryptType }),
        })
      ).VideoList.Video.map((v) => v.Title).sort();
    assert.deepEqual(await list('Unencrypted'), ['plain lecture']);
    assert.deepEqual(await list('HLSEncryption'), ['private lecture', 'standard lecture']);
    assert.deepEqual(await list('AliyunVoDEncryption'), ['private lecture']);
    assert.equal((await list()).length, 4);

    const { Video } = await vod.request<{ Video: ListedVideo }>('GetVideoInfo', { VideoId: ids.mixed });
    assert.equal(Video.EncryptTypes, 'AliyunVoDEncryption,HLSEncryption');
    const infos = await vod.request<{ VideoList: ListedVideo[] }>('GetVideoInfos', {
      VideoIds: [ids.plain, ids.pending].join(','),
    });
    assert.deepEqual(infos.VideoList.map((v) => [v.Title, v.EncryptTypes]).sort(), [
      ['pending lecture', undefined],
      ['plain lecture', 'Unencrypted'],
    ]);

    const error = await popError(vod.request('GetVideoList', { EncryptType: 'Private' }));
    assert.equal(error.code, 'InvalidParameter');
    assert.equal(error.entry.response.statusCode, 400);
    assert.match(error.data.Message, /EncryptType/);
  });

  it('shows an Encryption column and filters the library by none / standard / private', async () => {
    await expectTitles(['pending lecture', 'plain lecture', 'private lecture', 'standard lecture']);
    const cell = (id: string) => page.locator(`tr[data-video-id="${id}"] td[data-label="Encryption"]`);
    assert.equal((await cell(ids.mixed).innerText()).replace(/\s+/g, ' ').trim(), 'Private Standard');
    assert.equal(await cell(ids.standard).innerText(), 'Standard');
    assert.equal(await cell(ids.plain).innerText(), 'None');
    assert.equal(await cell(ids.pending).innerText(), '—');
    assert.equal(
      await page.getByRole('columnheader', { name: 'Encryption' }).count(),
      1,
      'the table has an Encryption column',
    );

    const filter = page.getByLabel('Encryption');
    await filter.selectOption({ label: 'Private' });
    await expectTitles(['private lecture']);
    await filter.selectOption({ label: 'Standard' });
    await expectTitles(['private lecture', 'standard lecture']);
    await filter.selectOption({ label: 'None' });
    await expectTitles(['plain lecture']);

    // With the status filter: nothing both uploading and unencrypted.
    await page.getByLabel('Status').selectOption('Uploading');
    await page.getByText('No videos with status “Uploading”, with encryption “None”.').waitFor();
    await page.getByLabel('Status').selectOption('');

    // A title search with an encryption filter narrows the loaded (already filtered) videos.
    const search = page.getByLabel('Search by title');
    await filter.selectOption({ label: 'Standard' });
    await search.fill('private');
    await expectTitles(['private lecture']);
    await filter.selectOption({ label: 'Any encryption' });

    // A search alone runs on the server (SearchMedia, which returns no encryption): the column
    // is filled in all the same.
    await search.fill('lecture');
    await page.waitForFunction(
      () => document.querySelectorAll('td[data-label="Encryption"] .badge').length === 4,
      undefined,
      { timeout: 15_000 },
    );
    assert.equal((await cell(ids.mixed).innerText()).replace(/\s+/g, ' ').trim(), 'Private Standard');
    await search.fill('');
    await expectTitles(['pending lecture', 'plain lecture', 'private lecture', 'standard lecture']);
  });

  it('shows the encryption on the video page', async () => {
    await page.getByRole('link', { name: 'private lecture' }).click();
    await page.getByRole('heading', { level: 1, name: 'private lecture' }).waitFor();
    const header = page.locator('.page-header');
    await header.locator('.badge-enc-private', { hasText: 'Private encryption' }).waitFor();
    await header.locator('.badge-enc-standard', { hasText: 'Standard encryption' }).waitFor();
    assert.equal(
      await page.getByTestId('video-encryption').innerText(),
      'Private (AES-256-GCM), Standard HLS (AES-128)',
    );

    await openPage(page, 'library');
    await page.getByRole('link', { name: 'plain lecture' }).click();
    await page.getByRole('heading', { level: 1, name: 'plain lecture' }).waitFor();
    await page.locator('.page-header .badge-enc-none', { hasText: 'Not encrypted' }).waitFor();
    assert.equal(await page.getByTestId('video-encryption').innerText(), 'None');
    assert.deepEqual(pageErrors, []);
  });
});
