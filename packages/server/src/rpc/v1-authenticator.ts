/**
 * Signature v1 (HMAC-SHA1 over the query/form parameters, reference §1.3–1.6), as pop-core and
 * openapi-client with `signatureAlgorithm: 'v2'` send it. Order of checks: signature parameters →
 * Timestamp → AccessKey → signature → key active → nonce (only a correctly signed request can
 * spend a nonce). Returns the caller; throws the API's error otherwise.
 */
import { apiErrors } from '../errors/api-error.js';
import { NONCE_WINDOW_MS, type ReplayCache } from './replay-cache.js';
import type { RpcParams } from './rpc-params.js';
import type { Caller, FindAccessKey } from './rpc-types.js';
import { signatureMatches, sign, stringToSign } from './signature.js';

export const TIMESTAMP_WINDOW_MS = 15 * 60 * 1000;
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** Parameters whose values are secrets: masked where a string-to-sign is echoed back. */
export const SECRET_PARAMS: ReadonlySet<string> = new Set(['AppDecryptKey', 'SecurityToken']);

export interface AuthDeps {
  findAccessKey: FindAccessKey;
  replayCache: ReplayCache;
  now: () => number;
}

export async function authenticateV1(method: string, params: RpcParams, deps: AuthDeps): Promise<Caller> {
  const accessKeyId = params.required('AccessKeyId');
  const received = params.required('Signature');
  const signatureMethod = params.required('SignatureMethod');
  if (signatureMethod.toUpperCase() !== 'HMAC-SHA1') {
    throw apiErrors.invalidParameter('SignatureMethod', 'Only HMAC-SHA1 is supported.');
  }
  if (params.required('SignatureVersion') !== '1.0') {
    throw apiErrors.invalidParameter('SignatureVersion', 'Only 1.0 is supported.');
  }
  const nonce = params.required('SignatureNonce');
  const timestamp = params.required('Timestamp');
  if (!TIMESTAMP_PATTERN.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
    throw apiErrors.timestampFormat();
  }
  checkTimeWindow(Date.parse(timestamp), deps.now());

  const securityToken = params.optional('SecurityToken');
  const key = await deps.findAccessKey(accessKeyId, securityToken);
  if (!key) throw apiErrors.accessKeyNotFound();

  const toSign = stringToSign(method, params.all);
  if (!signatureMatches(sign(key.secret, toSign), received)) {
    throw apiErrors.signatureDoesNotMatch(
      `server string to sign is:${stringToSign(method, maskSecrets(params.all))}`,
    );
  }
  if (!key.active) throw apiErrors.accessKeyDisabled();
  await spendNonce(deps.replayCache, accessKeyId, nonce);
  return securityToken === undefined ? { accessKeyId } : { accessKeyId, securityToken };
}

/** The ±15-minute window of `Timestamp` (v1) and `x-acs-date` (V3), reference §1.6. */
export function checkTimeWindow(timeMs: number, nowMs: number): void {
  if (Math.abs(nowMs - timeMs) > TIMESTAMP_WINDOW_MS) throw apiErrors.timestampExpired();
}

/** Records a nonce per AccessKeyId; v1 and V3 share one nonce space. */
export async function spendNonce(cache: ReplayCache, accessKeyId: string, nonce: string): Promise<void> {
  if (!(await cache.remember(`${accessKeyId}\n${nonce}`, NONCE_WINDOW_MS))) throw apiErrors.nonceUsed();
}

function maskSecrets(params: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [name, SECRET_PARAMS.has(name) ? '***' : value]),
  );
}
