/**
 * `securevod kms rotate|status --data-dir DIR`: operator commands on the local KMS. Rotation
 * adds a master-key version; blobs wrapped under older versions keep decrypting. A running
 * server picks the new version up at its next start.
 */
import { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { openLocalKms } from '../kms/local-kms.js';

function kmsDir(dataDir: string | undefined): string {
  return join(resolve(process.cwd(), dataDir ?? process.env.SECUREVOD_DATA_DIR ?? 'data'), 'kms');
}

async function masterVersions(dir: string): Promise<number[]> {
  const names = await readdir(dir);
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
    .option('--data-dir <dir>', 'data directory (env SECUREVOD_DATA_DIR)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { dataDir?: string; json?: boolean }) => {
      const dir = kmsDir(flags.dataDir);
      const local = await openLocalKms({ dir });
      const { version } = await local.rotate();
      await local.close();
      if (flags.json) console.log(JSON.stringify({ keyId: local.keyId, currentVersion: version }));
      else
        console.log(`master key rotated: version ${version} is now current (restart the server to use it)`);
    });
  kms
    .command('status')
    .description('list master-key versions')
    .option('--data-dir <dir>', 'data directory (env SECUREVOD_DATA_DIR)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { dataDir?: string; json?: boolean }) => {
      const dir = kmsDir(flags.dataDir);
      const local = await openLocalKms({ dir });
      const versions = await masterVersions(dir);
      await local.close();
      const current = versions.at(-1);
      if (flags.json) console.log(JSON.stringify({ keyId: local.keyId, versions, currentVersion: current }));
      else console.log(`${local.keyId}: versions ${versions.join(', ')}; current ${current}`);
    });
  return kms;
}
