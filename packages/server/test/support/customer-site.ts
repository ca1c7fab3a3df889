/** A customer's website on another origin than securevod: a page with a <video id="v"> and hls.js. */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startStaticServer, type StaticServer } from '../../../player/test/support/static-server.js';
import { REPO_ROOT } from './server-process.js';

export async function startSite(): Promise<{ server: Server; origin: string }> {
  const hls = await readFile(join(REPO_ROOT, 'node_modules/hls.js/dist/hls.min.js'));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/hls.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(hls);
    } else if (path === '/page.html') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><video id="v" muted autoplay></video>');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * On a customer page that loaded securevod's SDK script: creates a player for `<video id="v">`
 * and records its fatal errors (read them with `fatalErrors`).
 */
export async function startSdkPlayer(page: Page, opts: { vid: string; playAuth: string }): Promise<void> {
  await page.evaluate(({ vid, playAuth }) => {
    const w = window as unknown as {
      SecureVod: {
        createPlayer(o: object): { on(e: string, cb: (x: { fatal: boolean }) => void): void };
      };
      __fatal: unknown[];
    };
    w.__fatal = [];
    const player = w.SecureVod.createPlayer({ video: document.getElementById('v'), vid, playAuth });
    player.on('error', (e) => e.fatal && w.__fatal.push(e));
  }, opts);
}

/** The fatal errors `startSdkPlayer`'s player has reported so far. */
export function fatalErrors(page: Page): Promise<unknown[]> {
  return page.evaluate(() => (window as unknown as { __fatal: unknown[] }).__fatal);
}

/** The offline demo page and the SDK bundle, served on an origin of their own (the offline tests' customer site). */
export function startOfflineSite(): Promise<StaticServer> {
  return startStaticServer({
    '/sdk/securevod-player.js': join(REPO_ROOT, 'packages/player/dist/securevod-player.js'),
    '/demo/offline.html': join(REPO_ROOT, 'packages/player/demo/offline.html'),
  });
}
