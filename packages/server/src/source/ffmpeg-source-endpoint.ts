/**
 * "Open the source for ffmpeg": a per-job HTTP endpoint on 127.0.0.1 (random port) that serves a
 * video's source decrypted, with Range, at an unguessable path, so ffmpeg and ffprobe read it
 * straight from object storage — no clear copy on the worker's disk. Used by the transcode job
 * and by anything else that runs ffmpeg on a source (snapshots).
 *
 *   const input = await openSourceForFfmpeg(vault, video);
 *   try { await probe(input.url, …); await runFfmpeg(buildHlsLadderArgs({ input: input.url, … }), …); }
 *   finally { await input.close(); }
 *
 * Only GET and HEAD of the one path answer (anything else 404, no body); a single
 * `Range: bytes=a-b` / `bytes=a-` / `bytes=-n` is honoured (ffmpeg's seeks), others get the whole
 * source. A chunk that fails authentication cuts the response, so ffmpeg fails the job.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { OpenSource, SourceOfVideo, SourceVault } from './source-vault.js';

export interface FfmpegSourceInput {
  /** `http://127.0.0.1:<port>/<random>/source<ext>`; pass as ffmpeg's input (`MediaInput`). */
  readonly url: URL;
  /** Plaintext size of the source. */
  readonly size: number;
  /** Stops serving and cuts open connections. Idempotent. */
  close(): Promise<void>;
}

export async function openSourceForFfmpeg(
  vault: Pick<SourceVault, 'open'>,
  video: SourceOfVideo,
  options: { log?: { warn(obj: object, msg: string): void } } = {},
): Promise<FfmpegSourceInput> {
  const source = await vault.open(video);
  // The extension helps ffmpeg pick a demuxer for formats it cannot sniff (raw streams).
  const path = `/${randomBytes(16).toString('hex')}/source${extname(video.sourceKey)}`;
  const server = createServer((req, res) => {
    serve(source, path, req, res).catch((err: unknown) => {
      options.log?.warn({ videoId: video.videoId, err }, 'serving the source to ffmpeg failed');
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: new URL(`http://127.0.0.1:${port}${path}`),
    size: source.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function serve(
  source: OpenSource,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || req.url !== path) {
    res.writeHead(404, { 'content-length': '0' }).end();
    return;
  }
  const range = parseRange(req.headers.range, source.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${source.size}`, 'content-length': '0' }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: source.size - 1 };
  const headers: Record<string, string> = {
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
    'content-length': String(Math.max(0, end - start + 1)),
  };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${source.size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || end < start) {
    res.end();
    return;
  }
  await pipeline(Readable.from(source.read(start, end)), res);
}

/** One `bytes=` range resolved against `size`; undefined for none (or one we do not serve). */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}
