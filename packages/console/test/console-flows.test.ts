// The console in Chromium against the real server: sign-in, template groups (encrypted, made
// default; a bad value shows its field message and changes nothing), app registration with the
// key file download and revocation, download settings (with the rental duration), callbacks with a test event, access keys,
// layout at 390 px, and sign-out. A step needing an action the server does not implement fails
// with the action's name (it is never skipped): the console ships with this server.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { decodeAppEncryptKey, openKeyFile } from '@securevod/crypto';
import type { Page } from 'playwright-core';
import type { WireGroup, WireGroupSummary } from '../src/api/wire-types.js';
import { launchChromium, type TestBrowser } from './support/chromium.js';
import { startConsoleHarness, TEST_ROOT_KEY, type ConsoleHarness } from './support/console-harness.js';
import { openPage, PAGES, settle, signIn, type PageKey } from './support/console-page.js';

const ANDROID_APP = 'bb:0d:ac:74:d3:21:09:ef:9c:71:1a:5e:77:2c:8e:bf:03:fd:fa:5a';
const APP_DECRYPT_KEY = 'ConsoleAppKey2026abc';

let harness: ConsoleHarness;
let browser: TestBrowser;
let page: Page;
let receiver: Server;
const received: { headers: Record<string, unknown>; body: Record<string, unknown> }[] = [];
const pageErrors: string[] = [];

async function groups(): Promise<WireGroupSummary[]> {
  return (
    await harness.vod.request<{ TranscodeTemplateGroupList: WireGroupSummary[] }>(
      'ListTranscodeTemplateGroup',
    )
  ).TranscodeTemplateGroupList;
}

before(async () => {
  // The callback receiver is on 127.0.0.1, which the server refuses without this.
  harness = await startConsoleHarness({ env: { SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1' } });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body || '{}') as Record<string, unknown> });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

after(async () => {
  await browser?.close();
  await harness?.close();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

describe('console flows in Chromium', { timeout: 180_000 }, () => {
  it('refuses a wrong secret with advice, then signs in', async () => {
    await signIn(page, harness.consoleUrl, { secret: 'not-the-secret-000000' });
    await page.getByText('The AccessKey secret does not match the AccessKey ID').waitFor();
    await page.getByLabel('AccessKey secret').fill(TEST_ROOT_KEY.accessKeySecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor();
    await page.getByText('No videos yet.').waitFor();
    assert.ok(await page.getByRole('banner').getByText(TEST_ROOT_KEY.accessKeyId).isVisible());
  });

  it('creates an encrypted template group and makes it default; a bad value changes nothing', async () => {
    await openPage(page, 'templates');
    const before = await groups();
    await page.getByRole('button', { name: 'New group' }).click();
    await page.getByLabel('Group name').fill('Console encrypted');
    const template = page.getByRole('listitem', { name: 'Template 1' });
    await template.getByLabel('Video Encryption').selectOption('AliyunVoDEncryption');
    await template.getByLabel('Key rotation (segments)').fill('5');
    await template.getByLabel('Height (px)').fill('361');

    const sent: string[] = [];
    const onRequest = (request: { method(): string; postData(): string | null }) => {
      if (request.method() === 'POST') sent.push(request.postData() ?? '');
    };
    page.on('request', onRequest);
    await page.getByRole('button', { name: 'Create group' }).click();
    const heightError = template.getByText('Height must be an even number');
    await heightError.waitFor();
    assert.equal(await template.getByLabel('Height (px)').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tpl-templates-0-height');
    assert.deepEqual(
      sent.filter((body) => body.includes('AddTranscodeTemplateGroup')),
      [],
    );
    assert.equal((await groups()).length, before.length);
    page.off('request', onRequest);

    await template.getByLabel('Height (px)').fill('360');
    assert.equal(await heightError.count(), 0);
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByText('Created “Console encrypted”.').waitFor();
    const row = page.locator('tr[data-group-name="Console encrypted"]');
    await row.getByRole('button', { name: 'Make Console encrypted the default' }).click();
    await page.getByText('“Console encrypted” is now the default group').waitFor();
    await row.getByText('Default', { exact: true }).waitFor();

    const created = (await groups()).find((g) => g.Name === 'Console encrypted');
    assert.equal(created?.IsDefault, 'Default');
    const { TranscodeTemplateGroup } = await harness.vod.request<{ TranscodeTemplateGroup: WireGroup }>(
      'GetTranscodeTemplateGroup',
      { TranscodeTemplateGroupId: created!.TranscodeTemplateGroupId },
    );
    const [saved] = TranscodeTemplateGroup.TranscodeTemplateList ?? [];
    assert.deepEqual(JSON.parse(String(saved?.EncryptSetting)), {
      EncryptType: 'AliyunVoDEncryption',
      KeyRotationSegments: '5',
    });
    assert.equal(JSON.parse(String(saved?.Video)).Height, '360');
  });

  it('edits a group; a save the API refuses changes nothing and says why', async () => {
    const row = page.locator('tr[data-group-name="Console encrypted"]');
    await row.getByRole('button', { name: 'Edit Console encrypted' }).click();
    let template = page.getByRole('listitem', { name: 'Template 1' });
    assert.equal(await template.getByLabel('Key rotation (segments)').inputValue(), '5');
    await template.getByLabel('Video bitrate (kbps)').fill('750');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved “Console encrypted”.').waitFor();

    // Another operator deletes a group while it is open here: the save fails, nothing changes.
    const { TranscodeTemplateGroupId } = await harness.vod.request<{ TranscodeTemplateGroupId: string }>(
      'AddTranscodeTemplateGroup',
      { Name: 'Scratch', TranscodeTemplateList: '[{"Definition":"LD"}]' },
    );
    await openPage(page, 'library');
    await openPage(page, 'templates');
    await page.getByRole('button', { name: 'Edit Scratch' }).click();
    await page.getByRole('heading', { name: 'Edit “Scratch”' }).waitFor();
    await harness.vod.request('DeleteTranscodeTemplateGroup', { TranscodeTemplateGroupId });
    template = page.getByRole('listitem', { name: 'Template 1' });
    await template.getByLabel('Video bitrate (kbps)').fill('400');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText(/^Nothing was saved\. \S/).waitFor();
    assert.ok(!(await groups()).some((g) => g.Name === 'Scratch'));
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('registers an app: live key checks, key file download, key not kept', async () => {
    await openPage(page, 'downloads');
    await page.getByLabel('App identification').fill(ANDROID_APP);
    await page.getByText('Recognised: Android app').waitFor();
    const keyField = page.getByLabel('AppDecryptKey', { exact: true });
    await keyField.fill('short');
    await page.getByText('It must be 16 to 32 characters long; it has 5.').waitFor();
    await page.getByText('It must contain at least one digit.').waitFor();
    await keyField.fill(APP_DECRYPT_KEY);
    await page.getByText('The key meets every rule.').waitFor();
    await page.getByRole('button', { name: 'Generate key file' }).click();
    const downloadButton = page.getByTestId('download-key-file');
    await downloadButton.waitFor();
    assert.equal(await keyField.inputValue(), '', 'the AppDecryptKey is cleared once sent');

    const [download] = await Promise.all([page.waitForEvent('download'), downloadButton.click()]);
    assert.match(download.suggestedFilename(), /^android_BB_0D_.*_5A-v1\.dat$/);
    const bytes = new Uint8Array(await readFile((await download.path())!));
    const opened = await openKeyFile(bytes, {
      appIdentification: ANDROID_APP,
      appDecryptKey: APP_DECRYPT_KEY,
    });
    assert.equal(opened.secretVersion, 1);
    await assert.rejects(
      openKeyFile(bytes, { appIdentification: ANDROID_APP, appDecryptKey: 'OtherAppKey2026abcd' }),
    );
    assert.equal(decodeAppEncryptKey(Buffer.from(bytes).toString('base64')).length, bytes.length);
    const html = await page.content();
    assert.ok(!html.includes(APP_DECRYPT_KEY), 'the page holds no copy of the AppDecryptKey');
  });

  it('lists and revokes an app secret version', async () => {
    await harness.requireActions('ListDownloadSecretKeys', 'RevokeDownloadSecretKey');
    const row = page.locator('tr[data-version="1"]').filter({ hasText: 'android:BB:0D' });
    await row.getByText('Active').waitFor();
    await row.getByRole('button', { name: /Revoke version 1/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await row.getByText('Active').waitFor();
    await row.getByRole('button', { name: /Revoke version 1/ }).click();
    await dialog.getByRole('button', { name: 'Revoke version' }).click();
    await page.getByText('Revoked version 1 of android:BB:0D').waitFor();
    await row.getByText('Revoked', { exact: true }).waitFor();
  });

  it('turns offline download on in secure mode', async () => {
    await harness.requireActions('GetCustomerConfig', 'SetCustomerConfig');
    await page.getByLabel('Offline download').selectOption('on');
    await page.getByLabel('Download mode').selectOption('Secure');
    await page.getByRole('button', { name: 'Save download settings' }).click();
    await page.getByText('Offline download is on (secure').waitFor();
    const config = await harness.vod.request<{ DownloadSwitch: string; DownloadMode: string }>(
      'GetCustomerConfig',
    );
    assert.deepEqual([config.DownloadSwitch, config.DownloadMode], ['on', 'Secure']);
  });

  it('sets a rental duration for secure downloads', async () => {
    await page.getByLabel('Rental duration').selectOption({ label: '2 days' });
    await page.getByRole('button', { name: 'Save download settings' }).click();
    await page.getByText('Downloads are rentals: they stop playing 2 days after download').waitFor();
    const set = await harness.vod.request<{ LicenseDuration: number }>('GetCustomerConfig');
    assert.equal(set.LicenseDuration, 172_800);
    // A value set through the API that is no preset is shown as it is, after a reload.
    await harness.vod.request('SetCustomerConfig', { LicenseDuration: '5400' });
    await openPage(page, 'library');
    await openPage(page, 'downloads');
    await settle(page);
    assert.equal(await page.getByLabel('Rental duration').inputValue(), '5400');
    assert.equal(
      await page.getByLabel('Rental duration').locator('option:checked').textContent(),
      '5400 seconds',
    );
    await page.getByLabel('Rental duration').selectOption({ label: 'None — downloads never expire' });
    await page.getByRole('button', { name: 'Save download settings' }).click();
    await page.getByText('Offline download is on (secure').waitFor();
    assert.equal(
      (await harness.vod.request<{ LicenseDuration: number }>('GetCustomerConfig')).LicenseDuration,
      0,
    );
  });

  it('sets a signed callback and sends a test event', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/vod-events`;
    await openPage(page, 'callbacks');
    await page.getByLabel('Callback URL').fill('not a url');
    await page.getByLabel('Callback URL').press('Tab');
    await page.getByText('Enter a full URL').waitFor();
    await page.getByLabel('Callback URL').fill(url);
    await page.getByLabel(/StreamTranscodeComplete/).uncheck();
    await page.getByLabel('Sign events (X-VOD-SIGNATURE with an auth key)').check();
    await page.getByLabel('Auth key', { exact: true }).fill('lowercase1');
    await page.getByLabel('Auth key', { exact: true }).press('Tab');
    await page.getByText('needs at least one uppercase letter').waitFor();
    await page.getByLabel('Auth key', { exact: true }).fill('Console2026Key');
    await page.getByRole('button', { name: 'Save callback settings' }).click();
    await page.getByText(`Saved. 2 event types go to ${url}.`).waitFor();
    const { MessageCallback } = await harness.vod.request<{ MessageCallback: Record<string, string> }>(
      'GetMessageCallback',
    );
    assert.equal(MessageCallback.CallbackURL, url);
    assert.equal(MessageCallback.EventTypeList, 'FileUploadComplete,TranscodeComplete');
    assert.equal(MessageCallback.AuthSwitch, 'on');

    await harness.requireActions('SendTestCallback', 'ListCallbackDeliveries');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText(`A test event is on its way to ${url}`).waitFor();
    await page
      .locator('tr[data-delivery-status="success"]')
      .filter({ hasText: 'TestEvent' })
      .waitFor({ timeout: 30_000 });
    const event = received.find((r) => r.body.EventType === 'TestEvent');
    assert.ok(event, 'the receiver got the test event');
    assert.ok(event.headers['x-vod-signature'], 'the event is signed');
  });

  it('creates an access key, shows its secret once, and disables it', async () => {
    await harness.requireActions('ListAccessKeys', 'CreateAccessKey', 'UpdateAccessKey');
    await openPage(page, 'accessKeys');
    await page.getByLabel('Description (optional)').fill('console test backend');
    await page.getByRole('button', { name: 'Create key' }).click();
    const id = (await page.getByTestId('created-key-id').textContent())!;
    const secret = (await page.getByTestId('created-key-secret').textContent())!;
    assert.ok(id && secret);
    const { VodClient } = await import('../src/api/vod-client.js');
    const backend = new VodClient({ endpoint: harness.serverUrl, accessKeyId: id, accessKeySecret: secret });
    await backend.request('ListTranscodeTemplateGroup');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is gone from the page');

    await page.getByRole('button', { name: `Disable ${id}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable key' }).click();
    await page.getByText(`${id} is now disabled.`).waitFor();
    await assert.rejects(backend.request('ListTranscodeTemplateGroup'), {
      code: 'InvalidAccessKeyId.Inactive',
    });
    assert.equal(await page.getByRole('button', { name: `Disable ${TEST_ROOT_KEY.accessKeyId}` }).count(), 0);
  });

  it('fits every page into 390 px without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const key of Object.keys(PAGES) as PageKey[]) {
        await openPage(page, key);
        await settle(page);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${key} overflows by ${overflow}px at 390 px`);
      }
    } finally {
      await page.setViewportSize({ width: 1366, height: 768 });
    }
  });

  it('remembers the session only when asked, and sign-out clears it', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    await signIn(page, harness.consoleUrl, { remember: true });
    await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor();
    const stored = await page.evaluate(async () => {
      const dbs = await indexedDB.databases();
      return dbs.map((d) => d.name);
    });
    assert.ok(stored.includes('securevod-console'));
    const storage = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    );
    assert.ok(!storage.includes(TEST_ROOT_KEY.accessKeySecret), 'no secret in web storage');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.deepEqual(pageErrors, []);
  });
});
