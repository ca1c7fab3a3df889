// "Investigate a leak" in Chromium against the real server: a short traced video, one viewer's
// session fetched through the server by ffmpeg and re-encoded; the page uploads it (ali-oss in the
// browser), runs the extraction and shows the verdict, its score and the session record. An
// unrelated file gives "no match".
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { addGroup, encryptedTemplate, uploadVideo } from '../../server/test/support/fixtures.js';
import { makeClip } from '../../server/test/support/media.js';
import { vodClient } from '../../server/test/support/vod-client.js';
import { launchChromium, type TestBrowser } from './support/chromium.js';
import { startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';
import { openPage, signIn } from './support/console-page.js';

const run = promisify(execFile);
let harness: ConsoleHarness;
let browser: TestBrowser;
let page: Page;
let dir: string;
let videoId: string;
const pageErrors: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'securevod-console-leak-'));
  harness = await startConsoleHarness();
  await harness.requireActions('SubmitDigitalWatermarkExtractJob', 'GetDigitalWatermarkExtractResult');
  const vod = vodClient(harness.serverUrl);
  const clip = join(dir, 'lesson.mp4');
  await makeClip(clip, { seconds: 45, width: 320, height: 180 });
  const group = await addGroup(vod, 'traced', [
    { ...encryptedTemplate('LD', 180, 'HLSEncryption'), TraceWatermark: { Enabled: 'true' } },
  ]);
  videoId = await uploadVideo(vod, clip, group, 'traced lesson');
  const { PlayInfoList } = await vod.request<{ PlayInfoList: { PlayInfo: Array<{ PlayURL: string }> } }>(
    'GetPlayInfo',
    { VideoId: videoId, DigitalWatermarkType: 'TraceMark', Trace: 'viewer7' },
  );
  // ffmpeg plays viewer7's stream through the server and re-encodes it: the leak.
  await run('ffmpeg', [
    '-y',
    '-v',
    'error',
    '-protocol_whitelist',
    'http,tcp,crypto,hls,data',
    '-i',
    PlayInfoList.PlayInfo[0]!.PlayURL,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '23',
    '-an',
    join(dir, 'leak.mp4'),
  ]);
  await run('ffmpeg', [
    '-y',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'mandelbrot=size=320x180:rate=25',
    '-t',
    '20',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    join(dir, 'other.mp4'),
  ]);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signIn(page, harness.consoleUrl);
  await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor();
});

after(async () => {
  await browser?.close();
  await harness?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('console: investigate a leak', { timeout: 300_000 }, () => {
  it('asks for the video and the file before running', async () => {
    await openPage(page, 'leaks');
    await page.getByRole('button', { name: 'Run detection' }).click();
    await page.getByText('Enter the VideoId of the traced original.').waitFor();
  });

  it("uploads a viewer's re-encoded stream and names that viewer, with score and session record", async () => {
    await openPage(page, 'leaks');
    await page.getByLabel('Traced video (VideoId)').fill(videoId);
    await page.getByLabel('Leaked file').setInputFiles(join(dir, 'leak.mp4'));
    await page.getByRole('button', { name: 'Run detection' }).click();
    const verdict = page.getByTestId('leak-verdict');
    await verdict.getByRole('heading', { name: 'Match: viewer7' }).waitFor({ timeout: 120_000 });
    const text = (await verdict.textContent()) ?? '';
    assert.match(text, /bits agree with viewer7 \(p = /);
    assert.match(text, /over 1 issued trace IDs/);
    const record = verdict.getByRole('table').first();
    assert.match((await record.textContent()) ?? '', /play.*viewer7/);
  });

  it('gives "no match" for an unrelated file', async () => {
    await openPage(page, 'leaks');
    await page.getByLabel('Traced video (VideoId)').fill(videoId);
    await page.getByLabel('Leaked file').setInputFiles(join(dir, 'other.mp4'));
    await page.getByRole('button', { name: 'Run detection' }).click();
    const verdict = page.getByTestId('leak-verdict');
    await verdict.getByRole('heading', { name: 'No match' }).waitFor({ timeout: 120_000 });
    assert.match((await verdict.textContent()) ?? '', /no match/);
    // The verdict fits a phone without sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page overflows by ${overflow}px at 390 px`);
    assert.deepEqual(pageErrors, []);
  });
});
