/**
 * Turns any failure into one sentence a person can act on: what went wrong and what to do. Pages
 * show `describeError(error)`; the API's own message is kept where it already says both (the
 * server's InvalidParameter messages name the field and what is allowed).
 */
import { ApiRequestError, CLIENT_ERROR_CODES } from './vod-client.js';

const BY_CODE: Readonly<Record<string, (error: ApiRequestError) => string>> = {
  [CLIENT_ERROR_CODES.network]: (e) =>
    `${e.message} Check that the server is running and that the API endpoint is right, then try again.`,
  [CLIENT_ERROR_CODES.timeout]: (e) => `${e.message} The server may be overloaded; try again in a moment.`,
  [CLIENT_ERROR_CODES.badResponse]: (e) => `${e.message} Check the API endpoint.`,
  [CLIENT_ERROR_CODES.aborted]: () => 'Cancelled.',
  'InvalidAccessKeyId.NotFound': () =>
    'The server does not know this AccessKey ID. Check it for typos, or create a key under Access keys.',
  'InvalidAccessKeyId.Inactive': () =>
    'This AccessKey is disabled. Sign in with an active key, or ask an operator to enable it.',
  SignatureDoesNotMatch: () =>
    'The AccessKey secret does not match the AccessKey ID. Paste the secret again (it is case-sensitive).',
  'InvalidTimeStamp.Expired': () =>
    "This computer's clock is more than 15 minutes away from the server's. Correct the clock, then retry.",
  SignatureNonceUsed: () => 'The request was sent twice. Try again.',
  'InvalidApi.NotFound': (e) => `This server does not offer ${e.action} (it may be an older version).`,
  Throttling: () => 'The server is throttling requests. Wait a few seconds, then try again.',
  Forbidden: () => 'This AccessKey may not do that. Sign in with a key that has the permission.',
};

export function describeError(error: unknown): string {
  if (error instanceof ApiRequestError) {
    const specific = BY_CODE[error.code];
    if (specific) return specific(error);
    const status = error.details.httpStatus ?? 0;
    if (status >= 500) {
      const id = error.details.requestId ? ` (request ${error.details.requestId})` : '';
      return `The server failed to ${error.action}${id}. Try again; if it keeps failing, look for the request id in the server log.`;
    }
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The field an `InvalidParameter` / `MissingParameter` message names, and the reason after it.
 * Server messages read `The specified parameter "Name" is not valid. <reason>`; template list
 * reasons start with the field path (`TranscodeTemplateList[1].Video.Bitrate must be …`).
 */
export interface FieldProblem {
  /** The parameter named by the API (`TranscodeTemplateList`, `AuthKey`, …). */
  readonly parameter: string;
  /** The path inside a JSON parameter, when the reason starts with one (`[1].Video.Bitrate`). */
  readonly path?: string;
  /** The reason, without the "is not valid." preamble. */
  readonly reason: string;
}

export function fieldProblemOf(error: unknown): FieldProblem | undefined {
  if (!(error instanceof ApiRequestError)) return undefined;
  if (error.code === 'MissingParameter') {
    const name = /parameter "([^"]+)"/.exec(error.message)?.[1];
    return name ? { parameter: name, reason: 'This field is required.' } : undefined;
  }
  if (error.code !== 'InvalidParameter') return undefined;
  const match = /^The specified parameter "([^"]+)" is not valid\.\s*([\s\S]*)$/.exec(error.message);
  if (!match) return undefined;
  const parameter = match[1]!;
  const reason = match[2]!.trim() || 'This value is not valid.';
  const pathMatch = new RegExp(`^${escapeRegExp(parameter)}((?:\\[\\d+\\]|\\.[A-Za-z]+)+)`).exec(reason);
  return pathMatch ? { parameter, path: pathMatch[1], reason } : { parameter, reason };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
