/**
 * One CORS policy for the whole server, registered once at the root with @fastify/cors (so it
 * covers every route and every preflight, whichever plugin owns the route):
 *
 * - Token-authorised routes (`/play/`, `/media/`, `/images/`, `/keys/`, `/download/`, `/sdk/`): any origin
 *   (`*`). They take tokens in the URL or body, never cookies, so `*` gives a page on another
 *   origin nothing it could not fetch with the token anyway; customers' own sites play from here.
 * - The RPC endpoint `/` and the OSS-style upload endpoint (`/<bucket>/…`): no CORS headers unless
 *   `SECUREVOD_CORS_ORIGINS` lists origins (a console hosted elsewhere); then only those origins.
 * - Everything else (console, demo pages, health): no CORS headers.
 */
import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const TOKEN_PREFIXES = ['/play/', '/media/', '/images/', '/keys/', '/download/', '/sdk/'] as const;

const PLAYER_POLICY: FastifyCorsOptions = {
  origin: '*',
  methods: ['GET', 'HEAD', 'POST'],
  allowedHeaders: ['content-type', 'range'],
  exposedHeaders: [
    'age',
    'content-length',
    'content-range',
    'content-disposition',
    'etag',
    'x-securevod-secret-version',
  ],
  maxAge: 600,
};

/** What V3 signers (openapi-client, a console elsewhere) send to the RPC endpoint. */
const RPC_HEADERS = [
  'authorization',
  'content-type',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
  'x-acs-security-token',
  'x-acs-accesskey-id',
];

const NO_CORS: FastifyCorsOptions = { origin: false };

/**
 * What @fastify/cors adds to an ordinary (non-preflight) answer on a token-authorised route: for
 * the key fast path (keys/key-fast-path.ts), which answers before fastify and its hooks.
 */
export function playerCorsHeaders(): Record<string, string> {
  return {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': (PLAYER_POLICY.exposedHeaders as string[]).join(', '),
    // The policy is chosen per request path (the delegator below), so @fastify/cors adds Vary.
    vary: 'Origin',
  };
}

export interface CorsPolicyConfig {
  /** Origins allowed on the RPC and upload endpoints (`https://console.example.com`); empty = none. */
  readonly apiOrigins: readonly string[];
  /** Path prefix of the upload endpoint, e.g. `/securevod/`. */
  readonly uploadPrefix: string;
}

/** The CORS options for one request path (exported for tests). */
export function corsOptionsFor(
  path: string,
  origin: string | undefined,
  config: CorsPolicyConfig,
): FastifyCorsOptions {
  if (TOKEN_PREFIXES.some((prefix) => path.startsWith(prefix))) return PLAYER_POLICY;
  // An origin that is not listed gets no CORS headers at all (its preflight is a 404).
  if (origin === undefined || !config.apiOrigins.includes(origin)) return NO_CORS;
  if (path === '/') {
    return {
      origin: [...config.apiOrigins],
      methods: ['GET', 'POST'],
      allowedHeaders: RPC_HEADERS,
      exposedHeaders: ['x-acs-request-id'],
      maxAge: 600,
    };
  }
  if (path.startsWith(config.uploadPrefix)) {
    return {
      origin: [...config.apiOrigins],
      methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
      // No allowedHeaders: the requested ones are reflected (ali-oss sends many x-oss-* headers);
      // the origin list is the gate here.
      exposedHeaders: ['etag', 'x-oss-request-id', 'x-oss-hash-crc64ecma'],
      maxAge: 600,
    };
  }
  return NO_CORS;
}

export async function registerCorsPolicy(app: FastifyInstance, config: CorsPolicyConfig): Promise<void> {
  await app.register(cors, {
    delegator: (req: FastifyRequest, callback) =>
      callback(null, corsOptionsFor(pathOf(req.url), req.headers.origin, config)),
  });
}

function pathOf(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? url : url.slice(0, at);
}
