/**
 * The RPC API at `/` (reference §1, §7): GET with parameters in the query, or POST with a form
 * body (parameters may sit in both; they are merged and signed as one set, like the V2 SDK does).
 * Order of checks: Action known → Version → signature parameters → Timestamp → AccessKey →
 * signature → nonce (only a correctly signed request can spend a nonce) → handler.
 * Every response is JSON with a RequestId; every error goes through `error-envelope.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrors } from '../errors/api-error.js';
import { errorEnvelope, toApiError } from './error-envelope.js';
import { RpcParams } from './rpc-params.js';
import { NONCE_WINDOW_MS, type ReplayCache } from './replay-cache.js';
import { signatureMatches, sign, stringToSign } from './signature.js';

export const API_VERSION = '2017-03-21';
const TIMESTAMP_WINDOW_MS = 15 * 60 * 1000;
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** Parameters whose values are secrets: masked where a string-to-sign is echoed back. */
const SECRET_PARAMS = new Set(['AppDecryptKey']);

export interface RpcRequest {
  readonly params: RpcParams;
  readonly requestId: string;
  readonly accessKeyId: string;
  readonly clientIp: string;
}

export type ActionHandler = (request: RpcRequest) => Promise<Record<string, unknown>>;

export interface RpcDeps {
  actions: Readonly<Record<string, ActionHandler>>;
  /** Plaintext secret of an AccessKey, or undefined if unknown. */
  findAccessKey(accessKeyId: string): Promise<{ secret: string; active: boolean } | undefined>;
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
  const now = deps.now ?? Date.now;

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
      const accessKeyId = await authenticate(req.method, params, deps, now);
      const action = params.required('Action');
      const handler = Object.hasOwn(deps.actions, action) ? deps.actions[action] : undefined;
      if (!handler) throw apiErrors.apiNotFound(action);
      const result = await handler({ params, requestId, accessKeyId, clientIp: req.ip });
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

async function authenticate(
  method: string,
  params: RpcParams,
  deps: RpcDeps,
  now: () => number,
): Promise<string> {
  // An unknown Action is answered before authentication: it reveals nothing.
  const action = params.required('Action');
  if (!Object.hasOwn(deps.actions, action)) throw apiErrors.apiNotFound(action);

  const version = params.required('Version');
  if (version !== API_VERSION) throw apiErrors.unsupportedVersion(version);

  const accessKeyId = params.required('AccessKeyId');
  const received = params.required('Signature');
  const signatureMethod = params.required('SignatureMethod');
  if (signatureMethod.toUpperCase() !== 'HMAC-SHA1') {
    throw apiErrors.invalidParameter('SignatureMethod', 'Only HMAC-SHA1 is supported.');
  }
  if (params.required('SignatureVersion') !== '1.0') {
    throw apiErrors.invalidParameter('SignatureVersion', 'Only 1.0 is supported.');
  }
  const nonce = params.required('SignatureNonce');
  const timestamp = params.required('Timestamp');
  if (!TIMESTAMP_PATTERN.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
    throw apiErrors.timestampFormat();
  }
  if (Math.abs(now() - Date.parse(timestamp)) > TIMESTAMP_WINDOW_MS) throw apiErrors.timestampExpired();

  const key = await deps.findAccessKey(accessKeyId);
  if (!key) throw apiErrors.accessKeyNotFound();

  const toSign = stringToSign(method, params.all);
  if (!signatureMatches(sign(key.secret, toSign), received)) {
    throw apiErrors.signatureDoesNotMatch(stringToSign(method, maskSecrets(params.all)));
  }
  if (!key.active) throw apiErrors.accessKeyDisabled();
  if (!(await deps.replayCache.remember(`${accessKeyId}\n${nonce}`, NONCE_WINDOW_MS))) {
    throw apiErrors.nonceUsed();
  }
  return accessKeyId;
}

function maskSecrets(params: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [name, SECRET_PARAMS.has(name) ? '***' : value]),
  );
}

function isPlainRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && !Array.isArray(value);
}
