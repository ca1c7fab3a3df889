/**
 * TEST DOUBLE of the securevod server's player-facing side — NOT the real service (that lives in
 * packages/server and is being wired separately; the same browser assertions will run against
 * it). It implements the play API exactly as the SDK's spec states it (docs/sdk.md, "Server
 * API"), on real parts: media from a real local directory store filled by the real packager,
 * AES-128 keys from the real key derivation, private keys through the real `wrapKeyForClient`.
 *
 *   POST /play/info            { VideoId, PlayAuth } → VideoMeta, Session, PlayInfoList, MasterPlayURL
 *   POST /play/refresh         { Token } → { Session } while Token is valid
 *   GET  /media/<vid>/<object> ?token=  playlists rewritten so every URI carries a token
 *   GET  /keys/hls/<vid>/<rendition>/<period>      16 key bytes
 *   POST /keys/private/<vid>/<rendition>/<period>  { Token, PublicKey } → { ServerPublicKey, Iv, WrappedKey }
 *   GET  /sdk/securevod-player.{js,mjs}, /demo/player.html, /test.html, /test/play-auth (the
 *        application backend's part)
 *
 * Instrumentation for assertions: every request is logged with the *family* of the token it
 * carried. Session tokens (`s-…`) exist only in `/play/info` and `/play/refresh` answers, so only
 * the SDK can put them on a URL; playlists are served with separate playlist tokens (`p-…`, also
 * valid, as a third-party player would use them). A media or key request carrying a session
 * token therefore went through the SDK's loader.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  bytesToBase64,
  bytesToBase64Url,
  bytesToHex,
  deriveSegmentKey,
  wrapKeyForClient,
} from '@securevod/crypto';
import type { ObjectStore } from '../../../server/src/storage/object-store.js';
import { storeKey, type FixtureVideo } from './packaged-fixtures.js';

export type TokenFamily = 'session' | 'playlist' | 'none' | 'unknown';

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly kind:
    'play-info' | 'refresh' | 'playlist' | 'init' | 'segment' | 'key-hls' | 'key-private' | 'other';
  readonly tokenFamily: TokenFamily;
  /** How the session behind the token was obtained. */
  readonly tokenVia?: 'info' | 'refresh';
  readonly status: number;
  readonly code?: string;
  /** For key requests: the response contained the period key in some encoding. */
  readonly leakedKey?: boolean;
  /** For private key requests: the JSON field names of the response. */
  readonly responseFields?: readonly string[];
  readonly bytes?: number;
}

interface Grant {
  readonly videoId: string;
  /** How long sessions are honoured. */
  readonly sessionMs: number;
  /** What ExpiresAt claims (default: the truth). */
  readonly advertisedMs?: number;
}

interface TokenRecord {
  readonly family: 'session' | 'playlist';
  readonly grant: Grant;
  readonly expiresAt: number;
  readonly via: 'info' | 'refresh';
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

const TEST_PAGE =
  '<!doctype html><meta charset="utf-8"><title>securevod player test</title>' +
  '<video id="video" muted playsinline width="480" height="270"></video>' +
  '<script src="/sdk/securevod-player.js"></script>' +
  // What the application's own backend call would be; `refreshPlayAuth` is bound to it.
  '<script>window.fetchPlayAuth = async (query) => (await (await fetch("/test/play-auth?" + query)).json()).PlayAuth;</script>';

export class PlayServiceTestDouble {
  readonly requests: LoggedRequest[] = [];
  private readonly grants = new Map<string, Grant>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly server: Server;
  private origin = '';

  constructor(
    private readonly store: ObjectStore,
    private readonly videos: readonly FixtureVideo[],
    private readonly sdkBundlePath: string,
    private readonly demoPagePath?: string,
  ) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        const refusal = error instanceof Refusal ? error : new Refusal(500, 'InternalError');
        if (!res.headersSent)
          this.json(res, refusal.status, {
            RequestId: randomUUID(),
            Code: refusal.code,
            Message: refusal.code,
          });
        else res.destroy();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.origin;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** What the application backend would get from GetVideoPlayAuth. */
  issuePlayAuth(videoId: string, options: { sessionMs: number; advertisedMs?: number }): string {
    const playAuth = `pa-${randomUUID()}`;
    this.grants.set(playAuth, { videoId, ...options });
    return playAuth;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const path = url.pathname;
    if (req.method === 'GET' && path === '/sdk/securevod-player.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(await readFile(this.sdkBundlePath));
    } else if (req.method === 'GET' && path === '/sdk/securevod-player.mjs') {
      const esm = this.sdkBundlePath.replace(/\.js$/, '.mjs');
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(await readFile(esm));
    } else if (req.method === 'GET' && path === '/demo/player.html' && this.demoPagePath) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(await readFile(this.demoPagePath));
    } else if (req.method === 'GET' && path === '/test.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(TEST_PAGE);
    } else if (req.method === 'GET' && path === '/test/play-auth') {
      const q = url.searchParams;
      const advertisedMs = q.get('advertisedMs');
      const playAuth = this.issuePlayAuth(q.get('vid') ?? '', {
        sessionMs: Number(q.get('sessionMs')),
        ...(advertisedMs && { advertisedMs: Number(advertisedMs) }),
      });
      this.json(res, 200, { PlayAuth: playAuth });
    } else if (req.method === 'POST' && path === '/play/info') {
      await this.logged(req, 'play-info', 'none', undefined, () => this.playInfo(req, res));
    } else if (req.method === 'POST' && path === '/play/refresh') {
      await this.logged(req, 'refresh', 'none', undefined, () => this.refresh(req, res));
    } else if (path.startsWith('/media/')) {
      await this.withToken(req, url, (record) => this.media(path, record, res));
    } else if (path.startsWith('/keys/hls/')) {
      await this.withToken(req, url, () => this.standardKey(path, res));
    } else if (path.startsWith('/keys/private/')) {
      await this.withToken(req, url, () => this.privateKey(req, path, res));
    } else {
      res.writeHead(404).end();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Play API

  private async playInfo(req: IncomingMessage, res: ServerResponse): Promise<Partial<LoggedRequest>> {
    const body = (await readJson(req)) as { VideoId?: string; PlayAuth?: string };
    const grant = this.grants.get(body.PlayAuth ?? '');
    if (!grant || grant.videoId !== body.VideoId) throw new Refusal(403, 'PlayAuthInvalid');
    const video = this.videos.find((v) => v.videoId === grant.videoId);
    if (!video) throw new Refusal(404, 'InvalidVideo.NotFound');
    const token = this.mintSession(grant, 'info');
    const media = (object: string) => `${this.origin}/media/${video.videoId}/${object}?token=${token}`;
    this.json(res, 200, {
      RequestId: randomUUID(),
      VideoMeta: { VideoId: video.videoId, Title: `fixture ${video.scheme}`, Duration: 10, Status: 'Normal' },
      Session: this.sessionWire(token),
      PlayInfoList: {
        PlayInfo: video.renditions.map((r) => ({
          Definition: r.definition,
          Format: 'm3u8',
          PlayURL: media(`${r.name}/index.m3u8`),
          Encrypt: video.scheme === 'none' ? 0 : 1,
          ...(video.scheme !== 'none' && {
            EncryptType: video.scheme === 'aes-128' ? 'HLSEncryption' : 'AliyunVoDEncryption',
          }),
          Width: r.width,
          Height: r.height,
          Bitrate: String(Math.round(r.bandwidth / 1000)),
          Duration: '10.000',
          Size: 0,
          StreamId: r.name,
        })),
      },
      MasterPlayURL: media('master.m3u8'),
    });
    return {};
  }

  private async refresh(req: IncomingMessage, res: ServerResponse): Promise<Partial<LoggedRequest>> {
    const body = (await readJson(req)) as { Token?: string };
    const record = this.check(body.Token ?? null, 'session');
    const token = this.mintSession(record.grant, 'refresh');
    this.json(res, 200, { RequestId: randomUUID(), Session: this.sessionWire(token) });
    return { tokenFamily: 'session', tokenVia: record.via };
  }

  private mintSession(grant: Grant, via: TokenRecord['via']): string {
    const token = `s-${randomUUID()}`;
    this.tokens.set(token, { family: 'session', grant, expiresAt: Date.now() + grant.sessionMs, via });
    return token;
  }

  private sessionWire(token: string): { Token: string; ExpiresAt: string } {
    const record = this.tokens.get(token)!;
    const advertised = record.grant.advertisedMs ?? record.grant.sessionMs;
    return {
      Token: token,
      ExpiresAt: new Date(record.expiresAt - record.grant.sessionMs + advertised).toISOString(),
    };
  }

  /** The token's record; `403 MediaTokenInvalid` / `MediaTokenExpired` otherwise. */
  private check(token: string | null, family?: TokenRecord['family']): TokenRecord {
    const record = token ? this.tokens.get(token) : undefined;
    if (!record || (family && record.family !== family)) throw new Refusal(403, 'MediaTokenInvalid');
    if (Date.now() >= record.expiresAt) throw new Refusal(403, 'MediaTokenExpired');
    return record;
  }

  // -------------------------------------------------------------------------------------------
  // Media and keys (query token required)

  private async withToken(
    req: IncomingMessage,
    url: URL,
    serve: (record: TokenRecord) => Promise<Partial<LoggedRequest>>,
  ): Promise<void> {
    const token = url.searchParams.get('token');
    const record = token ? this.tokens.get(token) : undefined;
    const family: TokenFamily = !token ? 'none' : (record?.family ?? 'unknown');
    const kind = kindOf(url.pathname);
    await this.logged(req, kind, family, record?.via, () => serve(this.check(token)));
  }

  private async logged(
    req: IncomingMessage,
    kind: LoggedRequest['kind'],
    tokenFamily: TokenFamily,
    tokenVia: TokenRecord['via'] | undefined,
    handle: () => Promise<Partial<LoggedRequest>>,
  ): Promise<void> {
    const base = {
      method: req.method ?? '',
      path: new URL(req.url ?? '/', this.origin).pathname,
      kind,
      tokenFamily,
    };
    try {
      const extra = await handle();
      this.requests.push({ ...base, ...(tokenVia && { tokenVia }), status: 200, ...extra });
    } catch (error) {
      const refusal = error instanceof Refusal ? error : new Refusal(500, 'InternalError');
      this.requests.push({
        ...base,
        ...(tokenVia && { tokenVia }),
        status: refusal.status,
        code: refusal.code,
      });
      throw refusal;
    }
  }

  private async media(
    path: string,
    record: TokenRecord,
    res: ServerResponse,
  ): Promise<Partial<LoggedRequest>> {
    const [, , videoId = '', ...rest] = path.split('/');
    const object = rest.join('/');
    if (videoId !== record.grant.videoId || object.includes('..'))
      throw new Refusal(403, 'MediaTokenInvalid');
    let stored;
    try {
      stored = await this.store.get(storeKey(videoId, object));
    } catch {
      throw new Refusal(404, 'NotFound');
    }
    if (!object.endsWith('.m3u8')) {
      res.writeHead(200, { 'content-type': stored.contentType, 'content-length': stored.contentLength });
      stored.body.pipe(res);
      return { bytes: stored.contentLength };
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stored.body) chunks.push(chunk as Buffer);
    // Playlist tokens: a third-party player could play with these; the SDK replaces them.
    const playlistToken = `p-${randomUUID()}`;
    this.tokens.set(playlistToken, { ...record, family: 'playlist' });
    const text = rewritePlaylist(Buffer.concat(chunks).toString('utf8'), path, playlistToken);
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(text);
    return {};
  }

  private async standardKey(path: string, res: ServerResponse): Promise<Partial<LoggedRequest>> {
    const { video, rendition, period } = this.keyTarget(path, 'aes-128');
    const key = await deriveSegmentKey(video.dataKey, {
      videoId: video.videoId,
      rendition,
      period,
      scheme: 'aes-128',
    });
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(key);
    return { leakedKey: true, bytes: key.length };
  }

  private async privateKey(
    req: IncomingMessage,
    path: string,
    res: ServerResponse,
  ): Promise<Partial<LoggedRequest>> {
    if (req.method !== 'POST') throw new Refusal(405, 'MethodNotAllowed');
    const { video, rendition, period } = this.keyTarget(path, 'aes-256-gcm');
    const body = (await readJson(req)) as { Token?: string; PublicKey?: string };
    const record = this.check(body.Token ?? null, 'session');
    if (record.grant.videoId !== video.videoId) throw new Refusal(403, 'MediaTokenInvalid');
    const context = { videoId: video.videoId, rendition, period };
    const key = await deriveSegmentKey(video.dataKey, { ...context, scheme: 'aes-256-gcm' });
    const wrapped = await wrapKeyForClient({ clientPublicKey: body.PublicKey ?? '', key, context });
    const text = JSON.stringify({
      ServerPublicKey: wrapped.serverPublicKey,
      Iv: wrapped.iv,
      WrappedKey: wrapped.wrappedKey,
    });
    const leakedKey = [bytesToHex(key), bytesToBase64(key), bytesToBase64Url(key)].some((k) =>
      text.includes(k),
    );
    key.fill(0);
    res.writeHead(200, { 'content-type': 'application/json' }).end(text);
    return { leakedKey, responseFields: Object.keys(JSON.parse(text) as object), bytes: text.length };
  }

  private keyTarget(path: string, scheme: 'aes-128' | 'aes-256-gcm') {
    const [, , , videoId, rendition = '', periodText = ''] = path.split('/');
    const video = this.videos.find((v) => v.videoId === videoId && v.scheme === scheme);
    if (!video || !video.renditions.some((r) => r.name === rendition) || !/^\d+$/.test(periodText)) {
      throw new Refusal(404, 'KeyNotFound');
    }
    return { video, rendition, period: Number(periodText) };
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

function kindOf(path: string): LoggedRequest['kind'] {
  if (path.startsWith('/keys/hls/')) return 'key-hls';
  if (path.startsWith('/keys/private/')) return 'key-private';
  if (path.endsWith('.m3u8')) return 'playlist';
  if (path.endsWith('/init.mp4')) return 'init';
  if (/\/seg_\d+\.(m4s|svs)$/.test(path)) return 'segment';
  return 'other';
}

/** Every URI (URI lines and `URI="…"`) → absolute path + `?token=` (+ `MtsHlsUriToken` on AES-128 keys). */
function rewritePlaylist(text: string, playlistPath: string, token: string): string {
  const sign = (uri: string): string => {
    const path = new URL(uri, `http://x${playlistPath}`).pathname;
    const extra = path.startsWith('/keys/hls/') ? `&MtsHlsUriToken=${token}` : '';
    return `${path}?token=${token}${extra}`;
  };
  return text
    .split('\n')
    .map((line) => {
      if (line !== '' && !line.startsWith('#')) return sign(line.trim());
      return line.replace(/URI="([^"]+)"/g, (_, uri: string) => `URI="${sign(uri)}"`);
    })
    .join('\n');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new Refusal(400, 'InvalidParameter');
  }
}
