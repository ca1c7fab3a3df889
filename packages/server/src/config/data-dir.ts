/**
 * Where the data directory is — the one resolver every entry point uses (`securevod server` and
 * `worker` through `loadServerConfig`, the client commands looking for root-credentials.json,
 * and `securevod kms`), so they cannot disagree about the same flag and variable:
 *
 *   --data-dir DIR  >  SECUREVOD_DATA_DIR  >  ./data
 *
 * A value that is empty or only blanks counts as unset. A relative path is taken from `cwd`.
 * Problems are returned as messages naming the setting, for the caller's error type.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

export const DATA_DIR_ENV = 'SECUREVOD_DATA_DIR';
export const DEFAULT_DATA_DIR = 'data';

export interface DataDirInput {
  /** `--data-dir`, when the command has that flag. */
  readonly flag?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export interface ResolvedDataDir {
  /** Absolute path. */
  readonly dataDir: string;
  /** Set when the setting cannot name a data directory; `dataDir` is then only informative. */
  readonly problem?: string;
}

export function resolveDataDir(input: DataDirInput): ResolvedDataDir {
  const flag = nonBlank(input.flag);
  const fromEnv = nonBlank(input.env[DATA_DIR_ENV]);
  const raw = flag ?? fromEnv ?? DEFAULT_DATA_DIR;
  const setting = flag !== undefined ? '--data-dir' : fromEnv !== undefined ? DATA_DIR_ENV : undefined;
  const dataDir = isAbsolute(raw) ? raw : resolve(input.cwd, raw);
  const name = setting ?? `the default data directory (set --data-dir or ${DATA_DIR_ENV})`;
  if (raw.includes('\0')) return { dataDir, problem: `${name}: the path contains a NUL character` };
  let isFile = false;
  try {
    isFile = !statSync(dataDir).isDirectory();
  } catch {
    // Missing is fine here: the server creates it; commands that need it existing check that.
  }
  if (isFile) return { dataDir, problem: `${name}: "${dataDir}" exists and is not a directory` };
  return { dataDir };
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
