/**
 * Operations endpoints (issue 10 §6; docs/operations.md), on every node whatever its roles:
 *   GET /healthz  liveness: the process serves HTTP (200 while it runs, draining included)
 *   GET /readyz   readiness: 200 when every dependency answers, else 503; per-dependency JSON
 *   GET /metrics  Prometheus text; with a token configured, only with `Authorization: Bearer …`
 * and the request metrics of every route (by route family; see metrics.ts).
 */
import type { FastifyInstance } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import { ERROR_CATALOGUE } from '../errors/error-catalogue.js';
import type { ServerMetrics } from './metrics.js';
import { routeFamily } from './route-family.js';
import type { ReadinessProbe } from './readiness.js';

export interface OpsRoutesDeps {
  metrics: ServerMetrics;
  readiness: ReadinessProbe;
  /** Bearer token `/metrics` requires; undefined = open. */
  metricsToken: string | undefined;
}

export async function opsRoutes(app: FastifyInstance, deps: OpsRoutesDeps): Promise<void> {
  const { metrics, readiness } = deps;

  // The composition root calls this on the root instance before registering anything else (not
  // through `register`, which would scope the hook), so the hook sees every route's responses.
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url;
    metrics.request(routeFamily(route), req.method, reply.statusCode, reply.elapsedTime / 1000);
    if (reply.statusCode === 200 && route?.startsWith('/keys/')) {
      metrics.keyDelivered(route.startsWith('/keys/hls/') ? 'aes-128' : 'aes-256-gcm');
    }
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const result = await readiness.check();
    return reply
      .code(result.status === 'ready' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(result);
  });

  const expected = deps.metricsToken === undefined ? undefined : digest(deps.metricsToken);
  app.get('/metrics', async (req, reply) => {
    if (expected !== undefined) {
      const header = req.headers.authorization ?? '';
      const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
      if (!timingSafeEqual(digest(presented), expected)) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="securevod metrics"').send({
          Code: 'Unauthorized',
          Message: ERROR_CATALOGUE.Unauthorized.message,
        });
      }
    }
    const { contentType, body } = await metrics.render();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}

// Comparing digests keeps the comparison constant-time whatever the presented length.
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
