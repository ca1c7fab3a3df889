/**
 * The wire side shared by the player-facing endpoints (play info, media, keys, downloads): the one
 * place that turns their errors into `{RequestId, Code, Message}` with the right status.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, apiErrors } from '../errors/api-error.js';
import { newRequestId } from '../rpc/rpc-plugin.js';
import { PlaybackError } from './playback-error.js';

export function sendError(reply: FastifyReply, req: FastifyRequest, error: unknown) {
  const requestId = newRequestId();
  if (error instanceof PlaybackError || error instanceof ApiError) {
    return reply
      .code(error.httpStatus)
      .type('application/json')
      .send({ RequestId: requestId, Code: error.code, Message: error.message });
  }
  req.log.error({ err: error, requestId }, 'player endpoint failed');
  const internal = apiErrors.internal();
  return reply
    .code(internal.httpStatus)
    .type('application/json')
    .send({ RequestId: requestId, Code: internal.code, Message: internal.message });
}

export function stringField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
