/**
 * The loopback HTTP endpoint ffmpeg writes its HLS output to (`-method PUT`, see
 * `buildHlsLadderArgs({ outputUrl })`), so no clear segment is ever written to the worker's disk.
 * One sink per transcode job; the streaming packager (`streaming-packager.ts`) owns it.
 *
 * - Listens on 127.0.0.1, on a port the OS picks, and accepts only paths under a per-job prefix of
 *   128 random bits (`baseUrl`): another local process that finds the port cannot guess where to
 *   write, and what it sends elsewhere is refused with 404.
 * - Media files (init and media segments) are handed to `onMedia` as soon as their body is
 *   complete; playlists are kept in memory, the latest body winning (hlsenc PUTs a media
 *   playlist again after a segment when it updates it, and the master once).
 * - ffmpeg 5.1 does not read the answer to a PUT (http.c's shutdown reads without waiting), so a
 *   refused or failed upload would go unnoticed by ffmpeg: every failure is reported through
 *   `onError`, and the owner aborts ffmpeg.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HlsUploadSinkOptions {
  /** Called once per media file, path relative to `baseUrl` (e.g. `hd/seg_00003.m4s`). */
  readonly onMedia: (path: string, body: Buffer) => Promise<void>;
  /** Any refused upload or `onMedia` failure; the sink keeps answering, the owner decides. */
  readonly onError: (error: Error) => void;
  /** Largest accepted body. Default 512 MiB (a 4 s segment at 500 Mbit/s is 250 MB). */
  readonly maxBodyBytes?: number;
}

export interface HlsUploadSink {
  /** `http://127.0.0.1:<port>/<random prefix>`, no trailing `/`: give it to ffmpeg as `outputUrl`. */
  readonly baseUrl: string;
  /** The latest body PUT for a playlist path (`master.m3u8`, `hd/index.m3u8`), if any. */
  playlist(path: string): string | undefined;
  /**
   * Resolves once no upload is in progress and every `onMedia` call has settled (failures are
   * reported to `onError`, not here).
   */
  idle(): Promise<void>;
  /** Stops listening, drops open connections, then waits for `idle()`. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 512 * 1024 * 1024;
/** `<name>/<file>` or a top-level file; names as hlsenc writes them from our plan. */
const PATH_RE = /^(?:[A-Za-z0-9][A-Za-z0-9_-]*\/)?[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class HlsUploadError extends Error {
  override readonly name = 'HlsUploadError';
  readonly code = 'TranscodeFailed';
}

export async function openHlsUploadSink(opts: HlsUploadSinkOptions): Promise<HlsUploadSink> {
  const prefix = `/${randomBytes(16).toString('hex')}/`;
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const playlists = new Map<string, string>();
  const inFlight = new Set<Promise<void>>();

  const track = (work: Promise<void>): void => {
    const settled = work.catch((error: unknown) =>
      opts.onError(error instanceof Error ? error : new HlsUploadError(String(error))),
    );
    inFlight.add(settled);
    void settled.finally(() => inFlight.delete(settled));
  };

  const refuse = (res: ServerResponse, status: number, message: string): void => {
    opts.onError(new HlsUploadError(`the HLS output sink refused an upload: ${message}`));
    res.writeHead(status, { connection: 'close' }).end();
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '';
    const path = url.startsWith(prefix) ? url.slice(prefix.length) : undefined;
    if (path === undefined) {
      // Not ours (a stray local client): refused without failing the job.
      req.resume();
      res.writeHead(404, { connection: 'close' }).end();
      return;
    }
    if (req.method !== 'PUT' && req.method !== 'POST') {
      req.resume();
      return refuse(res, 405, `method ${req.method ?? '?'}`);
    }
    if (!PATH_RE.test(path) || path.includes('..')) {
      req.resume();
      return refuse(res, 400, `unexpected path ${JSON.stringify(path.slice(0, 100))}`);
    }
    track(
      receive(req, maxBodyBytes).then(
        async (body) => {
          if (path.endsWith('.m3u8')) playlists.set(path, body.toString('utf8'));
          else await opts.onMedia(path, body);
          res.writeHead(201, { connection: 'close' }).end();
        },
        (error: unknown) => {
          res.writeHead(413, { connection: 'close' }).end();
          throw error;
        },
      ),
    );
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const idle = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.all(inFlight);
  };

  return {
    baseUrl: `http://127.0.0.1:${port}${prefix.slice(0, -1)}`,
    playlist: (path) => playlists.get(path),
    idle,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await idle();
    },
  };
}

/** The whole request body; rejects when it exceeds `limit` or the client goes away. */
function receive(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        reject(new HlsUploadError(`an upload exceeded ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
    req.on('aborted', () => reject(new HlsUploadError('an upload was cut off')));
  });
}
