/**
 * The RPC API at `/` (reference §1, §7): GET with parameters in the query, or POST with a form
 * body (parameters may sit in both; they are merged, like the V2 SDK does). Two signatures:
 * v1 (`Signature` parameter, HMAC-SHA1, pop-core) and V3 (`Authorization: ACS3-HMAC-SHA256 …`,
 * openapi-client's default; action and version in `x-acs-action` / `x-acs-version`).
 * One endpoint serves several APIs, dispatched by version: VOD `2017-03-21` and whatever else is
 * registered in `deps.apis`. Responses are JSON, or XML with `Format=XML` (`response-format.ts`).
 *
 * Order of checks: Action and Version named and known (this reveals nothing, so it comes first)
 * → authentication (signature, timestamp, AccessKey, nonce) → `authorize` → handler.
 * Every response carries a RequestId; every error goes through `error-envelope.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrors, catalogued } from '../errors/api-error.js';
import { duplicateParams, parseParams } from '../http/query-params.js';
import { errorEnvelope, toApiError } from './error-envelope.js';
import { checkParamLengths } from './param-limits.js';
import type { ReplayCache } from './replay-cache.js';
import { RpcParams } from './rpc-params.js';
import type { ActionHandler, ApiRegistry, Authorize, FindAccessKey, RpcRequest } from './rpc-types.js';
import {
  JSON_CONTENT_TYPE,
  renderXml,
  responseFormat,
  XML_CONTENT_TYPE,
  type ResponseFormat,
} from './response-format.js';
import { authenticateV1 } from './v1-authenticator.js';
import { authenticateV3, isV3Request } from './v3-authenticator.js';

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
  /**
   * Rate limit per AccessKey, after authentication and before `authorize`; throws
   * `Throttling.User` to refuse (http/rate-limits.ts). Absent = no limit.
   */
  throttle?: (req: FastifyRequest, reply: FastifyReply, caller: RpcRequest['caller']) => Promise<void>;
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

  // The raw form body: signature V3 covers its exact bytes (`x-acs-content-sha256`).
  // Only form bodies carry parameters (reference §1.1, §1.8); JSON and every other content type
  // is refused by the handler (so every parameter value is a string), an empty body of any type
  // is no body. The size limit is the server's `bodyLimit` (SECUREVOD_BODY_LIMIT_BYTES).
  const rawBodies = new WeakMap<FastifyRequest, Buffer>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (req, body, done) => {
    rawBodies.set(req, body as Buffer);
    done(null, parseParams((body as Buffer).toString('utf8')));
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
    done(null, (body as Buffer).length === 0 ? undefined : UNSUPPORTED_BODY);
  });

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const requestId = newRequestId();
    reply.header('x-acs-request-id', requestId);
    let format: ResponseFormat = 'JSON';
    let action: string | undefined;
    try {
      const params = new RpcParams(requestParams(req));
      format = responseFormat(params);
      const authorization = singleHeader(req, 'authorization');
      const v3 = isV3Request(authorization, params.has('Action'), req.headers['x-acs-action'] !== undefined);
      action = v3 ? requiredHeader(req, 'x-acs-action') : params.required('Action');
      const version = v3 ? requiredHeader(req, 'x-acs-version') : params.required('Version');
      const handler = findHandler(deps.apis, version, action);
      const caller = v3
        ? await authenticateV3(
            {
              method: req.method,
              rawHeaders: headerPairs(req.raw.rawHeaders),
              query: queryPairs(req.raw.url ?? '/'),
              body: v3Body(req, rawBodies.get(req)),
            },
            auth,
          )
        : await authenticateV1(req.method, params, auth);
      await deps.throttle?.(req, reply, caller);
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
      return send(reply, 200, format, `${action}Response`, { RequestId: requestId, ...result });
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.httpStatus >= 500) req.log.error({ err: error, requestId, action }, 'RPC action failed');
      const envelope = errorEnvelope(apiError, requestId, deps.hostId, deps.recommendBase);
      return send(reply, apiError.httpStatus, format, 'Error', { ...envelope });
    }
  };

  // Errors before the handler runs (a body over the limit, a body that ends early) in the API's
  // own envelope: pop-core reads only `Code`, so Fastify's `{statusCode, code}` would pass as success.
  app.setErrorHandler((error: { code?: string; statusCode?: number }, req, reply) => {
    const requestId = newRequestId();
    const apiError =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? catalogued('LengthExceededMax', { name: 'request body', max: app.initialConfig.bodyLimit ?? 0 })
        : typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
          ? apiErrors.invalidParameter('body', 'The request body could not be read.')
          : toApiError(error);
    if (apiError.httpStatus >= 500) req.log.error({ err: error, requestId }, 'RPC request failed');
    const envelope = errorEnvelope(apiError, requestId, deps.hostId, deps.recommendBase);
    return send(reply, apiError.httpStatus, 'JSON', 'Error', { ...envelope });
  });

  app.get('/', handle);
  app.post('/', handle);
}

/** Marks a body whose content type the RPC API does not take. */
const UNSUPPORTED_BODY = Symbol('unsupportedBody');

/**
 * Query and form-body parameters, merged, after the boundary checks: a form body or none; no
 * parameter given twice (in the query, in the body, or in both); every value within its length.
 */
function requestParams(req: FastifyRequest): Record<string, string> {
  if (req.body === UNSUPPORTED_BODY) {
    throw apiErrors.invalidParameter(
      'Content-Type',
      'The RPC API takes parameters in the query string or in an application/x-www-form-urlencoded body.',
    );
  }
  const query = req.query as Record<string, string>;
  const body = isPlainRecord(req.body) ? (req.body as Record<string, string>) : {};
  const repeated = [
    ...duplicateParams(query),
    ...duplicateParams(body),
    ...Object.keys(body).filter((name) => Object.hasOwn(query, name)),
  ];
  if (repeated.length > 0) {
    throw apiErrors.invalidParameter(repeated[0]!, 'It is given more than once.');
  }
  const merged = { ...query, ...body };
  // The server's query parser gives strings only; a parser that makes arrays or objects of
  // repeated or bracketed names must not reach a handler either.
  const notText = Object.keys(merged).find((name) => typeof merged[name] !== 'string');
  if (notText !== undefined) throw apiErrors.invalidParameter(notText, 'It must be a single text value.');
  checkParamLengths(merged);
  return merged;
}

/** The handler for (version, action), or the API's error for an unknown version or action. */
function findHandler(apis: ApiRegistry, version: string, action: string): ActionHandler {
  const actions = Object.hasOwn(apis, version) ? apis[version] : undefined;
  if (!actions) throw apiErrors.unsupportedVersion(version, Object.keys(apis));
  const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
  if (!handler) throw apiErrors.apiNotFound(action);
  return handler;
}

function send(
  reply: FastifyReply,
  status: number,
  format: ResponseFormat,
  xmlRoot: string,
  body: Record<string, unknown>,
): FastifyReply {
  reply.code(status);
  if (format === 'XML') return reply.type(XML_CONTENT_TYPE).send(renderXml(xmlRoot, body));
  return reply.type(JSON_CONTENT_TYPE).send(body);
}

/** The exact body bytes V3 hashes: only form bodies are kept raw, so any other body is refused. */
function v3Body(req: FastifyRequest, raw: Buffer | undefined): Uint8Array {
  if (raw) return raw;
  if (req.body !== undefined && req.body !== null && Number(req.headers['content-length'] ?? 0) > 0) {
    throw apiErrors.invalidParameter(
      'Content-Type',
      'A signature V3 request body must be application/x-www-form-urlencoded (or put the parameters in the query).',
    );
  }
  return Buffer.alloc(0);
}

function singleHeader(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function requiredHeader(req: FastifyRequest, name: string): string {
  const value = singleHeader(req, name)?.trim();
  if (!value) throw apiErrors.missingParameter(name);
  return value;
}

/** Node's flat `[name, value, name, value, …]` as pairs, duplicates kept. */
function headerPairs(raw: readonly string[]): Array<readonly [string, string]> {
  const pairs: Array<readonly [string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] ?? '', raw[i + 1] ?? '']);
  return pairs;
}

/** The decoded query of a request URL, in order, duplicates kept (`+` decodes to a space). */
function queryPairs(url: string): Array<readonly [string, string]> {
  const at = url.indexOf('?');
  return at === -1 ? [] : [...new URLSearchParams(url.slice(at + 1))];
}

function isPlainRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && !Array.isArray(value);
}
