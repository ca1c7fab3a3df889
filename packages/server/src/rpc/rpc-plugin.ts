/**
 * The RPC API at `/` (reference §1, §7): GET with parameters in the query, or POST with a form
 * body (parameters may sit in both; they are merged and signed as one set, like the V2 SDK does).
 * One endpoint serves several APIs, dispatched by version (`Version`, or `x-acs-version` in V3):
 * VOD `2017-03-21` and whatever else is registered in `deps.apis`.
 *
 * Order of checks: Action and Version named and known (this reveals nothing, so it comes first)
 * → authentication (signature, timestamp, AccessKey, nonce) → `authorize` → handler.
 * Every response carries a RequestId; every error goes through `error-envelope.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrors } from '../errors/api-error.js';
import { errorEnvelope, toApiError } from './error-envelope.js';
import type { ReplayCache } from './replay-cache.js';
import { RpcParams } from './rpc-params.js';
import type { ActionHandler, ApiRegistry, Authorize, FindAccessKey, RpcRequest } from './rpc-types.js';
import { authenticateV1 } from './v1-authenticator.js';

export type { ActionHandler, ApiActions, Caller, RpcRequest } from './rpc-types.js';

/** The VOD API's version. */
export const API_VERSION = '2017-03-21';

export interface RpcDeps {
  /** Actions by API version: `{ '2017-03-21': { GetPlayInfo: …, … }, '2015-05-01': { … } }`. */
  apis: ApiRegistry;
  /** The AccessKey lookup for v1 and V3 alike (see `FindAccessKey`). */
  findAccessKey: FindAccessKey;
  /** Policy check after authentication, before the handler; absent = every valid key may call. */
  authorize?: Authorize;
  replayCache: ReplayCache;
  /** Host named in HostId (the public host, e.g. `vod.example.com`). */
  hostId: string;
  /** Base of the `Recommend` troubleshooting link. */
  recommendBase: string;
  now?: () => number;
}

export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

export async function rpcPlugin(app: FastifyInstance, deps: RpcDeps): Promise<void> {
  const auth = {
    findAccessKey: deps.findAccessKey,
    replayCache: deps.replayCache,
    now: deps.now ?? Date.now,
  };

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 * 1024 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const requestId = newRequestId();
    reply.header('x-acs-request-id', requestId).type('application/json;charset=utf-8');
    try {
      const merged = {
        ...(req.query as Record<string, string>),
        ...(isPlainRecord(req.body) ? (req.body as Record<string, string>) : {}),
      };
      const params = new RpcParams(merged);
      const action = params.required('Action');
      const version = params.required('Version');
      const handler = findHandler(deps.apis, version, action);
      const caller = await authenticateV1(req.method, params, auth);
      const request: RpcRequest = {
        params,
        requestId,
        caller,
        action,
        version,
        clientIp: req.ip,
        secureTransport: req.protocol === 'https',
      };
      await deps.authorize?.(request);
      const result = await handler(request);
      return reply.code(200).send({ RequestId: requestId, ...result });
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.httpStatus >= 500) req.log.error({ err: error, requestId }, 'RPC action failed');
      return reply
        .code(apiError.httpStatus)
        .send(errorEnvelope(apiError, requestId, deps.hostId, deps.recommendBase));
    }
  };

  app.get('/', handle);
  app.post('/', handle);
}

/** The handler for (version, action), or the API's error for an unknown version or action. */
function findHandler(apis: ApiRegistry, version: string, action: string): ActionHandler {
  const actions = Object.hasOwn(apis, version) ? apis[version] : undefined;
  if (!actions) throw apiErrors.unsupportedVersion(version, Object.keys(apis));
  const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
  if (!handler) throw apiErrors.apiNotFound(action);
  return handler;
}

function isPlainRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && !Array.isArray(value);
}
