/**
 * A tiny HTTP host for browser tests: serves the built console (packages/console/dist) under
 * /console/ with the SPA fallback, extra in-memory files (test pages and bundles), and proxies
 * every other request to the real securevod server — so the console, its API calls, ali-oss
 * uploads and player requests are all same-origin, as when the server serves the console itself.
 *
 * Start it before the server and give the server `SECUREVOD_PUBLIC_URL=<host url>`: upload
 * endpoints and play URLs then point here too. When the server already serves /console/
 * (`serverServesConsole`), /console/ is proxied like everything else.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { CONSOLE_SECURITY_HEADERS } from '../../../server/src/static-routes.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/**
 * The headers the server should send with the console (docs/console.md, "Serving"): the tests
 * run the console under them, so a change that needs a looser policy fails here first.
 */
export { CONSOLE_SECURITY_HEADERS };

export interface ConsoleHost {
  readonly url: string;
  /** Where requests outside /console/ and the extra files go (set once the server is up). */
  setUpstream(url: string, options?: { proxyConsole?: boolean }): void;
  /** Serves `body` at `path` (e.g. `/units/index.html`). */
  addFile(path: string, body: string | Uint8Array, type?: string): void;
  close(): Promise<void>;
}

export async function startConsoleHost(options: { distDir: string }): Promise<ConsoleHost> {
  let upstream: URL | undefined;
  let proxyConsole = false;
  const files = new Map<string, { body: string | Uint8Array; type: string }>();

  const serveDist = async (pathname: string, res: ServerResponse) => {
    const rel = normalize(decodeURIComponent(pathname.slice('/console/'.length))).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const candidate = join(options.distDir, rel);
    try {
      if (rel === '' || rel === '.') throw new Error('index');
      const body = await readFile(candidate);
      res.writeHead(200, {
        ...CONSOLE_SECURITY_HEADERS,
        'content-type': TYPES[extname(candidate)] ?? 'application/octet-stream',
        'cache-control': 'public, max-age=31536000, immutable',
      });
      res.end(body);
    } catch {
      // SPA fallback: any path without a file is the app.
      if (rel.startsWith('assets/')) {
        res.writeHead(404).end('not found');
        return;
      }
      const index = await readFile(join(options.distDir, 'index.html'));
      res.writeHead(200, {
        ...CONSOLE_SECURITY_HEADERS,
        'content-type': TYPES['.html']!,
        'cache-control': 'no-cache',
      });
      res.end(index);
    }
  };

  const proxy = (req: IncomingMessage, res: ServerResponse) => {
    if (!upstream) {
      res.writeHead(502).end('no upstream yet');
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  };

  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://host').pathname;
    const file = files.get(pathname);
    if (file) {
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' });
      res.end(file.body);
      return;
    }
    if (!proxyConsole && (pathname === '/console' || pathname.startsWith('/console/'))) {
      if (pathname === '/console') {
        res.writeHead(301, { location: '/console/' }).end();
        return;
      }
      serveDist(pathname, res).catch(() => res.writeHead(500).end());
      return;
    }
    proxy(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setUpstream(url, opts = {}) {
      upstream = new URL(url);
      proxyConsole = opts.proxyConsole ?? false;
    },
    addFile(path, body, type = TYPES[extname(path)] ?? 'application/octet-stream') {
      files.set(path, { body, type });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** True when the server itself answers /console/ with the console's index.html. */
export async function serverServesConsole(serverUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${serverUrl}/console/`);
    const text = await res.text();
    return res.ok && text.includes('securevod console') && text.includes('<div id="root">');
  } catch {
    return false;
  }
}
