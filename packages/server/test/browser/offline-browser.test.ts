/**
 * Issue "secure download, web" in a real browser against the real server (DESIGN §6): the
 * offline demo page (/demo/offline.html, origin X = the server's own origin) downloads a secure
 * package through the SDK into OPFS with progress to 100 %; the server is then STOPPED and the same
 * page plays the package offline with the key file + AppDecryptKey, past 5 s, with decoded frames,
 * and resumes after a seek to the middle. Everything that does not match fails with the ONE
 * "not licensed for this app" error: the wrong AppDecryptKey, the key file of another secret
 * version, and the same package bytes and key file on a page of another origin (a static server
 * on `localhost`). A package of a secret version revoked (and refreshed into the page before the
 * server stopped) is refused offline with `secretRevoked`. Before registration the server's
 * refusals arrive as typed errors, and a Normal-mode (plain MP4) download stores nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { StaticServer } from '../../../player/test/support/static-server.js';
import { startOfflineSite } from '../support/customer-site.js';
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
import {
  NOT_LICENSED,
  type StoredPackage,
  type PageWindow,
  sdkDownload,
  sdkPlay,
  waitPast,
  opfsFiles,
  storedBytes,
  countOf,
} from '../support/offline-page.js';

const CLIP_SECONDS = 12;
/** A page that never settles fails its test instead of hanging the run. */
const TEST_TIMEOUT_MS = 120_000;
const APP_DECRYPT_KEY = 'OfflineDemoKey0123456789aB';
const WRONG_DECRYPT_KEY = 'WrongDemoKey0123456789aBcD';
describe('secure download and offline playback in Chromium against the real server', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let other: StaticServer;
  let page: Page;
  let videoId: string;
  const keyFiles: Record<1 | 2, string> = { 1: '', 2: '' };
  const packages: { revoked?: StoredPackage; main?: StoredPackage; indexedDb?: StoredPackage } = {};
  let mainBytes = '';

  before(
    async () => {
      // The server and the second origin serve packages/player/dist: build it from the current sources.
      const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/build-sdk.mjs'), '--quiet'], {
        stdio: 'inherit',
      });
      assert.equal(built.status, 0, 'scripts/build-sdk.mjs failed');
      dataDir = await makeDataDir();
      const clip = join(dataDir, 'clip.mp4');
      await makeClip(clip, { seconds: CLIP_SECONDS, width: 640, height: 360 });
      server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
      const vod = vodClient(server.url);
      // 2.5 Mbit/s: the package spans several 1 MiB chunks, so playback reads across chunk boundaries.
      const group = await addGroup(vod, 'private', [
        {
          ...encryptedTemplate('SD', 360, 'AliyunVoDEncryption', 2),
          Video: { Codec: 'H.264', Bitrate: '2500', Height: '360' },
        },
      ]);
      videoId = await uploadVideo(vod, clip, group, 'offline');
      browser = await launchChromium();
      other = await startOfflineSite();
    },
    { timeout: 300_000 },
  );

  after(
    async () => {
      await browser?.close();
      await other?.close();
      await server?.stop();
      await removeDir(dataDir);
    },
    { timeout: 60_000 },
  );

  const rpc = <T = Record<string, unknown>>(action: string, params: Record<string, string>) =>
    vodClient(server.url).request<T>(action, params);

  async function playAuth(): Promise<string> {
    const res = await rpc<{ PlayAuth: string }>('GetVideoPlayAuth', {
      VideoId: videoId,
      AuthInfoTimeout: '3000',
    });
    return res.PlayAuth;
  }

  async function register(): Promise<{ key: string; version: number; app: string }> {
    const res = await rpc<{ AppEncryptKey: string; SecretVersion: number; AppIdentification: string }>(
      'GenerateDownloadSecretKey',
      { AppIdentification: server.url, AppDecryptKey: APP_DECRYPT_KEY },
    );
    return { key: res.AppEncryptKey, version: res.SecretVersion, app: res.AppIdentification };
  }

  /**
   * A download through the SDK in the page: the stored record (and the restart counts progress
   * reported), or the error as plain data. `breakFirstAttempt` cuts the first response's body off
   * after 300 kB, as a dropped connection would.
   */
  test(
    'before registration: typed refusals, and a plain (Normal mode) download stores nothing',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      page = await newPage(browser);
      await page.goto(`${server.url}/demo/offline.html`);
      assert.equal(await page.evaluate(() => location.origin), server.url, 'origin X is the server origin');

      const off = await sdkDownload(page, videoId, await playAuth());
      assert.equal(off.error?.details, 'downloadDisabled');
      assert.equal(off.error?.code, 'Forbidden.DownloadDisabled');
      assert.equal(off.error?.type, 'auth');

      await rpc('SetCustomerConfig', { DownloadSwitch: 'on', DownloadMode: 'Secure' });
      const unregistered = await sdkDownload(page, videoId, await playAuth());
      assert.equal(unregistered.error?.details, 'appNotRegistered');
      assert.match(
        unregistered.error?.message ?? '',
        new RegExp(`web:${server.url.replace(/[.:/]/g, '\\$&')}`),
      );

      await rpc('SetCustomerConfig', { DownloadMode: 'Normal' });
      const plain = await sdkDownload(page, videoId, await playAuth());
      assert.equal(plain.error?.details, 'downloadNotSecure');
      await rpc('SetCustomerConfig', { DownloadMode: 'Secure' });
      assert.deepEqual(
        await page.evaluate(() => (window as unknown as PageWindow).SecureVod.createDownloader().list()),
        [],
      );
      assert.deepEqual(await opfsFiles(page), [], 'nothing was written');
    },
  );

  test(
    'register origin X, download through the demo page (progress to 100 %), revoke an old version',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const v1 = await register();
      assert.deepEqual([v1.version, v1.app], [1, `web:${server.url}`]);
      keyFiles[1] = v1.key;
      const first = await sdkDownload(page, videoId, await playAuth());
      assert.ok(first.record, JSON.stringify(first.error));
      packages.revoked = first.record;

      const v2 = await register();
      assert.equal(v2.version, 2);
      keyFiles[2] = v2.key;

      // Cancelled: rejected as downloadCancelled, nothing left behind.
      const before = await opfsFiles(page);
      const cancelled = await sdkDownload(page, videoId, await playAuth(), { abortAtFirstProgress: true });
      assert.equal(cancelled.error?.details, 'downloadCancelled');
      assert.deepEqual(await opfsFiles(page), before, 'the partial file was removed');

      // A connection that breaks mid-way: no byte-wise resume (each request has a new package key),
      // so the download starts again from 0 and completes; the broken attempt leaves nothing.
      const restarted = await sdkDownload(page, videoId, await playAuth(), { breakFirstAttempt: true });
      assert.ok(restarted.record, JSON.stringify(restarted.error));
      assert.deepEqual(restarted.restarts, [0, 1]);
      assert.deepEqual(
        await opfsFiles(page),
        [...before, `${restarted.record.id}.json`, `${restarted.record.id}.svpk`].sort(),
      );
      await page.evaluate(
        (id) => (window as unknown as PageWindow).SecureVod.createDownloader().remove(id),
        restarted.record.id,
      );

      // Through the demo's own form, as a person would.
      await page.goto(
        `${server.url}/demo/offline.html?vid=${videoId}&playAuth=${encodeURIComponent(await playAuth())}`,
      );
      await page.click('#download');
      await page.waitForFunction(
        () => (window as unknown as PageWindow).demo.lastDownload !== undefined,
        undefined,
        {
          timeout: 60_000,
        },
      );
      const demo = await page.evaluate(() => (window as unknown as PageWindow).demo);
      assert.deepEqual(demo.errors, []);
      assert.equal(demo.progress.at(-1), 1, 'progress reached 100 %');
      t.diagnostic(`progress: ${demo.progress.map((f) => f.toFixed(2)).join(' ')}`);
      assert.ok(
        demo.progress.every((f, i) => i === 0 || f >= demo.progress[i - 1]!),
        'progress only grows',
      );
      assert.equal(await page.locator('#progress').getAttribute('value'), '100');
      const main = demo.lastDownload!;
      assert.deepEqual(
        {
          videoId: main.videoId,
          definition: main.definition,
          secretVersion: main.secretVersion,
          app: main.appIdentification,
        },
        { videoId, definition: 'SD', secretVersion: 2, app: `web:${server.url}` },
      );
      assert.ok(main.size > 2 * 1024 * 1024, `several chunks (${main.size} bytes)`);
      packages.main = main;
      assert.equal(await page.locator(`#packages tr[data-id="${main.id}"]`).count(), 1, 'listed on the page');

      // Stored as the server sent it: encrypted (the clear fMP4 has an mfhd box in every fragment).
      mainBytes = await storedBytes(page, main.id);
      const stored = Buffer.from(mainBytes, 'base64');
      assert.equal(stored.length, main.size);
      assert.equal(stored.subarray(0, 4).toString('latin1'), 'SVPK');
      assert.ok(
        countOf(stored, 'mfhd') < 2 && countOf(stored, 'ftyp') < 2,
        'no clear MP4 structure in storage',
      );

      // A copy in IndexedDB too, where OPFS is missing.
      const idb = await sdkDownload(page, videoId, await playAuth(), { store: 'indexeddb' });
      assert.ok(idb.record, JSON.stringify(idb.error));
      packages.indexedDb = idb.record;

      await rpc('RevokeDownloadSecretKey', { AppIdentification: server.url, SecretVersion: '1' });
      await page.click('#refresh-revocations');
      await page.waitForFunction(() =>
        /Revoked secret versions: 1 /.test(document.getElementById('revocations')!.textContent!),
      );
    },
  );

  test(
    'with the server STOPPED, the demo page plays the download offline, and seeks',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      await server.stop();
      const reachable = await page.evaluate(
        (url) =>
          fetch(`${url}/healthz`).then(
            () => true,
            () => false,
          ),
        server.url,
      );
      assert.equal(reachable, false, 'the server is gone');

      // The key file as the file GenerateDownloadSecretKey's AppEncryptKey decodes to.
      await page.setInputFiles('#key-file', {
        name: 'key-v2.dat',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from(keyFiles[2], 'base64'),
      });
      await page.fill('#app-decrypt-key', APP_DECRYPT_KEY);
      await page.check(`#packages tr[data-id="${packages.main!.id}"] input[name=package]`);
      await page.click('#play');

      const played = await waitPast(page, 5);
      assert.ok(played.currentTime > 5, `played to ${played.currentTime}`);
      assert.ok(played.frames > 0, 'frames were decoded');
      assert.deepEqual(played.errors, []);

      await page.evaluate((t) => {
        document.querySelector<HTMLVideoElement>('#video')!.currentTime = t;
      }, CLIP_SECONDS / 2);
      const resumed = await waitPast(page, CLIP_SECONDS / 2 + 1.5);
      assert.ok(resumed.currentTime > CLIP_SECONDS / 2 + 1.5, 'playback resumes after a seek to the middle');
      assert.deepEqual(resumed.errors, []);
      const stats = await page.evaluate(
        () =>
          (window as unknown as { demo: { player: { stats: Record<string, unknown> } } }).demo.player.stats,
      );
      assert.equal(stats.indexComplete, true);
      assert.ok((stats.decryptedChunks as number) >= 3, JSON.stringify(stats));
    },
  );

  test(
    'offline on origin X: the wrong AppDecryptKey, a key file of another version, a revoked version, altered bytes',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const main = packages.main!.id;
      assert.deepEqual(
        (await sdkPlay(page, { packageId: main, keyFile: keyFiles[2], appDecryptKey: WRONG_DECRYPT_KEY }))
          .error,
        NOT_LICENSED,
      );
      assert.deepEqual(
        (await sdkPlay(page, { packageId: main, keyFile: keyFiles[1], appDecryptKey: APP_DECRYPT_KEY }))
          .error,
        NOT_LICENSED,
        'the key file of version 1 does not open a version-2 package',
      );
      const revoked = await sdkPlay(page, {
        packageId: packages.revoked!.id,
        keyFile: keyFiles[1],
        appDecryptKey: APP_DECRYPT_KEY,
      });
      assert.equal(revoked.error?.details, 'secretRevoked', JSON.stringify(revoked));
      assert.equal(revoked.error?.fatal, true);

      // The demo shows the error as a person sees it.
      await page.fill('#app-decrypt-key', WRONG_DECRYPT_KEY);
      await page.click('#play');
      await page.waitForFunction(() => document.querySelector('#errors li.fatal') !== null);
      assert.match(
        (await page.locator('#errors li.fatal').first().textContent()) ?? '',
        /FATAL key\/notLicensed: This video is not licensed for this app\./,
      );

      // Controls: the same bytes as a source, and the IndexedDB copy, play here.
      const fromBytes = await sdkPlay(page, {
        base64Source: mainBytes,
        keyFile: keyFiles[2],
        appDecryptKey: APP_DECRYPT_KEY,
      });
      assert.ok(fromBytes.played && fromBytes.played > 2, JSON.stringify(fromBytes));
      const fromIndexedDb = await sdkPlay(page, {
        packageId: packages.indexedDb!.id,
        store: 'indexeddb',
        keyFile: keyFiles[2],
        appDecryptKey: APP_DECRYPT_KEY,
      });
      assert.ok(fromIndexedDb.played && fromIndexedDb.played > 2, JSON.stringify(fromIndexedDb));

      // Altered bytes in the middle: the package opens, and playback stops at the chunk, fatally.
      const tampered = Buffer.from(mainBytes, 'base64');
      const headerLength = tampered.readUInt16BE(6);
      tampered[headerLength + (1024 * 1024 + 16) + 1000]! ^= 0x01; // chunk 1
      const altered = await sdkPlay(page, {
        base64Source: tampered.toString('base64'),
        keyFile: keyFiles[2],
        appDecryptKey: APP_DECRYPT_KEY,
      });
      assert.equal(altered.error?.details, 'packageTampered', JSON.stringify(altered));
      assert.equal(altered.error?.type, 'decrypt');
      assert.equal(altered.error?.fatal, true);
      assert.match(altered.error?.message ?? '', /chunk 1/);

      // Deleting in the demo removes the package and its row.
      const revokedRow = `#packages tr[data-id="${packages.revoked!.id}"]`;
      await page.click(`${revokedRow} button.delete`);
      await page.waitForFunction((selector) => document.querySelector(selector) === null, revokedRow);
      assert.ok(!(await opfsFiles(page)).some((name) => name.startsWith(packages.revoked!.id)));
    },
  );

  test(
    'a small buffer: seeks append from the right fragment, and played fragments are evicted',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const report = await page.evaluate(
        async (o) => {
          const sdk = (window as unknown as PageWindow).SecureVod;
          const video = document.createElement('video');
          video.muted = true;
          document.body.append(video);
          const player = sdk.createOfflinePlayer({
            video,
            packageId: o.packageId,
            keyFile: o.keyFile,
            appDecryptKey: o.appDecryptKey,
            bufferPolicy: { maxBufferAhead: 2, maxBufferBehind: 1 },
          }) as unknown as { ready: Promise<void>; destroy(): void; stats: Record<string, number> };
          const past = (t: number) =>
            new Promise<void>((resolve, reject) => {
              const timer = setTimeout(
                () => reject(new Error(`stuck at ${video.currentTime}, not past ${t}`)),
                20_000,
              );
              const check = () => {
                if (video.currentTime > t) {
                  clearTimeout(timer);
                  video.removeEventListener('timeupdate', check);
                  resolve();
                }
              };
              video.addEventListener('timeupdate', check);
            });
          const ranges = () =>
            Array.from({ length: video.buffered.length }, (_, i) => [
              video.buffered.start(i),
              video.buffered.end(i),
            ]);
          try {
            await player.ready;
            await video.play();
            await past(1.5);
            const early = ranges();
            video.currentTime = 8;
            await past(9.5);
            const late = ranges();
            const lateStats = { ...player.stats };
            video.currentTime = 0.5;
            await past(1.5);
            return { early, late, lateStats, back: ranges(), backStats: { ...player.stats } };
          } finally {
            player.destroy();
            video.remove();
          }
        },
        { packageId: packages.main!.id, keyFile: keyFiles[2], appDecryptKey: APP_DECRYPT_KEY },
      );
      t.diagnostic(`buffered ${JSON.stringify(report)}`);
      const covers = (ranges: number[][], t: number) =>
        ranges.some(([start, end]) => start! <= t && t < end!);
      const seconds = (ranges: number[][]) => ranges.reduce((sum, [start, end]) => sum + end! - start!, 0);
      assert.ok(
        !covers(report.early, 8),
        `at first only the start is buffered: ${JSON.stringify(report.early)}`,
      );
      assert.ok(covers(report.late, 9.5), JSON.stringify(report.late));
      assert.ok(!covers(report.late, 1), `the start was evicted: ${JSON.stringify(report.late)}`);
      assert.ok(seconds(report.late) <= 6, `bounded: ${seconds(report.late)} s buffered`);
      assert.ok(report.lateStats.evictedFragments! > 0, JSON.stringify(report.lateStats));
      assert.ok(covers(report.back, 1.5), `the start was appended again: ${JSON.stringify(report.back)}`);
      assert.ok(report.backStats.appendedFragments! > report.lateStats.appendedFragments!);
    },
  );

  test(
    'another origin: the same package bytes and key file are not licensed there',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const elsewhere = await newPage(browser);
      try {
        await elsewhere.goto(`${other.origin('localhost')}/demo/offline.html`);
        const origin = await elsewhere.evaluate(() => location.origin);
        assert.equal(origin, `http://localhost:${other.port}`);
        assert.notEqual(origin, server.url);
        const result = await sdkPlay(elsewhere, {
          base64Source: mainBytes,
          keyFile: keyFiles[2],
          appDecryptKey: APP_DECRYPT_KEY,
        });
        assert.deepEqual(result.error, NOT_LICENSED);
      } finally {
        await elsewhere.close();
      }
    },
  );
});
