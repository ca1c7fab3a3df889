/**
 * Issue 9 "must show": playback from a customer's own website. The page is served by a separate
 * HTTP server on another port (another origin) than securevod, as a school's site would be:
 * - vanilla hls.js (served by the page's origin) plays a standard-encrypted stream past 5 s from
 *   its GetPlayInfo URL: playlists, segments and AES-128 key requests all cross origins;
 * - the SDK, loaded from securevod's /sdk/ URL, plays a private stream (JSON POSTs with preflights
 *   to /play/info and the key service);
 * - the preflight for /play/info passes (a JSON POST from the page succeeds);
 * - the RPC endpoint answers only the origins in SECUREVOD_CORS_ORIGINS.
 */
import assert from 'node:assert/strict';
import { request, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from '../support/browser.js';
import { fatalErrors, startSdkPlayer, startSite } from '../support/customer-site.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

const CLIP_SECONDS = 10;

/** A raw request with an Origin header, for what the browser hides (headers of refused answers). */
function probe(
  url: string,
  method: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('cross-origin playback in Chromium (page on another port than securevod)', () => {
  let server: ServerProcess;
  let site: { server: Server; origin: string };
  let dataDir: string;
  let browser: Browser;
  const videos = { standard: '', private: '' };

  before(async () => {
    dataDir = await makeDataDir();
    site = await startSite();
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: CLIP_SECONDS, width: 480, height: 270 });
    server = await startServerProcess({
      dataDir,
      env: { SECUREVOD_X264_PRESET: 'ultrafast', SECUREVOD_CORS_ORIGINS: site.origin },
    });
    assert.notEqual(new URL(server.url).origin, site.origin);
    const vod = vodClient(server.url);
    const standard = await addGroup(vod, 'standard', [encryptedTemplate('SD', 270, 'HLSEncryption', 2)]);
    const priv = await addGroup(vod, 'private', [encryptedTemplate('SD', 270, 'AliyunVoDEncryption', 2)]);
    videos.standard = await uploadVideo(vod, clip, standard, 'standard');
    videos.private = await uploadVideo(vod, clip, priv, 'private');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((resolve) => site?.server.close(resolve));
    await removeDir(dataDir);
  });

  async function sitePage(): Promise<Page> {
    const page = await newPage(browser);
    await page.goto(`${site.origin}/page.html`);
    return page;
  }

  const playAuth = async (videoId: string) =>
    (
      await vodClient(server.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
        VideoId: videoId,
        AuthInfoTimeout: '600',
      })
    ).PlayAuth;

  const waitPlayedPast = (page: Page, seconds: number) =>
    page.waitForFunction(
      (t) => {
        const v = document.getElementById('v') as HTMLVideoElement;
        if (v.paused && v.readyState >= 2) void v.play().catch(() => undefined);
        return v.currentTime > t;
      },
      seconds,
      { timeout: 60_000, polling: 200 },
    );

  test('vanilla hls.js plays a standard-encrypted stream past 5 s', async () => {
    const { PlayInfoList } = await vodClient(server.url).request<{
      PlayInfoList: { PlayInfo: Array<{ PlayURL: string }> };
    }>('GetPlayInfo', { VideoId: videos.standard });
    const url = PlayInfoList.PlayInfo[0]?.PlayURL ?? '';
    assert.equal(new URL(url).origin, new URL(server.url).origin, 'media comes from securevod, not the page');
    const page = await sitePage();
    const keyResponses: Array<{ status: number; allowOrigin: string | undefined }> = [];
    page.on('response', (response) => {
      if (response.url().includes('/keys/hls/')) {
        keyResponses.push({
          status: response.status(),
          allowOrigin: response.headers()['access-control-allow-origin'],
        });
      }
    });
    try {
      await page.addScriptTag({ url: `${site.origin}/hls.min.js` });
      await page.evaluate((src) => {
        const w = window as unknown as {
          Hls: new () => { loadSource(u: string): void; attachMedia(v: HTMLMediaElement): void };
        };
        const hls = new w.Hls();
        hls.loadSource(src);
        hls.attachMedia(document.getElementById('v') as HTMLVideoElement);
      }, url);
      await waitPlayedPast(page, 5);
      assert.ok(keyResponses.length > 0, 'AES-128 keys were fetched across origins');
      for (const key of keyResponses) assert.deepEqual(key, { status: 200, allowOrigin: '*' });
    } finally {
      await page.close();
    }
  });

  test('the SDK, loaded from securevod, plays a private stream', async () => {
    const page = await sitePage();
    try {
      await page.addScriptTag({ url: `${server.url}/sdk/securevod-player.js` });
      const auth = await playAuth(videos.private);
      await startSdkPlayer(page, { vid: videos.private, playAuth: auth });
      await waitPlayedPast(page, 5);
      assert.deepEqual(await fatalErrors(page), []);
    } finally {
      await page.close();
    }
  });

  test('the preflight for /play/info passes: a JSON POST from the page reads its answer', async () => {
    const preflight = await probe(`${server.url}/play/info`, 'OPTIONS', {
      origin: site.origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);
    assert.match(String(preflight.headers['access-control-allow-headers']), /content-type/);

    const page = await sitePage();
    try {
      const auth = await playAuth(videos.standard);
      const answer = await page.evaluate(
        async ({ endpoint, vid, playAuth }) => {
          const res = await fetch(`${endpoint}/play/info`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ VideoId: vid, PlayAuth: playAuth }),
          });
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        },
        { endpoint: server.url, vid: videos.standard, playAuth: auth },
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      // An error answer is readable too (the SDK needs its Code to retry).
      const refused = await page.evaluate(async (endpoint) => {
        const res = await fetch(`${endpoint}/play/info`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ VideoId: 'x', PlayAuth: 'forged' }),
        });
        return { status: res.status, body: (await res.json()) as { Code?: string } };
      }, server.url);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.Code, 'PlayAuthInvalid');
    } finally {
      await page.close();
    }
  });

  test('the RPC endpoint answers only the configured origins; the console redirects to /console/', async () => {
    const page = await sitePage();
    try {
      const fromListed = await page.evaluate(async (endpoint) => {
        const res = await fetch(`${endpoint}/?Action=GetVideoInfo&Version=2017-03-21`);
        return { status: res.status, code: ((await res.json()) as { Code: string }).Code };
      }, server.url);
      assert.deepEqual(fromListed, { status: 400, code: 'MissingParameter' });
    } finally {
      await page.close();
    }
    const other = await probe(`${server.url}/?Action=GetVideoInfo`, 'GET', {
      origin: 'http://elsewhere.example',
    });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const otherPreflight = await probe(`${server.url}/`, 'OPTIONS', {
      origin: 'http://elsewhere.example',
      'access-control-request-method': 'POST',
    });
    assert.equal(otherPreflight.headers['access-control-allow-origin'], undefined);
    assert.notEqual(otherPreflight.status, 204);

    const console = await probe(`${server.url}/console`, 'GET', {});
    assert.equal(console.status, 302);
    assert.equal(console.headers.location, '/console/');
  });
});
