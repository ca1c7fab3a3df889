// The library's categories and search in Chromium against the real server: each video shows its
// category (with its path in the tree), the Category filter narrows the list, and the search box
// finds titles on the server through SearchMedia — including text with quotes and text that looks
// like SQL, which is searched for as text. A video whose cover was uploaded as an image (ali-oss)
// shows it as a thumbnail.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { decodeTicket, ossClientFor, type UploadTicket } from '../../server/test/support/vod-upload.js';
import { launchChromium, type TestBrowser } from './support/chromium.js';
import { startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';
import { signIn } from './support/console-page.js';

const ALL = ['Untagged algebra notes', "O'Brien's rehearsal", 'Guitar chords', 'Algebra basics'];
let harness: ConsoleHarness;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];
const requests: string[] = [];

async function addCategory(name: string, parentId?: number): Promise<number> {
  const answer = await harness.vod.request<{ Category: { CateId: number } }>('AddCategory', {
    CateName: name,
    ParentId: parentId,
  });
  return answer.Category.CateId;
}

async function addVideo(title: string, cateId?: number): Promise<string> {
  const answer = await harness.vod.request<{ VideoId: string }>('CreateUploadVideo', {
    Title: title,
    FileName: 'lesson.mp4',
    CateId: cateId,
  });
  return answer.VideoId;
}

/** Uploads a JPEG as a cover image (CreateUploadImage + ali-oss) and makes it the video's cover. */
async function setCover(videoId: string): Promise<void> {
  const { stdout: jpeg } = await promisify(execFile)(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', 'smptebars=size=160x90', '-frames:v', '1', '-f', 'mjpeg', '-'],
    { encoding: 'buffer' },
  );
  const image = await harness.vod.request<UploadTicket & { ImageId: string; ImageURL: string }>(
    'CreateUploadImage',
    { ImageType: 'cover', ImageExt: 'jpg' },
  );
  const ticket = decodeTicket({ ...image, VideoId: image.ImageId });
  await ossClientFor(ticket).put(ticket.address.FileName, jpeg);
  await harness.vod.request('UpdateVideoInfo', { VideoId: videoId, CoverURL: image.ImageURL });
}

/** The titles in the library table, in order, once it shows exactly `expected` and is not loading. */
async function rows(expected: string[]): Promise<string[]> {
  await page
    .waitForFunction(
      (titles) => {
        if (document.querySelector('.loading')) return false;
        const shown = [...document.querySelectorAll('tr[data-video-id] td[data-label="Title"] a')].map(
          (a) => a.textContent,
        );
        return JSON.stringify(shown) === JSON.stringify(titles);
      },
      expected,
      { timeout: 15_000 },
    )
    .catch(() => undefined);
  // Read the table once more so a mismatch fails with the titles actually shown.
  return page.locator('tr[data-video-id] td[data-label="Title"] a').allTextContents();
}

before(async () => {
  harness = await startConsoleHarness();
  const courses = await addCategory('Courses');
  const maths = await addCategory('Maths', courses);
  const music = await addCategory('Music');
  await addVideo('Algebra basics', maths);
  const guitar = await addVideo('Guitar chords', music);
  await setCover(guitar);
  await addVideo("O'Brien's rehearsal");
  await addVideo('Untagged algebra notes');
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('request', (request) => {
    const body = request.postData();
    if (body?.includes('Action=')) requests.push(new URLSearchParams(body).get('Action') ?? '');
  });
  await signIn(page, harness.consoleUrl);
  await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor();
});

after(async () => {
  await browser?.close();
  await harness?.close();
});

describe('library categories and search in Chromium', { timeout: 120_000 }, () => {
  it('shows each video’s category with its path', async () => {
    assert.deepEqual(await rows(ALL), ALL);
    const category = (title: string) =>
      page.locator('tr[data-video-id]').filter({ hasText: title }).locator('td[data-label="Category"]');
    assert.equal(await category('Algebra basics').textContent(), 'Courses › Maths');
    assert.equal(await category('Guitar chords').textContent(), 'Music');
    assert.equal(await category('Untagged algebra notes').textContent(), '');
  });

  it('shows covers as thumbnails', async () => {
    assert.deepEqual(await rows(ALL), ALL);
    const thumb = page
      .locator('tr[data-video-id]')
      .filter({ hasText: 'Guitar chords' })
      .locator('img.cover-thumb');
    await page.waitForFunction(
      () => (document.querySelector('img.cover-thumb') as HTMLImageElement | null)?.complete === true,
      undefined,
      { timeout: 15_000 },
    );
    assert.match((await thumb.getAttribute('src')) ?? '', /\/images\/[0-9a-f]{32}\/image\.jpg\?/);
    assert.equal(await thumb.evaluate((img: HTMLImageElement) => img.naturalWidth), 160, 'the cover loaded');
    assert.equal(await page.locator('img.cover-thumb').count(), 1, 'videos without a cover show none');
  });

  it('filters by category', async () => {
    const select = page.getByLabel('Category');
    assert.deepEqual(await select.locator('option').allTextContents(), [
      'All categories',
      'Courses',
      'Courses › Maths',
      'Music',
    ]);
    await select.selectOption({ label: 'Music' });
    assert.deepEqual(await rows(['Guitar chords']), ['Guitar chords']);
    await select.selectOption({ label: 'Courses › Maths' });
    assert.deepEqual(await rows(['Algebra basics']), ['Algebra basics']);
    await select.selectOption({ label: 'Courses' });
    await page.getByText('No videos in “Courses”.').waitFor();
    await select.selectOption({ label: 'All categories' });
    assert.deepEqual(await rows(ALL), ALL);
  });

  it('searches titles on the server, alone and with the category filter', async () => {
    const box = page.getByLabel('Search by title');
    requests.length = 0;
    await box.fill('ALGEBRA');
    assert.deepEqual(await rows(['Untagged algebra notes', 'Algebra basics']), [
      'Untagged algebra notes',
      'Algebra basics',
    ]);
    assert.ok(requests.includes('SearchMedia'), `the search ran on the server: ${requests.join()}`);
    await page.getByLabel('Category').selectOption({ label: 'Courses › Maths' });
    assert.deepEqual(await rows(['Algebra basics']), ['Algebra basics']);
    await page.getByLabel('Category').selectOption({ label: 'All categories' });
    // Wait for the unfiltered search to settle before typing again, or a row count of 1 could be
    // read from the previous (category-filtered) answer.
    assert.deepEqual(await rows(['Untagged algebra notes', 'Algebra basics']), [
      'Untagged algebra notes',
      'Algebra basics',
    ]);

    await box.fill("o'brien");
    assert.deepEqual(await rows(["O'Brien's rehearsal"]), ["O'Brien's rehearsal"]);
    await box.fill("'; DROP TABLE videos; --");
    await page.getByText("No videos matching “'; DROP TABLE videos; --”.").waitFor();
    await box.fill('');
    assert.deepEqual(await rows(ALL), ALL, 'everything is still there');
    assert.deepEqual(pageErrors, []);
  });
});
