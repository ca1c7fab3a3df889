/**
 * One error catalogue (issue 9, item 10):
 * - every code the server source raises is defined in the catalogue (OSS codes in the OSS table),
 *   and only errors/ builds an `ApiError` by hand, so status and message always come from it;
 * - every factory yields its code with the catalogue's status;
 * - the player SDK's table of server codes names exactly the codes the player-facing endpoints
 *   send: none the server never sends, none missing;
 * - docs/api.md lists every code and every action.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { SERVER_ERROR_CODES } from '../../../player/src/errors.js';
import { DOWNLOAD_ERROR_CODES } from '../../../player/src/offline/offline-errors.js';
import { catalogueErrors } from '../../src/catalogue/catalogue-errors.js';
import { downloadErrors } from '../../src/download/download-routes.js';
import { accessErrors } from '../../src/errors/access-errors.js';
import { ApiError, apiErrors, mediaLibraryErrors } from '../../src/errors/api-error.js';
import { ERROR_CATALOGUE, isErrorCode, type ErrorDefinition } from '../../src/errors/error-catalogue.js';
import { OSS_ERROR_CATALOGUE } from '../../src/errors/oss-error-catalogue.js';
import { PLAYBACK_ERROR_CODES } from '../../src/playback/playback-error.js';
import { ossErrors } from '../../src/upload/oss-error.js';
import { REPO_ROOT } from '../support/server-process.js';
import { actionNames } from './action-names.js';

const SERVER_SRC = join(REPO_ROOT, 'packages/server/src');

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every error code literal the server source raises, by kind, with where it was found. */
async function raisedCodes(): Promise<{
  api: Map<string, string>;
  oss: Map<string, string>;
  handMade: string[];
}> {
  const api = new Map<string, string>();
  const oss = new Map<string, string>();
  const handMade: string[] = [];
  for (const file of await sourceFiles(SERVER_SRC)) {
    const rel = relative(SERVER_SRC, file);
    // The CLI is a client of the API: its error codes are its own, never sent by the server.
    if (rel.startsWith('cli/')) continue;
    const text = await readFile(file, 'utf8');
    const add = (map: Map<string, string>, pattern: RegExp) => {
      for (const m of text.matchAll(pattern)) if (m[1]) map.set(m[1], `${rel}: ${m[0].slice(0, 60)}`);
    };
    add(api, /\bcatalogued\(\s*'([^']+)'/g);
    add(api, /\bnew (?:ApiError|PlaybackError)\(\s*'([^']+)'/g);
    add(api, /\bCode:\s*'([^']+)'/g);
    add(oss, /\bnew OssError\(\s*'([^']+)'/g);
    if (/\bnew ApiError\(/.test(text) && rel !== 'errors/api-error.ts') handMade.push(rel);
  }
  return { api, oss, handMade };
}

/** Arguments for factories whose parameters are not one string. */
const FACTORY_ARGS: Readonly<Record<string, unknown[]>> = {
  unsupportedVersion: ['2099-01-01', ['2017-03-21']],
  illegalStatus: ['Uploading'],
  lengthExceeded: ['Title', 128],
  internal: [],
  unavailable: [],
  malformedPolicy: [['Statement: missing']],
  malformedTrustPolicy: [['Statement: missing']],
  policyGrammar: [['Statement: missing']],
  durationInvalid: [900, 3600],
  policyDocumentLength: [6144],
  policySize: [2048],
  countExceeded: ['UpdateContent', 20],
  deleteStreamFailed: [],
};

describe('one error catalogue', () => {
  test('every code the server raises is catalogued; no ApiError is built by hand outside errors/', async () => {
    const { api, oss, handMade } = await raisedCodes();
    assert.ok(api.size > 20, `the scan found codes (${api.size})`);
    const unknown = [...api]
      .filter(([code]) => !isErrorCode(code))
      .map(([code, where]) => `${code} (${where})`);
    assert.deepEqual(unknown, [], 'codes raised but not in errors/error-catalogue.ts');
    const unknownOss = [...oss]
      .filter(([code]) => !Object.hasOwn(OSS_ERROR_CATALOGUE, code))
      .map(([code, where]) => `${code} (${where})`);
    assert.deepEqual(unknownOss, [], 'OSS codes raised but not in errors/oss-error-catalogue.ts');
    assert.deepEqual(handMade, [], 'build ApiErrors through the catalogue (catalogued / factories)');
  });

  test('every factory yields a catalogued code with its catalogued status', () => {
    const factories: Array<[string, (...args: never[]) => ApiError]> = [
      ...Object.entries(apiErrors),
      ...Object.entries(catalogueErrors),
      ...Object.entries(downloadErrors),
      ...Object.entries(accessErrors),
      ...Object.entries(mediaLibraryErrors),
    ] as Array<[string, (...args: never[]) => ApiError]>;
    for (const [name, factory] of factories) {
      const args = FACTORY_ARGS[name] ?? ['Example'];
      const error = (factory as (...args: unknown[]) => ApiError)(...args);
      assert.ok(error instanceof ApiError, name);
      assert.ok(isErrorCode(error.code), `${name}: ${error.code}`);
      const entry: ErrorDefinition = ERROR_CATALOGUE[error.code];
      assert.ok(
        error.httpStatus === entry.status || entry.otherStatuses?.includes(error.httpStatus),
        `${name}: status ${error.httpStatus}`,
      );
      assert.ok(!/\{\w+\}/.test(error.message), `${name}: unfilled placeholder in "${error.message}"`);
    }
    for (const [name, factory] of Object.entries(ossErrors)) {
      const args = name === 'requestTimeTooSkewed' ? ['x', new Date(), 1] : ['x', 1, 'y'];
      const error = (factory as (...args: unknown[]) => { code: string; httpStatus: number })(...args);
      const entry = OSS_ERROR_CATALOGUE[error.code as keyof typeof OSS_ERROR_CATALOGUE];
      assert.equal(error.httpStatus, entry.status, name);
    }
    assert.throws(() => catalogueErrors.illegalStatus('Uploading', 418), TypeError);
  });

  test('each code is defined once: no two codes share a message template', () => {
    const messages = Object.values(ERROR_CATALOGUE).map((e) => e.message);
    assert.equal(new Set(messages).size, messages.length);
  });

  test("the player SDK's table names exactly the codes the player-facing endpoints send", () => {
    const sent = new Set(
      Object.entries(ERROR_CATALOGUE)
        .filter(([, entry]) => (entry.surfaces as readonly string[]).includes('player'))
        .map(([code]) => code),
    );
    for (const code of PLAYBACK_ERROR_CODES) assert.ok(sent.has(code), `${code} is a player code`);
    const known = new Set([...Object.keys(SERVER_ERROR_CODES), ...Object.keys(DOWNLOAD_ERROR_CODES)]);
    const neverSent = [...known].filter((code) => !sent.has(code));
    const missing = [...sent].filter((code) => !known.has(code));
    assert.deepEqual(neverSent, [], 'the SDK names codes the server never sends');
    assert.deepEqual(missing, [], 'the server sends codes the SDK does not know');
  });

  test('docs/api.md lists every code and every action', async () => {
    const doc = await readFile(join(REPO_ROOT, 'docs/api.md'), 'utf8');
    const codes = [...Object.keys(ERROR_CATALOGUE), ...Object.keys(OSS_ERROR_CATALOGUE)];
    const undocumentedCodes = codes.filter((code) => !doc.includes(`\`${code}\``));
    assert.deepEqual(undocumentedCodes, [], 'codes missing from docs/api.md');
    const actions = actionNames();
    assert.ok(actions.length > 30, `found the actions (${actions.length})`);
    const undocumentedActions = actions.filter((action) => !doc.includes(`\`${action}\``));
    assert.deepEqual(undocumentedActions, [], 'actions missing from docs/api.md');
  });
});
