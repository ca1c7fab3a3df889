/**
 * Issue 11 items 5, 7 and 8 on one real server with the default limits:
 * - a 2-minute, three-rendition HLSEncryption ladder with a key per segment plays to the end in
 *   Chromium through the SDK at 8× speed — every playlist, segment and key requested as a player
 *   does, just sooner — and no request is refused by a rate limit;
 * - a realistic flow (upload, playback, play info, keys, GenerateDownloadSecretKey, the same
 *   action misrouted to a 404 path with its AppDecryptKey in the query, failed requests) leaves no
 *   token, secret or key it used anywhere in the server's log (at debug level);
 * - the upload credentials of a video that became Normal cannot replace its source.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium, newPage } from '../support/browser.js';
import { addGroup, encryptedTemplate } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import {
  makeDataDir,
  removeDir,
  REPO_ROOT,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, ossClientFor, waitForStatus, type DecodedTicket } from '../support/vod-upload.js';

const run = promisify(execFile);
const CLIP_SECONDS = 120;
const SEGMENT_SECONDS = 2;
const RATE = 8;

describe('default limits, log redaction and spent upload credentials on a real ladder', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let videoId: string;
  let ticket: DecodedTicket;
  /** Every secret the flow handles; none may appear in the log. */
  const secrets = new Map<string, string>();

  before(async () => {
    await run(process.execPath, [join(REPO_ROOT, 'scripts/build-sdk.mjs'), '--quiet']);
    dataDir = await makeDataDir();
    const clip = join(dataDir, 'clip.mp4');
    await makeClip(clip, { seconds: CLIP_SECONDS, width: 320, height: 180, fps: 12 });
    server = await startServerProcess({
      dataDir,
      env: { SECUREVOD_X264_PRESET: 'ultrafast', SECUREVOD_LOG_LEVEL: 'debug' },
    });
    const vod = vodClient(server.url);
    const group = await addGroup(vod, 'ladder', [
      encryptedTemplate('SD', 180, 'HLSEncryption', 1),
      encryptedTemplate('LD', 160, 'HLSEncryption', 1),
      encryptedTemplate('HD', 128, 'HLSEncryption', 1),
    ]);
    ticket = await createUpload(vod, { Title: 'ladder', FileName: 'ladder.mp4', TemplateGroupId: group });
    secrets.set('upload AccessKeySecret', ticket.auth.AccessKeySecret);
    secrets.set('upload SecurityToken', ticket.auth.SecurityToken);
    await ossClientFor(ticket).put(ticket.address.FileName, clip);
    const video = await waitForStatus(vod, ticket.videoId, ['Normal', 'TranscodeFail'], 300_000);
    assert.equal(video.Status, 'Normal', video.StatusReason);
    videoId = ticket.videoId;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await removeDir(dataDir);
  });

  test('the SDK plays the whole ladder at 8× with the default rate limits, nothing refused', async () => {
    const { PlayAuth } = await vodClient(server.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
      VideoId: videoId,
      AuthInfoTimeout: '600',
    });
    secrets.set('PlayAuth (browser)', PlayAuth);
    const page = await newPage(browser);
    const keyRequests: string[] = [];
    const refused: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/keys/')) keyRequests.push(r.url());
    });
    page.on('response', (r) => {
      if (r.status() === 429 || r.status() >= 500) refused.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    try {
      await page.goto(
        `${server.url}/demo/player.html?vid=${videoId}&playAuth=${encodeURIComponent(PlayAuth)}`,
      );
      await page.waitForFunction(
        (rate) => {
          const v = document.querySelector('video');
          if (!v) return false;
          v.muted = true;
          v.playbackRate = rate;
          if (v.paused && !v.ended && v.readyState >= 2) void v.play().catch(() => undefined);
          return v.ended;
        },
        RATE,
        { timeout: (CLIP_SECONDS / RATE) * 1000 * 6, polling: 250 },
      );
      const duration = await page.evaluate(() => document.querySelector('video')!.currentTime);
      assert.ok(duration > CLIP_SECONDS - SEGMENT_SECONDS, `played to the end (${duration} s)`);
    } finally {
      await page.close();
    }
    // One key per segment: at least one per segment of the clip was fetched.
    assert.ok(
      keyRequests.length >= CLIP_SECONDS / SEGMENT_SECONDS,
      `${keyRequests.length} key requests for ${CLIP_SECONDS / SEGMENT_SECONDS} segments`,
    );
    for (const url of keyRequests)
      for (const [, v] of new URL(url).searchParams) secrets.set(`key URL ${v}`, v);
    assert.deepEqual(refused, []);
    assert.doesNotMatch(server.output(), /TooManyRequests|Throttling/);
  });

  test('the credentials that uploaded a video now Normal cannot replace its source', async () => {
    await assert.rejects(
      ossClientFor(ticket).put(ticket.address.FileName, Buffer.from('not the published video')),
      (err: { status?: number; code?: string }) => err.status === 403 && err.code === 'InvalidAccessKeyId',
    );
    const info = await vodClient(server.url).request<{ Video: { Status: string } }>('GetVideoInfo', {
      VideoId: videoId,
    });
    assert.equal(info.Video.Status, 'Normal');
  });

  test('no token, secret or key the flow used appears in the server log', async () => {
    const vod = vodClient(server.url);
    secrets.set('root AccessKeySecret', TEST_ROOT_KEY.accessKeySecret);
    // Player-facing requests as a third-party player makes them, with their tokens in URLs.
    const { PlayInfoList } = await vod.request<{ PlayInfoList: { PlayInfo: Array<{ PlayURL: string }> } }>(
      'GetPlayInfo',
      { VideoId: videoId },
    );
    const master = new URL(PlayInfoList.PlayInfo[0]!.PlayURL);
    for (const [, v] of master.searchParams) secrets.set(`play URL ${v}`, v);
    // A PlayURL is a media playlist, or a multivariant one naming them.
    let variant = master;
    let playlist = await (await fetch(master)).text();
    if (!playlist.includes('#EXT-X-KEY')) {
      variant = new URL(
        playlist.split('\n').find((l) => l && !l.startsWith('#'))!,
        master,
      );
      playlist = await (await fetch(variant)).text();
    }
    const keyUri = new URL(/#EXT-X-KEY:[^\n]*URI="([^"]+)"/.exec(playlist)![1]!, variant);
    for (const [, v] of keyUri.searchParams) secrets.set(`playlist key URI ${v}`, v);
    const key = Buffer.from(await (await fetch(keyUri)).arrayBuffer());
    assert.equal(key.length, 16);
    secrets.set('key hex', key.toString('hex'));
    secrets.set('key base64', key.toString('base64'));

    // GenerateDownloadSecretKey, right and misrouted (a 404 path) with the AppDecryptKey in the query.
    const appDecryptKey = 'Hygiene0Secret9Key';
    secrets.set('AppDecryptKey', appDecryptKey);
    const { AppEncryptKey } = await vod.request<{ AppEncryptKey: string }>('GenerateDownloadSecretKey', {
      AppIdentification: 'com.example.hygiene',
      AppDecryptKey: appDecryptKey,
    });
    secrets.set('AppEncryptKey', AppEncryptKey);
    const misrouted = await fetch(
      `${server.url}/api/v1/?Action=GenerateDownloadSecretKey&AppIdentification=com.example.hygiene&AppDecryptKey=${appDecryptKey}&AccessKeySecret=${TEST_ROOT_KEY.accessKeySecret}`,
    );
    assert.equal(misrouted.status, 404);
    // Failures with secrets in the URL: a wrong video for a real token, an unknown key route.
    const token = keyUri.searchParams.get('MtsHlsUriToken') ?? keyUri.searchParams.get('token') ?? '';
    assert.ok(token);
    await fetch(`${server.url}/keys/hls/other/x/0?MtsHlsUriToken=${token}`);
    await fetch(`${server.url}/keys/nowhere?token=${token}`);
    await fetch(`${server.url}/play/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Token: token }),
    });

    const log = server.output();
    assert.match(log, /not found/i, 'the 404s were logged');
    const leaked = [...secrets].filter(([, value]) => value.length >= 8 && log.includes(value));
    assert.deepEqual(
      leaked.map(([name]) => name),
      [],
      'secrets found in the log',
    );
    // And no line keeps a query string.
    assert.doesNotMatch(log, /AppDecryptKey=|MtsHlsUriToken=|[?&]token=/);
  });
});
