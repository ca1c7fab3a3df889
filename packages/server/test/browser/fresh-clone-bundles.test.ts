/**
 * `securevod server` started from a fresh clone, without `npm start`'s setup step, so the player
 * SDK and console bundles were never built (issue 14, item 2). The server must not offer pages
 * it cannot serve: /demo/, /sdk/ and /console/ answer 404 saying how to build them, the start-up
 * summary does not advertise them, and the log names the one command that builds them. Once the
 * SDK is built (and the server restarted), the demo page plays in Chromium.
 *
 * The clone is of this checkout's committed HEAD. Its node_modules hold links to this checkout's
 * installed packages (no install), except @securevod/*, which point into the clone.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium, newPage } from '../support/browser.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { makeClip } from '../support/media.js';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

const run = promisify(execFile);
const BUILD_COMMAND = 'npm run setup';

/**
 * Links every installed package of this checkout into `clone` (the root's node_modules and any
 * package's own, where npm nests a second version); workspace packages to the clone's own.
 */
async function linkNodeModules(clone: string): Promise<void> {
  for (const pkg of await readdir(join(REPO_ROOT, 'packages'))) {
    const nested = join(REPO_ROOT, 'packages', pkg, 'node_modules');
    if (existsSync(nested) && existsSync(join(clone, 'packages', pkg))) {
      await symlink(nested, join(clone, 'packages', pkg, 'node_modules'));
    }
  }
  const source = join(REPO_ROOT, 'node_modules');
  const target = join(clone, 'node_modules');
  await mkdir(join(target, '@securevod'), { recursive: true });
  for (const name of await readdir(source)) {
    if (name === '@securevod') continue;
    await symlink(join(source, name), join(target, name));
  }
  for (const name of await readdir(join(source, '@securevod'))) {
    await symlink(join(clone, 'packages', name), join(target, '@securevod', name));
  }
}

interface ListeningEvent {
  url: string;
  consoleUrl: string | null;
  demoUrl: string | null;
}

function listeningEvent(server: ServerProcess): ListeningEvent {
  const line = server
    .output()
    .split('\n')
    .find((l) => l.includes('"event":"listening"'));
  assert.ok(line, 'the server printed its listening event');
  return JSON.parse(line) as ListeningEvent;
}

/** Log lines (pino JSON) that name the build command. */
function buildHints(server: ServerProcess): string[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(BUILD_COMMAND))
    .map((line) => String((JSON.parse(line) as { msg?: string }).msg));
}

/** The log is written asynchronously; it may trail the listening event. */
async function waitForHints(server: ServerProcess, count: number): Promise<string[]> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (buildHints(server).length >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return buildHints(server);
}

describe('a server started from a clone whose bundles were never built', { timeout: 300_000 }, () => {
  let base: string;
  let clone: string;
  let bin: string;
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'securevod-clone-'));
    clone = join(base, 'repo');
    await run('git', ['clone', '--quiet', REPO_ROOT, clone]);
    await linkNodeModules(clone);
    bin = join(clone, 'packages', 'server', 'bin', 'securevod.mjs');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (base) await rm(base, { recursive: true, force: true });
  });

  test('does not offer the demo page, the SDK or the console, and logs the command that builds them', async () => {
    assert.equal(existsSync(join(clone, 'packages', 'player', 'dist')), false, 'the clone has no SDK bundle');
    assert.equal(existsSync(join(clone, 'packages', 'console', 'dist')), false, 'the clone has no console');
    server = await startServerProcess({ dataDir: join(base, 'data'), bin });

    const hints = await waitForHints(server, 2);
    assert.equal(hints.length, 2, `one log line for the SDK, one for the console:\n${server.output()}`);
    assert.match(hints[0]!, /^The player SDK .* is not built on this server: run `npm run setup`/);
    assert.match(hints[1]!, /^The web console is not built on this server: run `npm run setup`/);
    const event = listeningEvent(server);
    assert.equal(event.demoUrl, null, 'the demo page is not advertised');
    assert.equal(event.consoleUrl, null, 'the console is not advertised');

    for (const path of [
      '/demo/player.html',
      '/demo/offline.html',
      '/sdk/securevod-player.js',
      '/console/',
      '/console',
    ]) {
      const res: Response = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      assert.equal(res.status, 404, path);
      const body = (await res.json()) as { Code: string; Message: string };
      assert.equal(body.Code, 'NotFound', path);
      assert.ok(body.Message.includes(BUILD_COMMAND), `${path}: ${body.Message}`);
    }
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the rest of the server works');
    await server.stop();
    server = undefined;
  });

  test('once the SDK is built, the demo page is offered and plays', async () => {
    await run(process.execPath, [join(clone, 'scripts', 'build-sdk.mjs'), '--quiet'], { cwd: clone });
    const dataDir = join(base, 'data');
    server = await startServerProcess({ dataDir, bin, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    const hints = await waitForHints(server, 1);
    assert.deepEqual(
      hints.map((h) => h.split(' is not built')[0]),
      ['The web console'],
      'only the console is still missing',
    );
    const event = listeningEvent(server);
    assert.equal(event.demoUrl, `${server.url}/demo/player.html`);
    assert.equal(event.consoleUrl, null);

    const clip = join(base, 'clip.mp4');
    await makeClip(clip, { seconds: 6, width: 320, height: 180 });
    const vod = vodClient(server.url);
    const group = await addGroup(vod, 'standard', [encryptedTemplate('SD', 180, 'HLSEncryption')]);
    const videoId = await uploadVideo(vod, clip, group);
    const { PlayAuth } = await vod.request<{ PlayAuth: string }>('GetVideoPlayAuth', { VideoId: videoId });

    browser = await launchChromium();
    const page = await newPage(browser);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${event.demoUrl}?vid=${videoId}&playAuth=${encodeURIComponent(PlayAuth)}`);
    await page.waitForFunction(
      () => {
        const v = document.querySelector('video');
        if (v && v.paused && v.readyState >= 2) void v.play().catch(() => undefined);
        return v !== null && v.currentTime > 2;
      },
      undefined,
      { timeout: 60_000, polling: 200 },
    );
    assert.deepEqual(errors, [], 'no page errors (e.g. "SecureVod is not defined")');
  });
});
