/**
 * The local HTTP server of `securevod offline play`: serves an opened offline package as the plain
 * MP4 it holds, on 127.0.0.1 only, under a random path so other local users cannot guess the URL.
 * It supports single byte ranges (RFC 9110 §14), as media players seek with them, and decrypts
 * only the chunks a request covers, as the response is consumed: nothing clear is written to disk
 * and memory holds about one chunk per request.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

/** What the server reads from: an opened package (plaintext offsets). */
export interface PlaintextSource {
  readonly size: number;
  /** Reads are issued in pieces of at most this size, aligned to it (one package chunk each). */
  readonly pieceSize: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface OfflinePlayServerOptions {
  readonly source: PlaintextSource;
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Last path segment of the URL, e.g. `<vid>-SD.mp4`. */
  readonly fileName: string;
  /** A read failed (the package is damaged): the command reports it and stops. */
  readonly onReadError: (error: unknown) => void;
}

export interface OfflinePlayServer {
  readonly url: string;
  close(): Promise<void>;
}

export type ByteRange = { start: number; end: number };

/**
 * `Range` header → the range to serve: `undefined` to send the whole body (no header, another
 * unit, or several ranges — a server may ignore those), `'unsatisfiable'` for a range outside the
 * body (416). Handles `bytes=a-b`, `bytes=a-` and `bytes=-n`.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || (last !== '' && Number(last) < start)) return 'unsatisfiable';
  return { start, end };
}

export async function startOfflinePlayServer(options: OfflinePlayServerOptions): Promise<OfflinePlayServer> {
  const { source } = options;
  const path = `/${randomBytes(16).toString('hex')}/${encodeURIComponent(options.fileName)}`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const range = parseRange(req.headers.range, source.size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${source.size}`, 'accept-ranges': 'bytes' }).end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: source.size - 1 };
    const headers: Record<string, string> = {
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      'content-length': String(Math.max(0, end - start + 1)),
      'cache-control': 'no-store',
    };
    if (range) headers['content-range'] = `bytes ${start}-${end}/${source.size}`;
    if (req.method === 'HEAD' || end < start) {
      res.writeHead(range ? 206 : 200, headers).end();
      return;
    }

    let closed = false;
    res.once('close', () => (closed = true));
    let position = start;
    let first = true;
    while (position <= end && !closed) {
      const pieceEnd = Math.min(end + 1, (Math.floor(position / source.pieceSize) + 1) * source.pieceSize);
      let bytes: Uint8Array;
      try {
        bytes = await source.read(position, pieceEnd - position);
      } catch (error) {
        if (first) res.writeHead(500, { 'content-type': 'text/plain' }).end('the package cannot be read\n');
        else res.destroy();
        options.onReadError(error);
        return;
      }
      if (first) res.writeHead(range ? 206 : 200, headers);
      first = false;
      position = pieceEnd;
      if (!res.write(bytes) && !closed) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    if (!closed) res.end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.destroy();
      options.onReadError(error);
    });
  });
  server.listen(options.port, options.host);
  await once(server, 'listening'); // rejects on 'error' (port in use, …)
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
