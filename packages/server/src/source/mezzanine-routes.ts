/**
 * GetMezzanineInfo's `FileURL`: `GET|HEAD /mezzanine/<VideoId>/<file name>?auth_key=<expires>-<sig>`
 * serves the video's source exactly as uploaded — decrypted from storage as it streams, with a
 * single `Range` honoured (206 / 416) — until `expires` (Unix seconds, AuthTimeout after issue).
 *
 *   sig = base64url(HMAC-SHA256(K, "GET\n/mezzanine/<VideoId>/<file name>\n<expires>"))
 *   K   = HMAC-SHA256(playback secret, "securevod mezzanine url v1")
 *
 * The playback secret (playback-secrets.ts) is the server's own; any of its current versions
 * verifies, so a rotation does not cut off URLs already handed out. Errors are the player-facing
 * ones (`AuthKeyMissing|Invalid|Expired` 403, `MediaNotFound` 404).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PlaybackError } from '../playback/playback-error.js';
import { sendError } from '../playback/player-http.js';
import type { VideoStore } from '../store/video-store.js';
import { parseRange } from './ffmpeg-source-endpoint.js';
import { SourceNotFoundError, type SourceVault } from './source-vault.js';

const KEY_LABEL = 'securevod mezzanine url v1';

export interface MezzanineUrlSigner {
  /** The absolute FileURL of the video's source, valid for `validitySeconds`. */
  url(publicUrl: string, video: { videoId: string; sourceKey: string }, validitySeconds: number): string;
  /** Whether `authKey` is a valid, unexpired signature of `path` at `nowSeconds`; the reason if not. */
  verify(
    path: string,
    authKey: string | undefined,
    nowSeconds: number,
  ): 'ok' | 'missing' | 'invalid' | 'expired';
}

export function mezzanineUrlSigner(
  secrets: readonly Uint8Array[],
  now = () => Date.now(),
): MezzanineUrlSigner {
  const keys = secrets.map((secret) => createHmac('sha256', secret).update(KEY_LABEL).digest());
  const sign = (key: Buffer, path: string, expires: number) =>
    createHmac('sha256', key).update(`GET\n${path}\n${expires}`).digest();
  return {
    url(publicUrl, video, validitySeconds) {
      const path = mezzaninePath(video);
      const expires = Math.floor(now() / 1000) + validitySeconds;
      return `${publicUrl}${path}?auth_key=${expires}-${sign(keys[0]!, path, expires).toString('base64url')}`;
    },
    verify(path, authKey, nowSeconds) {
      if (!authKey) return 'missing';
      const match = /^(\d{1,12})-([A-Za-z0-9_-]{43})$/.exec(authKey);
      if (!match) return 'invalid';
      const expires = Number(match[1]);
      const given = Buffer.from(match[2]!, 'base64url');
      const valid = keys.some((key) => timingSafeEqual(sign(key, path, expires), given));
      if (!valid) return 'invalid';
      return expires < nowSeconds ? 'expired' : 'ok';
    },
  };
}

export function mezzaninePath(video: { videoId: string; sourceKey: string }): string {
  return `/mezzanine/${video.videoId}/${video.sourceKey.split('/').pop()}`;
}

export interface MezzanineRouteDeps {
  signer: MezzanineUrlSigner;
  videos: Pick<VideoStore, 'find'>;
  sources: Pick<SourceVault, 'open'>;
  now?: () => number;
}

export async function mezzanineRoutes(app: FastifyInstance, deps: MezzanineRouteDeps): Promise<void> {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const { videoId, file } = req.params as { videoId: string; file: string };
    const path = `/mezzanine/${videoId}/${file}`;
    const authKey = (req.query as Record<string, string | undefined>).auth_key;
    try {
      const verdict = deps.signer.verify(path, authKey, Math.floor((deps.now?.() ?? Date.now()) / 1000));
      if (verdict === 'missing') throw new PlaybackError('AuthKeyMissing');
      if (verdict === 'invalid') throw new PlaybackError('AuthKeyInvalid');
      if (verdict === 'expired') throw new PlaybackError('AuthKeyExpired');
      const video = await deps.videos.find(videoId);
      if (!video || video.mezzanineDeletedAt || mezzaninePath(video) !== path) {
        throw new PlaybackError('MediaNotFound');
      }
      const source = await deps.sources.open(video).catch((error: unknown) => {
        throw error instanceof SourceNotFoundError ? new PlaybackError('MediaNotFound') : error;
      });
      reply.header('accept-ranges', 'bytes').header('cache-control', 'private, no-store');
      const range = parseRange(req.headers.range, source.size);
      if (range === 'unsatisfiable') {
        return reply.code(416).header('content-range', `bytes */${source.size}`).send();
      }
      const { start, end } = range ?? { start: 0, end: source.size - 1 };
      if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${source.size}`);
      reply.header('content-length', String(Math.max(0, end - start + 1))).type('application/octet-stream');
      if (req.method === 'HEAD' || end < start) return reply.send();
      return reply.send(Readable.from(source.read(start, end)));
    } catch (error) {
      return sendError(reply, req, error);
    }
  };
  app.get('/mezzanine/:videoId/:file', handler);
}
