/**
 * The key service's HTTP routes (DESIGN §5), on fastify:
 *   GET  /keys/hls/<vid>/<stream>/<period>       16-byte AES-128 key, for a session token (`token`)
 *                                                or an MtsHlsUriToken bound to video, stream and period
 *   POST /keys/private/<vid>/<stream>/<period>   the period key wrapped to the SDK's ECDH public key;
 *                                                the content key never crosses the wire in the clear
 * This is the one routing table for /keys/. The hot `GET /keys/hls/…` is usually answered before
 * fastify by key-fast-path.ts, which hands every request it does not serve with a 200 (errors,
 * HEAD, guards that say no) to these routes, so errors have one format: `sendError`. A successful
 * `POST /keys/private/…` is answered the same way by private-key-fast-path.ts, which replays the
 * body it read to this route for everything else.
 */
import type { FastifyInstance } from 'fastify';
import { HLS_KEY_TOKEN_PARAM } from '../playback/hls-key-token.js';
import { MEDIA_TOKEN_PARAM } from '../playback/media-access.js';
import { sendError, stringField } from '../playback/player-http.js';
import { newRequestId } from '../rpc/rpc-plugin.js';
import type { KeyService } from './key-service.js';

export const HLS_KEY_ROUTE = '/keys/hls/:vid/:stream/:period';
export const PRIVATE_KEY_ROUTE = '/keys/private/:vid/:stream/:period';
/** What every 200 key answer carries besides CORS (the fast path sends the same). */
export const KEY_RESPONSE_HEADERS = {
  'cache-control': 'no-store',
  'content-type': 'application/octet-stream',
} as const;

export interface KeyRoutesDeps {
  keys: KeyService;
}

export async function keyRoutes(app: FastifyInstance, deps: KeyRoutesDeps): Promise<void> {
  const { keys } = deps;
  app.addHook('onClose', async () => keys.close());

  type KeyParams = { Params: { vid: string; stream: string; period: string } };

  app.get<KeyParams>(HLS_KEY_ROUTE, async (req, reply) => {
    try {
      const query = req.query as Record<string, string | undefined>;
      const key = await keys.hlsKey({
        videoId: req.params.vid,
        streamId: req.params.stream,
        period: req.params.period,
        mediaToken: query[MEDIA_TOKEN_PARAM],
        hlsKeyToken: query[HLS_KEY_TOKEN_PARAM],
        clientIp: req.ip,
        userAgent: req.headers['user-agent'],
      });
      return reply.headers(KEY_RESPONSE_HEADERS).send(Buffer.from(key));
    } catch (error) {
      return sendError(reply, req, error);
    }
  });

  app.post<KeyParams>(PRIVATE_KEY_ROUTE, async (req, reply) => {
    try {
      const wrapped = await keys.privateKey({
        videoId: req.params.vid,
        streamId: req.params.stream,
        period: req.params.period,
        token:
          stringField(req.body, 'Token') ??
          (req.query as Record<string, string | undefined>)[MEDIA_TOKEN_PARAM],
        publicKey: stringField(req.body, 'PublicKey'),
        clientIp: req.ip,
        userAgent: req.headers['user-agent'],
      });
      return reply.header('cache-control', 'no-store').send({
        RequestId: newRequestId(),
        ServerPublicKey: wrapped.serverPublicKey,
        Iv: wrapped.iv,
        WrappedKey: wrapped.wrappedKey,
      });
    } catch (error) {
      return sendError(reply, req, error);
    }
  });
}
