/**
 * Seek-bar previews in Chromium against the real server: SubmitSnapshotJob with a sprite config
 * makes sheets and a WebVTT thumbnail track; `/play/info` names the track; the SDK built with
 * `createPlayer({ …, thumbnails: { seekBar } })` loads it, and hovering the seek bar shows the
 * cell for the time under the pointer, from a sheet the server serves to the SDK's session token.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium, newPage } from '../support/browser.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import {
  makeDataDir,
  removeDir,
  REPO_ROOT,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { sleep } from '../e2e/e2e-helpers.js';

const run = promisify(execFile);

describe('seek-bar previews in Chromium', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let videoId: string;

  before(async () => {
    await run(process.execPath, [join(REPO_ROOT, 'scripts/build-sdk.mjs'), '--quiet']);
    dataDir = await makeDataDir('securevod-seek-preview-');
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: 4, width: 320, height: 180, audio: false });
    server = await startServerProcess({
      dataDir: join(dataDir, 'server'),
      env: { SECUREVOD_X264_PRESET: 'ultrafast' },
    });
    const vod = vodClient(server.url);
    const group = await addGroup(vod, 'clear', [encryptedTemplate('LD', 180)]);
    videoId = await uploadVideo(vod, clip, group, 'previews');
    await vod.request('SubmitSnapshotJob', {
      VideoId: videoId,
      Count: '4',
      Interval: '1',
      SpriteSnapshotConfig: JSON.stringify({ CellWidth: 80, CellHeight: 45, Columns: 2, Lines: 2 }),
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { MediaSnapshot } = await vod.request<{ MediaSnapshot: { Total: number } }>('ListSnapshots', {
        VideoId: videoId,
        SnapshotType: 'WebVttSnapshot',
      });
      if (MediaSnapshot.Total === 1) break;
      if (Date.now() > deadline) throw new Error('the sprite job did not finish');
      await sleep(200);
    }
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) await removeDir(dataDir);
  });

  test('hovering the seek bar shows the sprite cell of the time under the pointer', async () => {
    const { PlayAuth } = await vodClient(server.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
      VideoId: videoId,
      AuthInfoTimeout: '600',
    });
    const page = await newPage(browser);
    await page.goto(`${server.url}/healthz`);
    await page.setContent(
      '<video muted style="width:320px"></video><div id="bar" style="position:absolute;left:0;top:300px;width:400px;height:12px;background:#888"></div>',
    );
    await page.addScriptTag({ url: `${server.url}/sdk/securevod-player.js` });
    const cues = await page.evaluate(
      async ({ vid, playAuth }) => {
        const sdk = (
          window as unknown as { SecureVod: { createPlayer(o: object): { thumbnails: Promise<unknown[]> } } }
        ).SecureVod;
        const player = sdk.createPlayer({
          video: document.querySelector('video'),
          vid,
          playAuth,
          thumbnails: { seekBar: document.getElementById('bar') },
        });
        (window as unknown as { player: unknown }).player = player;
        return (await player.thumbnails).length;
      },
      { vid: videoId, playAuth: PlayAuth },
    );
    assert.equal(cues, 4, 'one cue per snapshot');

    // 60 % of a 4 s video is 2.4 s: the third cell (2–3 s), bottom-left of the first 2×2 sheet.
    await page.mouse.move(0.6 * 400, 306);
    const preview = page.locator('.securevod-seek-preview');
    await preview.waitFor({ state: 'visible' });
    const style = await preview.evaluate((el: HTMLElement) => ({
      image: el.style.backgroundImage,
      position: el.style.backgroundPosition,
      width: el.style.width,
      height: el.style.height,
    }));
    assert.equal(style.position, '0px -45px');
    assert.equal(`${style.width}x${style.height}`, '80pxx45px');
    const sheetUrl = /url\("(.+)"\)/.exec(style.image)?.[1];
    assert.match(
      sheetUrl ?? '',
      new RegExp(`/media/${videoId}/snapshots/[0-9a-f]{32}/sprite-00001\\.jpg\\?.*token=`),
    );
    const loaded = await page.evaluate(
      (url) =>
        new Promise<number>((resolve) => {
          const img = new Image();
          img.onload = () => resolve(img.naturalWidth);
          img.onerror = () => resolve(-1);
          img.src = url;
        }),
      sheetUrl!,
    );
    assert.equal(loaded, 160, 'the sheet (2 cells of 80 px) loads with the session token');

    await page.mouse.move(10, 10);
    await preview.waitFor({ state: 'hidden' });
  });
});
