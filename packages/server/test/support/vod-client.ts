/** The vendor's own, unmodified RPC client (`@alicloud/pop-core`) pointed at a test server. */
import RPCClient from '@alicloud/pop-core';
import { TEST_ROOT_KEY } from './server-process.js';

export interface PopError extends Error {
  code: string;
  data: { RequestId: string; HostId: string; Code: string; Message: string; Recommend?: string };
  entry: { response: { statusCode: number } };
}

export function vodClient(endpoint: string, key = TEST_ROOT_KEY): RPCClient {
  return new RPCClient({
    endpoint,
    apiVersion: '2017-03-21',
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
  });
}

/** Runs a call that must fail and returns the error pop-core raised. */
export async function popError(call: Promise<unknown>): Promise<PopError> {
  try {
    await call;
  } catch (error) {
    return error as PopError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export const GET = { method: 'GET' } as const;
export const POST = { method: 'POST' } as const;

/** pop-core's own Timestamp format: UTC, seconds precision. */
export function popTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
