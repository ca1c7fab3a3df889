// Access control in the console, in Chromium against the real server: a user with a key, a
// policy written in the JSON editor (a mistake is named with its path before anything is sent),
// attached to the user; a role with a trust policy; and signing in with STS credentials from
// AssumeRole, whose limits the console then shows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { RAM_VERSION, STS_VERSION, VodClient } from '../src/api/vod-client.js';
import { launchChromium, type TestBrowser } from './support/chromium.js';
import { startConsoleHarness, TEST_ROOT_KEY, type ConsoleHarness } from './support/console-harness.js';
import { openPage, settle, signIn } from './support/console-page.js';

let harness: ConsoleHarness;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  harness = await startConsoleHarness();
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

after(async () => {
  await browser?.close();
  await harness?.close();
});

describe('console access control in Chromium', { timeout: 180_000 }, () => {
  it('creates a user and gives it an AccessKey whose secret is shown once', async () => {
    await signIn(page, harness.consoleUrl);
    await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor();
    await openPage(page, 'users');
    await page.getByLabel('User name').fill('web backend');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Use letters, digits, ".", "_" and "-".').waitFor();
    await page.getByLabel('User name').fill('web-backend');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('User web-backend created.').waitFor();
    await page.getByRole('link', { name: 'web-backend' }).click();
    await page.getByRole('heading', { level: 1, name: 'User web-backend' }).waitFor();
    await page.getByText('No policies: this user can call nothing.').waitFor();
    await page.getByRole('button', { name: 'Create AccessKey' }).click();
    const id = (await page.getByTestId('created-key-id').textContent())!;
    const secret = (await page.getByTestId('created-key-secret').textContent())!;
    const backend = new VodClient({ endpoint: harness.serverUrl, accessKeyId: id, accessKeySecret: secret });
    await assert.rejects(backend.request('GetVideoList'), { code: 'Forbidden' });
    await page.getByRole('button', { name: 'I have stored it' }).click();
    assert.equal(await page.getByText(secret).count(), 0);
  });

  it('validates a policy in the JSON editor, creates it and attaches it to the user', async () => {
    await openPage(page, 'policies');
    await page.getByLabel('Policy name').fill('list-videos');
    const editor = page.getByLabel('Policy document (JSON)');
    await editor.fill('{"Version":"1","Statement":[{"Effect":"allow","Action":"vod:GetVideoList"}]}');
    const problems = page.getByTestId('policy-problems');
    await problems.getByText('Statement[0].Effect must be "Allow" or "Deny"').waitFor();
    await problems.getByText('Statement[0] needs exactly one of Resource and NotResource').waitFor();
    await editor.fill('{"Version":"1","Statement":[{"Effect":"Allow","Action":"vod:GetVideoList",');
    await problems.getByText(/the document is not valid JSON/).waitFor();
    await editor.fill(
      JSON.stringify({
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'vod:GetVideoList', Resource: '*' }],
      }),
    );
    await page.getByTestId('policy-valid').waitFor();
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText('Policy list-videos created.').waitFor();
    await page.locator('tr[data-policy="list-videos"]').waitFor();

    await openPage(page, 'users');
    await page.getByRole('link', { name: 'web-backend' }).click();
    await settle(page);
    await page.getByLabel('Attach a policy').selectOption('Custom:list-videos');
    await page.getByRole('button', { name: 'Attach', exact: true }).click();
    await page.locator('li[data-attached-policy="list-videos"]').waitFor();
    const keys = await harness.vod.request<{ AccessKeys: { AccessKey: Array<{ AccessKeyId: string }> } }>(
      'ListAccessKeys',
      { UserName: 'web-backend' },
      { version: RAM_VERSION },
    );
    assert.equal(keys.AccessKeys.AccessKey.length, 1);
  });

  it('creates a role, and signs in with STS credentials from AssumeRole', async () => {
    await openPage(page, 'roles');
    await page.getByLabel('Role name').fill('viewer');
    await settle(page);
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByText('Role viewer created.').waitFor();
    await page.getByRole('button', { name: 'Policies of viewer' }).click();
    await page.getByLabel('Attach a policy').selectOption('System:AliyunVODReadOnlyAccess');
    await page.getByRole('button', { name: 'Attach', exact: true }).click();
    await page
      .getByRole('region', { name: 'Policies of viewer' })
      .getByText('AliyunVODReadOnlyAccess')
      .waitFor();

    // An app server (a RAM user allowed sts:AssumeRole) fetches credentials for a person.
    const root = harness.vod;
    await root.request('CreateUser', { UserName: 'app-server' }, { version: RAM_VERSION });
    await root.request(
      'AttachPolicyToUser',
      { UserName: 'app-server', PolicyType: 'System', PolicyName: 'AliyunSTSAssumeRoleAccess' },
      { version: RAM_VERSION },
    );
    const key = await root.request<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>(
      'CreateAccessKey',
      { UserName: 'app-server' },
      { version: RAM_VERSION },
    );
    const appServer = new VodClient({
      endpoint: harness.serverUrl,
      accessKeyId: key.AccessKey.AccessKeyId,
      accessKeySecret: key.AccessKey.AccessKeySecret,
    });
    const { AccountId } = await root.request<{ AccountId: string }>(
      'GetCallerIdentity',
      {},
      { version: STS_VERSION },
    );
    const { Credentials } = await appServer.request<{
      Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string };
    }>(
      'AssumeRole',
      { RoleArn: `acs:ram::${AccountId}:role/viewer`, RoleSessionName: 'console-user' },
      { version: STS_VERSION },
    );

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('AccessKey ID').fill(Credentials.AccessKeyId);
    await page.getByLabel('AccessKey secret').fill(Credentials.AccessKeySecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('STS credentials need their security token').waitFor();
    await page.getByLabel('Security token').fill(`${Credentials.SecurityToken.slice(0, -4)}AAAA`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /SecurityToken/ })
      .waitFor();
    await page.getByLabel('Security token').fill(Credentials.SecurityToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('banner').getByText(Credentials.AccessKeyId).waitFor();
    // Still on the roles page, which this role may not read.
    await page
      .getByRole('alert')
      .filter({ hasText: /not authorized/ })
      .waitFor();
    await openPage(page, 'library');
    await page.getByText('No videos yet.').waitFor();
    // The role reads VOD only: RAM pages say so.
    await openPage(page, 'users');
    await page
      .getByRole('alert')
      .filter({ hasText: /not authorized/ })
      .waitFor();
    assert.ok(
      !(await page.evaluate(() => JSON.stringify({ ...localStorage }))).includes(Credentials.SecurityToken),
    );
    assert.notEqual(TEST_ROOT_KEY.accessKeyId, Credentials.AccessKeyId);
    assert.deepEqual(pageErrors, []);
  });
});
