/**
 * Route families of the request metrics (docs/operations.md): what an operator scales and
 * alerts on. Apart from metrics.ts so that the request hook does not load prom-client.
 */
export const ROUTE_FAMILIES = [
  'rpc',
  'upload',
  'play',
  'keys',
  'media',
  'download',
  'static',
  'ops',
  'unmatched',
] as const;
export type RouteFamily = (typeof ROUTE_FAMILIES)[number];

/**
 * The family of a request, from the route pattern Fastify matched (never the raw URL, which may
 * carry ids and tokens). Unmatched requests (404s) count as `unmatched`.
 */
export function routeFamily(routePattern: string | undefined): RouteFamily {
  if (routePattern === undefined) return 'unmatched';
  if (routePattern === '/') return 'rpc';
  const first = routePattern.split('/')[1] ?? '';
  switch (first) {
    case 'keys':
    case 'play':
    case 'media':
    case 'download':
      return first;
    case 'healthz':
    case 'readyz':
    case 'metrics':
      return 'ops';
    case 'sdk':
    case 'demo':
    case 'console':
    case 'docs':
      return 'static';
    case '*':
      // The OSS-style upload endpoint (`/*`, constrained to OSS requests).
      return 'upload';
    default:
      return 'unmatched';
  }
}
