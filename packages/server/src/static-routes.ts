/**
 * Static files the server hands to browsers: the player SDK bundle (`/sdk/…`, built by
 * `scripts/build-sdk.mjs` into packages/player/dist) and the demo pages (`/demo/…`).
 */
import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  map: 'application/json',
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

export async function staticRoutes(
  app: FastifyInstance,
  opts: { sdkDir: string; demoDir: string },
): Promise<void> {
  const serve =
    (dir: string) => async (req: { params: { file: string } }, reply: import('fastify').FastifyReply) => {
      const file = req.params.file;
      if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(file))
        return reply.code(404).send({ Code: 'NotFound', Message: 'No such file.' });
      try {
        const body = await readFile(join(dir, file));
        return reply
          .header('content-type', TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream')
          .header('cache-control', 'no-cache')
          .header('access-control-allow-origin', '*')
          .send(body);
      } catch {
        return reply.code(404).send({ Code: 'NotFound', Message: `No such file: ${file}` });
      }
    };
  app.get<{ Params: { file: string } }>('/sdk/:file', serve(opts.sdkDir));
  app.get<{ Params: { file: string } }>('/demo/:file', serve(opts.demoDir));
}
