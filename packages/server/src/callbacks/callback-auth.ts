/**
 * HTTP callback authentication (reference §3.2): with an AuthKey configured, every callback
 * carries `X-VOD-TIMESTAMP` (Unix seconds) and
 * `X-VOD-SIGNATURE = md5(CallbackURL + "|" + timestamp + "|" + AuthKey)` (lowercase hex).
 * Our choice where the reference is silent: when `UserData.MessageCallback.CallbackURL`
 * overrides the configured URL, the URL actually called is the one hashed.
 */
import { createHash } from 'node:crypto';

export function callbackSignature(callbackUrl: string, timestamp: number, authKey: string): string {
  return createHash('md5').update(`${callbackUrl}|${timestamp}|${authKey}`, 'utf8').digest('hex');
}

export function callbackAuthHeaders(
  callbackUrl: string,
  authKey: string,
  nowMs: number,
): { 'X-VOD-TIMESTAMP': string; 'X-VOD-SIGNATURE': string } {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'X-VOD-TIMESTAMP': String(timestamp),
    'X-VOD-SIGNATURE': callbackSignature(callbackUrl, timestamp, authKey),
  };
}
