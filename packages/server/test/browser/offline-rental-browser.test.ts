/**
 * Issue 13 "Rentals", in Chromium with Playwright's clock control, from a page on another origin
 * than the server (a static server on `localhost` serving the SDK and the offline demo page; the
 * app registered is that origin):
 * - a Secure download with `LicenseDuration=3600` plays, and is refused with `licenseExpired`
 *   once the page's clock is 2 h ahead;
 * - renewal (`POST /download/<vid>/license`, through the demo page's Renew button) makes it play again at that time,
 *   with no new download (the stored package bytes are unchanged);
 * - moving the clock back after that later open — to a time still inside the renewed licence —
 *   gives `clockRollback` (the MACed high-water mark); within the 5-minute tolerance it plays;
 * - a revoked secret version cannot renew.
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
  opfsFiles,
  sdkPlay,
  storedBytes,
  type ErrorData,
  type StoredPackage,
} from '../support/offline-page.js';
import {
  makeDataDir,
  removeDir,
  REPO_ROOT,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

const TEST_TIMEOUT_MS = 120_000;
const APP_DECRYPT_KEY = 'RentalDemoKey0123456789aB';
const HOUR_MS = 3600_000;

/** The SDK calls this test makes in the page, beyond those of offline-page.ts. */
type RentalWindow = {
  SecureVod: {
    createDownloader(o: { endpoint: string }): {
      download(o: object): Promise<StoredPackage>;
      remove(id: string): Promise<boolean>;
      renewLicense(
        id: string,
        o: { playAuth: string; licenseDuration?: number },
      ): Promise<{ videoId: string; licenseExpiresAt: string }>;
    };
  };
};

/** What the SDK keeps in IndexedDB `securevod-licenses`: for each record, the type of its licence. */
function licenseStates(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('securevod-licenses');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const states = await new Promise<{ license?: string }[]>((resolve, reject) => {
      const request = db.transaction('states').objectStore('states').getAll();
      request.onsuccess = () => resolve(request.result as { license?: string }[]);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return states.map((state) => typeof state.license);
  });
}

describe('offline rentals in Chromium with a controlled clock (page on another origin)', () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: Browser;
  let site: StaticServer;
  let page: Page;
  let videoId: string;
  let keyFile = '';
  let rental: StoredPackage;
  let start = 0;

  before(
    async () => {
      const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/build-sdk.mjs'), '--quiet'], {
        stdio: 'inherit',
      });
      assert.equal(built.status, 0, 'scripts/build-sdk.mjs failed');
      dataDir = await makeDataDir();
      const clip = join(dataDir, 'clip.mp4');
      await makeClip(clip, { seconds: 6, width: 320, height: 180 });
      server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
      const group = await addGroup(vodClient(server.url), 'rental', [
        encryptedTemplate('SD', 180, 'AliyunVoDEncryption'),
      ]);
      videoId = await uploadVideo(vodClient(server.url), clip, group, 'rental');
      site = await startOfflineSite();
      browser = await launchChromium();
    },
    { timeout: 300_000 },
  );

  after(
    async () => {
      await browser?.close();
      await site?.close();
      await server?.stop();
      await removeDir(dataDir);
    },
    { timeout: 60_000 },
  );

  const rpc = <T = Record<string, unknown>>(action: string, params: Record<string, string>) =>
    vodClient(server.url).request<T>(action, params);
  const playAuth = async () =>
    (await rpc<{ PlayAuth: string }>('GetVideoPlayAuth', { VideoId: videoId, AuthInfoTimeout: '3000' }))
      .PlayAuth;
  const play = () => sdkPlay(page, { packageId: rental.id, keyFile, appDecryptKey: APP_DECRYPT_KEY });

  async function renew(licenseDuration?: number) {
    const auth = await playAuth();
    return page.evaluate(
      async ({ endpoint, id, auth, licenseDuration }) => {
        const sdk = (window as unknown as RentalWindow).SecureVod;
        try {
          const renewed = await sdk
            .createDownloader({ endpoint })
            .renewLicense(id, { playAuth: auth, ...(licenseDuration && { licenseDuration }) });
          return { renewed };
        } catch (e) {
          return { error: (e as { toJSON(): ErrorData }).toJSON() };
        }
      },
      { endpoint: server.url, id: rental.id, auth, licenseDuration },
    );
  }

  test(
    'a 1-hour rental plays, then is refused with licenseExpired 2 h later',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      page = await newPage(browser);
      start = Date.now();
      await page.clock.install({ time: start });
      await page.goto(`${site.origin('localhost')}/demo/offline.html`);
      const origin = await page.evaluate(() => location.origin);
      assert.notEqual(origin, server.url, 'the page is not on the server origin');

      await rpc('SetCustomerConfig', { DownloadSwitch: 'on', DownloadMode: 'Secure' });
      keyFile = (
        await rpc<{ AppEncryptKey: string }>('GenerateDownloadSecretKey', {
          AppIdentification: origin,
          AppDecryptKey: APP_DECRYPT_KEY,
        })
      ).AppEncryptKey;
      const auth = await playAuth();
      const downloaded = await page.evaluate(
        async ({ endpoint, vid, auth }) => {
          const sdk = (window as unknown as RentalWindow).SecureVod;
          try {
            return {
              record: await sdk
                .createDownloader({ endpoint })
                .download({ vid, playAuth: auth, licenseDuration: 3600 }),
            };
          } catch (e) {
            return { error: (e as { toJSON(): ErrorData }).toJSON() };
          }
        },
        { endpoint: server.url, vid: videoId, auth },
      );
      assert.ok(downloaded.record, JSON.stringify(downloaded.error));
      rental = downloaded.record;
      const bytes = Buffer.from(await storedBytes(page, rental.id), 'base64');
      assert.equal(bytes.readUInt16BE(4), 2, 'a rental is a format-2 package');
      const expiry = Number(bytes.readBigUInt64BE(44)) * 1000;
      assert.ok(
        Math.abs(expiry - (start + HOUR_MS)) < 5 * 60_000,
        `expires about 1 h from now: ${new Date(expiry).toISOString()}`,
      );

      const first = await play();
      assert.ok(first.played && first.played > 2, JSON.stringify(first));

      await page.clock.setSystemTime(start + 2 * HOUR_MS);
      const late = await play();
      assert.equal(late.error?.details, 'licenseExpired', JSON.stringify(late));
      assert.equal(late.error?.type, 'key');
      assert.equal(late.error?.fatal, true);
      assert.match(late.error?.message ?? '', /expired at/);
    },
  );

  test('renewal makes it play again, without a new download', { timeout: TEST_TIMEOUT_MS }, async () => {
    const before = await storedBytes(page, rental.id);
    // Through the demo page's own controls, as a person would: the PlayAuth, a duration, Renew.
    await page.reload(); // the demo lists the packages stored so far (the clock keeps its time)
    assert.ok((await page.evaluate(() => Date.now())) > start + 2 * HOUR_MS - 60_000, 'still 2 h ahead');
    await page.fill('#endpoint', server.url);
    await page.fill('#play-auth', await playAuth());
    await page.fill('#license-duration', String(4 * 3600));
    await page.check(`#packages tr[data-id="${rental.id}"] input[name=package]`);
    await page.click('#renew');
    await page.waitForFunction(() =>
      /Renewed until|failed/.test(document.getElementById('renewal')!.textContent!),
    );
    assert.match((await page.locator('#renewal').textContent()) ?? '', /Renewed until/);
    const stateTag = await licenseStates(page);
    assert.deepEqual(stateTag, ['string'], 'the renewed licence is kept with the package state');
    const again = await play();
    assert.ok(again.played && again.played > 2, JSON.stringify(again));
    assert.equal(await storedBytes(page, rental.id), before, 'the stored package is unchanged');
    assert.deepEqual(
      (await opfsFiles(page)).filter((name) => name.endsWith('.svpk')),
      [`${rental.id}.svpk`],
      'still the one package',
    );
  });

  test(
    'moving the clock back after that later open gives clockRollback; within 5 minutes it still plays',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      // The mark is now at least start + 2 h. Both times below are inside the renewed licence.
      await page.clock.setSystemTime(start + 2 * HOUR_MS - 2 * 60_000);
      const slightly = await play();
      assert.ok(
        slightly.played && slightly.played > 2,
        `2 minutes back is tolerated: ${JSON.stringify(slightly)}`,
      );

      await page.clock.setSystemTime(start + HOUR_MS);
      const rolledBack = await play();
      assert.equal(rolledBack.error?.details, 'clockRollback', JSON.stringify(rolledBack));
      assert.equal(rolledBack.error?.fatal, true);
      assert.match(rolledBack.error?.message ?? '', /clock/);

      // Set right again, it plays.
      await page.clock.setSystemTime(start + 2 * HOUR_MS + 60_000);
      const righted = await play();
      assert.ok(righted.played && righted.played > 2, JSON.stringify(righted));
    },
  );

  test(
    'a revoked secret version cannot renew; deleting the download deletes its licence state',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const origin = await page.evaluate(() => location.origin);
      await rpc('RevokeDownloadSecretKey', { AppIdentification: origin, SecretVersion: '1' });
      const refused = await renew(3600);
      assert.equal(refused.error?.details, 'secretRevoked', JSON.stringify(refused));
      assert.equal(refused.error?.code, 'Forbidden.DownloadSecretRevoked');

      // Deleting the download deletes its licence state.
      await page.evaluate(
        ({ endpoint, id }) =>
          (window as unknown as RentalWindow).SecureVod.createDownloader({ endpoint }).remove(id),
        { endpoint: server.url, id: rental.id },
      );
      assert.deepEqual(await licenseStates(page), []);
    },
  );
});
