/** Small assertions and file helpers shared by the end-to-end tests in this directory. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { popError } from '../support/vod-client.js';

/**
 * Asserts that a pop-core call fails with `code` and HTTP status `httpStatus` (and a message
 * matching `message`); returns the message for further checks.
 */
export async function expectApiError(
  call: Promise<unknown>,
  code: string,
  httpStatus: number,
  message?: RegExp,
): Promise<string> {
  const error = await popError(call);
  assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.data?.Message}`);
  assert.equal(error.entry.response.statusCode, httpStatus, `${code}: HTTP status`);
  if (message) assert.match(error.data.Message, message);
  return error.data.Message;
}

/** Every file below `dir`, relative to it, sorted (empty when `dir` does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  // Entry types come with the listing: a file renamed away meanwhile (a store writing through a
  // temporary name) is listed or not, never a failed stat.
  const walk = async (path: string, rel: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(path, entry.name), `${rel}${entry.name}/`);
      else found.push(rel + entry.name);
    }
  };
  await walk(dir, '');
  return found.sort();
}

/** pop-core parses with json-bigint, whose objects have no prototype: compare them as JSON. */
export const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
