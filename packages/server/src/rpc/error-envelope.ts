/**
 * The one place that turns an error into the RPC wire format (reference §1.7):
 * `{RequestId, HostId, Code, Message, Recommend}` with the API's HTTP status. Anything that is
 * not an ApiError is an InternalError; its details go to the log, never to the client.
 */
import { ApiError, apiErrors } from '../errors/api-error.js';

export interface ErrorEnvelope {
  RequestId: string;
  HostId: string;
  Code: string;
  Message: string;
  Recommend: string;
}

export function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : apiErrors.internal(error);
}

export function errorEnvelope(
  error: ApiError,
  requestId: string,
  hostId: string,
  recommendBase: string,
): ErrorEnvelope {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: `${recommendBase}?q=${encodeURIComponent(error.code)}&requestId=${requestId}`,
  };
}
