/** Helpers for tests that drive several server processes at once (cross-node, cluster). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { signRpcString, stringToSign } from '@securevod/crypto';
import { TEST_ROOT_KEY } from './server-process.js';
import { popTimestamp } from './vod-client.js';

/** A v1-signed GET URL for `action` with the root key, as pop-core would send it (reference §1). */
export async function signedUrl(
  base: string,
  action: string,
  params: Record<string, string> = {},
): Promise<string> {
  const all: Record<string, string> = {
    Action: action,
    Format: 'JSON',
    Version: '2017-03-21',
    AccessKeyId: TEST_ROOT_KEY.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: popTimestamp(new Date()),
    ...params,
  };
  all.Signature = await signRpcString(TEST_ROOT_KEY.accessKeySecret, stringToSign('GET', all));
  return `${base}/?${new URLSearchParams(all)}`;
}

/** Milliseconds until `check` holds, polling every 50 ms; fails after `limitMs`. */
export async function within(limitMs: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) assert.fail(`${what} took longer than ${limitMs} ms`);
    await sleep(50);
  }
  return Date.now() - started;
}
