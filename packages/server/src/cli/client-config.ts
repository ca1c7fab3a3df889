/**
 * Configuration of the client commands (`securevod upload`, …): which server and which AccessKey.
 * Read once, in the command's action, from flags, the environment and at most one credentials
 * file, then passed down. Precedence (a flag wins over its variable, as for `securevod server`):
 *
 *   endpoint:  --endpoint  >  SECUREVOD_ENDPOINT  >  http://127.0.0.1:8080
 *   AccessKey: --credentials FILE  >  SECUREVOD_ACCESS_KEY_ID + SECUREVOD_ACCESS_KEY_SECRET
 *              >  <data dir>/root-credentials.json, if that file exists (the data dir as
 *                 `securevod server` resolves it: SECUREVOD_DATA_DIR or ./data, config/data-dir.ts)
 *
 * The last one is what `securevod server` writes on first start, so on the server machine the
 * CLI works with no setup. Errors name the setting to fix and never echo a secret.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { resolveDataDir } from '../config/data-dir.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8080';
export const ROOT_CREDENTIALS_FILE_NAME = 'root-credentials.json';

export interface ClientFlags {
  endpoint?: string;
  credentials?: string;
}

export interface ClientConfig {
  /** Without trailing slash. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Where the AccessKey came from, for messages: `environment` or a file path. */
  readonly accessKeySource: string;
}

export type ClientConfigErrorCode =
  'InvalidEndpoint' | 'InvalidDataDir' | 'NoAccessKey' | 'InvalidCredentialsFile';

export class ClientConfigError extends Error {
  override readonly name = 'ClientConfigError';
  constructor(
    readonly code: ClientConfigErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** A bad flag value is a usage error (2); a missing or unusable AccessKey is not (1). */
  get exitCode(): 1 | 2 {
    return this.code === 'InvalidEndpoint' || this.code === 'InvalidDataDir' ? 2 : 1;
  }
}

export async function loadClientConfig(input: {
  flags: ClientFlags;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}): Promise<ClientConfig> {
  const { flags, env, cwd } = input;
  const endpoint = parseEndpoint(flags.endpoint ?? nonEmpty(env.SECUREVOD_ENDPOINT) ?? DEFAULT_ENDPOINT);

  if (flags.credentials !== undefined) {
    const file = resolve(cwd, flags.credentials);
    return { endpoint, ...(await readCredentialsFile(file, cwd)), accessKeySource: file };
  }

  const id = nonEmpty(env.SECUREVOD_ACCESS_KEY_ID);
  const secret = nonEmpty(env.SECUREVOD_ACCESS_KEY_SECRET);
  if (id !== undefined && secret !== undefined) {
    return { endpoint, accessKeyId: id, accessKeySecret: secret, accessKeySource: 'environment' };
  }
  if (id !== undefined || secret !== undefined) {
    const [set, unset] =
      id !== undefined
        ? ['SECUREVOD_ACCESS_KEY_ID', 'SECUREVOD_ACCESS_KEY_SECRET']
        : ['SECUREVOD_ACCESS_KEY_SECRET', 'SECUREVOD_ACCESS_KEY_ID'];
    throw new ClientConfigError('NoAccessKey', `${set} is set but ${unset} is not: set both`);
  }

  const { dataDir, problem } = resolveDataDir({ env, cwd });
  if (problem) throw new ClientConfigError('InvalidDataDir', problem);
  const file = join(dataDir, ROOT_CREDENTIALS_FILE_NAME);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(file, cwd, error);
  }
  if (text === undefined) {
    throw new ClientConfigError(
      'NoAccessKey',
      'no AccessKey: set SECUREVOD_ACCESS_KEY_ID and SECUREVOD_ACCESS_KEY_SECRET ' +
        `(or run on the server with ${display(file, cwd)})`,
    );
  }
  return { endpoint, ...parseCredentials(text, file, cwd), accessKeySource: file };
}

function parseEndpoint(raw: string): string {
  const value = raw.trim();
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new ClientConfigError(
      'InvalidEndpoint',
      `--endpoint / SECUREVOD_ENDPOINT: "${value}" must be an http:// or https:// URL without query, e.g. ${DEFAULT_ENDPOINT}`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

async function readCredentialsFile(file: string, cwd: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw unreadable(file, cwd, error);
  }
  return parseCredentials(text, file, cwd);
}

/** `{"accessKeyId", "accessKeySecret"}` as the server writes it; PascalCase is accepted too. */
function parseCredentials(text: string, file: string, cwd: string) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const record = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const accessKeyId = record.accessKeyId ?? record.AccessKeyId;
  const accessKeySecret = record.accessKeySecret ?? record.AccessKeySecret;
  if (
    typeof accessKeyId !== 'string' ||
    !accessKeyId ||
    typeof accessKeySecret !== 'string' ||
    !accessKeySecret
  ) {
    throw new ClientConfigError(
      'InvalidCredentialsFile',
      `${display(file, cwd)} is not a credentials file: expected JSON {"accessKeyId": …, "accessKeySecret": …}`,
    );
  }
  return { accessKeyId, accessKeySecret };
}

function unreadable(file: string, cwd: string, error: unknown): ClientConfigError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
  return new ClientConfigError(
    'InvalidCredentialsFile',
    `cannot read credentials file ${display(file, cwd)}: ${reason}`,
  );
}

function display(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
