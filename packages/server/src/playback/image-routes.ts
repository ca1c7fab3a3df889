/**
 * GET /images/<ImageId>/<file>: images of CreateUploadImage, served by signed URL as media are
 * (`media-access.ts`): a media token naming the ImageId (so it opens no video, and a video's
 * token opens no image), plus `auth_key` for the exact path when URL signing is configured.
 * Images are the same bytes for every viewer: cacheable by path, like segments.
 */
import type { FastifyInstance } from 'fastify';
import { ObjectStoreError, type ObjectStore } from '../storage/object-store.js';
import { MEDIA_TOKEN_PARAM } from './media-access.js';
import { verifyMediaToken } from './media-token.js';
import { PlaybackError } from './playback-error.js';
import type { PlaybackService } from './playback-service.js';
import { sendError } from './player-http.js';
import { sendObject } from './player-routes.js';
import { AUTH_KEY_PARAM, verifyAuthKey } from './url-signing.js';

export const IMAGE_PATH_PREFIX = '/images/';
const IMAGE_PATH = /^\/images\/([0-9a-f]{32})\/(image\.(png|jpg|jpeg|gif|webp|heic))$/;
const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
};

/** The storage key of an image's file. */
export const imageObjectKey = (imageId: string, ext: string) => `images/${imageId}/image.${ext}`;
/** The path an image is served at (what CoverURL stores for an uploaded cover). */
export const imagePath = (imageId: string, ext: string) => `${IMAGE_PATH_PREFIX}${imageId}/image.${ext}`;

export async function imageRoutes(
  app: FastifyInstance,
  deps: { playback: PlaybackService; objects: ObjectStore },
): Promise<void> {
  const { playback } = deps;
  app.get('/images/*', async (req, reply) => {
    try {
      const [path = ''] = req.url.split('?');
      const match = IMAGE_PATH.exec(path);
      if (!match) throw new PlaybackError('MediaNotFound');
      const query = req.query as Record<string, string | string[] | undefined>;
      const single = (name: string) => {
        const value = query[name];
        return Array.isArray(value) ? undefined : value;
      };
      const now = playback.nowSeconds();
      const signing = playback.urlSigning;
      if (signing) {
        const check = verifyAuthKey(path, single(AUTH_KEY_PARAM), {
          privateKeys: signing.privateKeys,
          now,
          defaultValiditySeconds: signing.validitySeconds,
        });
        if (!check.ok) throw new PlaybackError(`AuthKey${check.reason}`);
      }
      verifyMediaToken(playback.secrets as Uint8Array[], single(MEDIA_TOKEN_PARAM), {
        now,
        videoId: match[1]!,
        clientIp: req.ip,
      });
      reply.header('content-type', CONTENT_TYPES[match[3]!]!);
      reply.header('cache-control', 'public, max-age=86400');
      return await sendObject(deps.objects, `images/${match[1]}/${match[2]}`, req, reply);
    } catch (error) {
      if (error instanceof ObjectStoreError && error.code === 'NotFound') {
        return sendError(reply, req, new PlaybackError('MediaNotFound'));
      }
      return sendError(reply, req, error);
    }
  });
}
