/**
 * A tiny static HTTP server for browser tests: serves a fixed map of URL paths to files on disk
 * (e.g. the built SDK bundle and a demo page) or to inline HTML, so a page can run from an origin
 * that is not the securevod server's. Everything else is 404.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  map: 'application/json',
};

export interface StaticServer {
  readonly port: number;
  /** `http://<host>:<port>` — the host decides the page's origin (`localhost`, `127.0.0.1`). */
  origin(host?: string): string;
  close(): Promise<void>;
}

/** URL path → a file path on disk, or `{ html }` to serve as it is. */
export type StaticFiles = Readonly<Record<string, string | { readonly html: string }>>;

export async function startStaticServer(files: StaticFiles): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = files[path];
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (typeof file !== 'string') {
      res.writeHead(200, { 'content-type': TYPES.html!, 'cache-control': 'no-store' }).end(file.html);
      return;
    }
    readFile(file).then(
      (body) => {
        const type = TYPES[path.split('.').pop() ?? ''] ?? 'application/octet-stream';
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: (host = '127.0.0.1') => `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
