// The console in Chromium against the real server: leak tracing per template (our extension
// `TraceWatermark`, docs/tracing.md). Turning it on shows the tracing segment length, an out-of-
// range length shows its field message and sends nothing, the saved group carries
// `TraceWatermark` as the API returns it, the editor shows it back, and turning it off removes it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { WireGroup, WireGroupSummary } from '../src/api/wire-types.js';
import { launchChromium, type TestBrowser } from './support/chromium.js';
import { startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';
import { openPage, signIn } from './support/console-page.js';

let harness: ConsoleHarness;
let browser: TestBrowser;
let page: Page;

async function savedTemplate(name: string) {
  const { TranscodeTemplateGroupList } = await harness.vod.request<{
    TranscodeTemplateGroupList: WireGroupSummary[];
  }>('ListTranscodeTemplateGroup');
  const id = TranscodeTemplateGroupList.find((g) => g.Name === name)!.TranscodeTemplateGroupId;
  const { TranscodeTemplateGroup } = await harness.vod.request<{ TranscodeTemplateGroup: WireGroup }>(
    'GetTranscodeTemplateGroup',
    { TranscodeTemplateGroupId: id },
  );
  return TranscodeTemplateGroup.TranscodeTemplateList![0]!;
}

before(async () => {
  harness = await startConsoleHarness();
  browser = await launchChromium();
  page = await browser.context.newPage();
  await signIn(page, harness.consoleUrl);
  await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor();
});

after(async () => {
  await browser?.close();
  await harness?.close();
});

describe('leak tracing in the template-group editor', { timeout: 120_000 }, () => {
  it('turns tracing on with its segment length; a bad length changes nothing', async () => {
    await openPage(page, 'templates');
    await page.getByRole('button', { name: 'New group' }).click();
    await page.getByLabel('Group name').fill('Traced lessons');
    const template = page.getByRole('listitem', { name: 'Template 1' });
    assert.equal(await template.getByLabel('Tracing segment length (s)').count(), 0, 'hidden while off');
    await template.getByLabel('Leak tracing').selectOption('on');
    await template.getByLabel('Tracing segment length (s)').fill('5');

    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') sent.push(request.postData() ?? '');
    });
    await page.getByRole('button', { name: 'Create group' }).click();
    await template.getByText('Tracing segment length must be from 1 to 4 s.').waitFor();
    assert.deepEqual(
      sent.filter((body) => body.includes('AddTranscodeTemplateGroup')),
      [],
    );

    await template.getByLabel('Tracing segment length (s)').fill('2');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByText('Created “Traced lessons”.').waitFor();
    assert.deepEqual(JSON.parse(String((await savedTemplate('Traced lessons')).TraceWatermark)), {
      Enabled: 'true',
      SegmentSeconds: '2',
    });
  });

  it('shows tracing back in the editor, and turning it off removes it', async () => {
    const row = page.locator('tr[data-group-name="Traced lessons"]');
    await row.getByRole('button', { name: 'Edit Traced lessons' }).click();
    const template = page.getByRole('listitem', { name: 'Template 1' });
    assert.equal(await template.getByLabel('Leak tracing').inputValue(), 'on');
    assert.equal(await template.getByLabel('Tracing segment length (s)').inputValue(), '2');
    await template.getByLabel('Leak tracing').selectOption('off');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved “Traced lessons”.').waitFor();
    assert.equal((await savedTemplate('Traced lessons')).TraceWatermark, undefined);
  });
});
