/**
 * Static files the server hands to browsers: the player SDK bundle (`/sdk/…`, built by
 * `scripts/build-sdk.mjs` into packages/player/dist), the demo pages (`/demo/…`) and the console
 * (`/console/`, built by `scripts/build-console.mjs` into packages/console/dist).
 *
 * The bundles are build output, not sources: a server started without `npm start` / `npm run
 * setup` (which build them) has none. It then does not offer the pages that need them — the demo
 * pages load the SDK, the console is its bundle — and says once, in the log, which command
 * builds them; a request for them gets a 404 that says the same.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { catalogued } from './errors/api-error.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The one command that builds the bundles (it runs scripts/build-sdk.mjs and build-console.mjs). */
export const BUILD_BUNDLES_COMMAND = 'npm run setup';
const SDK_BUNDLE = 'securevod-player.js';
const CONSOLE_ENTRY = 'index.html';

export interface StaticRoutesOptions {
  readonly sdkDir: string;
  readonly demoDir: string;
  readonly consoleDir: string;
}

/** Which bundles exist (checked once, at start). */
export function builtBundles(opts: Pick<StaticRoutesOptions, 'sdkDir' | 'consoleDir'>): {
  sdk: boolean;
  console: boolean;
} {
  return {
    sdk: existsSync(join(opts.sdkDir, SDK_BUNDLE)),
    console: existsSync(join(opts.consoleDir, CONSOLE_ENTRY)),
  };
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  map: 'application/json',
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  json: 'application/json',
  woff2: 'font/woff2',
};

/** The console talks only to this origin; a strict policy keeps injected scripts and framing out. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export async function staticRoutes(app: FastifyInstance, opts: StaticRoutesOptions): Promise<void> {
  const built = builtBundles(opts);
  const notBuilt = (what: string, dir: string) => {
    const detail = `${what} is not built on this server: run \`${BUILD_BUNDLES_COMMAND}\`, then restart the server.`;
    app.log.warn({ missing: dir, buildCommand: BUILD_BUNDLES_COMMAND }, detail);
    return async (_req: unknown, reply: FastifyReply) => notFound(reply, detail);
  };
  const serve =
    (dir: string) => async (req: { params: { file: string } }, reply: import('fastify').FastifyReply) => {
      const file = req.params.file;
      if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(file)) return notFound(reply);
      try {
        const body = await readFile(join(dir, file));
        return reply
          .header('content-type', TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream')
          .header('cache-control', 'no-cache')
          .send(body);
      } catch {
        return notFound(reply, `No such file: ${file}.`);
      }
    };
  if (built.sdk) {
    app.get<{ Params: { file: string } }>('/sdk/:file', serve(opts.sdkDir));
    app.get<{ Params: { file: string } }>('/demo/:file', serve(opts.demoDir));
  } else {
    // The demo pages are nothing without the SDK: neither is offered.
    const missing = notBuilt('The player SDK (needed by /sdk/ and the /demo/ pages)', opts.sdkDir);
    app.get('/sdk/*', missing);
    app.get('/demo/*', missing);
  }
  if (!built.console) {
    const missing = notBuilt('The web console', opts.consoleDir);
    app.get('/console', missing);
    app.get('/console/*', missing);
    return;
  }

  // The console: a single-page app built into packages/console/dist; unknown paths under
  // /console/ get index.html so deep links work.
  const consoleFile = async (path: string) => {
    const clean = path.replace(/^\/+/, '');
    if (clean && /^[A-Za-z0-9_./-]+$/.test(clean) && !clean.split('/').some((s) => s.startsWith('.'))) {
      try {
        return {
          body: await readFile(join(opts.consoleDir, clean)),
          type: TYPES[clean.split('.').pop() ?? ''],
        };
      } catch {
        // fall through to index.html
      }
    }
    return { body: await readFile(join(opts.consoleDir, 'index.html')), type: TYPES.html };
  };
  app.get('/console', async (_req, reply) => reply.redirect('/console/'));
  app.get<{ Params: { '*': string } }>('/console/*', async (req, reply) => {
    try {
      const file = await consoleFile(req.params['*']);
      const immutable = req.params['*'].startsWith('assets/');
      return reply
        .headers(CONSOLE_SECURITY_HEADERS)
        .header('content-type', file.type ?? 'application/octet-stream')
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .send(file.body);
    } catch {
      // Removed after the start (e.g. a rebuild in progress).
      return notFound(
        reply,
        `The web console is not built on this server: run \`${BUILD_BUNDLES_COMMAND}\`.`,
      );
    }
  });
}

function notFound(reply: FastifyReply, detail?: string) {
  const error = catalogued('NotFound', {}, detail ? { detail } : undefined);
  return reply.code(error.httpStatus).send({ Code: error.code, Message: error.message });
}
