/** A customer's website on another origin than securevod: a page with a <video id="v"> and hls.js. */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
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
