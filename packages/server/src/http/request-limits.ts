/**
 * Timeouts and limits of every HTTP connection and request (issue 11 item 4), from
 * `config/limits-config.ts`:
 *
 * - `fastifyLimitOptions`: Node's own header timeout (checked every second, not Node's default
 *   30 s), socket inactivity, keep-alive idle time and the body-size limit, for `Fastify({...})`.
 *   Node's whole-request timeout stays off: it cannot differ per route.
 * - `installRequestLimits`: the per-request body deadline and the per-client connection cap.
 *   Every request that carries a body must finish sending it within `bodyTimeoutMs`; only the
 *   OSS upload routes, once the request's signature checked out, extend their own deadline to
 *   `uploadBodyTimeoutMs` (`extendBodyDeadline`). A request past its deadline gets `408` and its
 *   connection is closed, whatever the handler is waiting for, so a few stalled sockets cannot
 *   hold the server while `/healthz` and everyone else are served.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HttpLimits } from '../config/limits-config.js';

const REQUEST_TIMEOUT_RESPONSE =
  'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

export function fastifyLimitOptions(limits: HttpLimits) {
  return {
    bodyLimit: limits.bodyLimitBytes,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: 0,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: 0,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
  };
}

const deadlines = new WeakMap<FastifyRequest, { timer: NodeJS.Timeout; response: ServerResponse }>();

/** Moves `request`'s body deadline to `ms` from now (the upload routes, after authentication). */
export function extendBodyDeadline(request: FastifyRequest, ms: number): void {
  const deadline = deadlines.get(request);
  if (!deadline) return;
  clearTimeout(deadline.timer);
  deadline.timer = armDeadline(request, deadline.response, ms);
}

export function installRequestLimits(app: FastifyInstance, limits: HttpLimits): void {
  if (limits.maxConnectionsPerClient > 0) capConnections(app, limits.maxConnectionsPerClient);

  app.addHook('onRequest', (request, reply, done) => {
    const headers = request.headers;
    const hasBody =
      headers['transfer-encoding'] !== undefined ||
      (headers['content-length'] !== undefined && headers['content-length'] !== '0');
    if (hasBody && !request.raw.complete) {
      deadlines.set(request, {
        timer: armDeadline(request, reply.raw, limits.bodyTimeoutMs),
        response: reply.raw,
      });
      const clear = () => {
        clearTimeout(deadlines.get(request)?.timer);
        deadlines.delete(request);
      };
      request.raw.once('end', clear);
      reply.raw.once('close', clear);
    }
    done();
  });
}

function armDeadline(request: FastifyRequest, response: ServerResponse, ms: number): NodeJS.Timeout {
  const timer = setTimeout(() => {
    deadlines.delete(request);
    if (request.raw.complete) return;
    request.log.info(
      { method: request.method, path: request.url.split('?')[0], timeoutMs: ms },
      'request body not received in time: connection closed',
    );
    cut(request.raw.socket, !response.headersSent);
  }, ms);
  timer.unref();
  return timer;
}

/**
 * Ends a connection whose request body is late: with a 408 when nothing was answered yet. Also
 * for keys/private-key-fast-path.ts, which reads its small bodies before fastify would.
 */
export function cut(socket: Socket | null, answer: boolean): void {
  if (!socket || socket.destroyed) return;
  if (answer && socket.writable) {
    socket.end(REQUEST_TIMEOUT_RESPONSE);
    setTimeout(() => socket.destroy(), 1000).unref();
  } else {
    socket.destroy();
  }
}

/** Refuses (closes at once) a connection from an address that already holds `max` open ones. */
function capConnections(app: FastifyInstance, max: number): void {
  const open = new Map<string, number>();
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
