/**
 * `securevod kms rotate|status --data-dir DIR`: operator commands on the local KMS. Rotation
 * adds a master-key version; blobs wrapped under older versions keep decrypting. A running
 * server picks the new version up at its next start.
 *
 * Both work only on an existing key ring: a mistyped --data-dir must not quietly create a new
 * one (status would then report a key nothing was encrypted with, rotate would add a version
 * the server never sees).
 */
import { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DATA_DIR_ENV, resolveDataDir } from '../config/data-dir.js';
import { openLocalKms } from '../kms/local-kms.js';
import { CliError, exitWithError } from './cli-error.js';

interface KmsFlags {
  dataDir?: string;
  json?: boolean;
}

/** The key ring's directory and its master-key versions; a `CliError` (exit 2) when there is none. */
async function existingKeyRing(flags: KmsFlags): Promise<{ dir: string; versions: number[] }> {
  const cwd = process.cwd();
  const { dataDir, problem } = resolveDataDir({ flag: flags.dataDir, env: process.env, cwd });
  if (problem) throw new CliError(problem, 2);
  const dir = join(dataDir, 'kms');
  const versions = await masterVersions(dir);
  if (versions.length === 0) {
    const shown = relative(cwd, dataDir) || '.';
    throw new CliError(
      `no local KMS key ring in ${join(shown, 'kms')}: --data-dir / ${DATA_DIR_ENV} must name the ` +
        `data directory of a server that has started at least once (now: ${dataDir})`,
      2,
    );
  }
  return { dir, versions };
}

async function masterVersions(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  return names
    .map((name) => /^master-v(\d+)\.key$/.exec(name)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export function kmsCommand(): Command {
  const kms = new Command('kms').description('manage the local KMS master keys');
  kms
    .command('rotate')
    .description('create a new master-key version (older blobs still decrypt)')
    .option('--data-dir <dir>', `data directory (env ${DATA_DIR_ENV}, default ./data)`)
    .option('--json', 'print the result as JSON')
    .action(async (flags: KmsFlags) => {
      try {
        const { dir } = await existingKeyRing(flags);
        const local = await openLocalKms({ dir });
        const { version } = await local.rotate();
        await local.close();
        if (flags.json) console.log(JSON.stringify({ keyId: local.keyId, currentVersion: version }));
        else
          console.log(`master key rotated: version ${version} is now current (restart the server to use it)`);
      } catch (error) {
        await exitWithError('kms rotate', error);
      }
    });
  kms
    .command('status')
    .description('list master-key versions')
    .option('--data-dir <dir>', `data directory (env ${DATA_DIR_ENV}, default ./data)`)
    .option('--json', 'print the result as JSON')
    .action(async (flags: KmsFlags) => {
      try {
        const { dir } = await existingKeyRing(flags);
        // Opening checks the key files (size, permissions) as the server does at start.
        const local = await openLocalKms({ dir });
        const versions = await masterVersions(dir);
        await local.close();
        const current = versions.at(-1);
        if (flags.json)
          console.log(JSON.stringify({ keyId: local.keyId, versions, currentVersion: current }));
        else console.log(`${local.keyId}: versions ${versions.join(', ')}; current ${current}`);
      } catch (error) {
        await exitWithError('kms status', error);
      }
    });
  return kms;
}
