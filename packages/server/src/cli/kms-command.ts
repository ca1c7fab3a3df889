/**
 * `securevod kms rotate|status --data-dir DIR`: operator commands on the local KMS. Rotation
 * adds a master-key version; blobs wrapped under older versions keep decrypting. A running
 * server picks the new version up at its next start or, in cluster mode (`SECUREVOD_REDIS_URL`
 * set for this command too), within a second: the command announces the rotation to every node.
 */
import { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, loadServerConfig } from '../config/server-config.js';
import { openLocalKms } from '../kms/local-kms.js';
import { publishInvalidation } from '../redis/redis-invalidation-bus.js';

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
      // Cluster mode: every node is told to reload its key ring (the server's Redis settings),
      // so a bad setting stops the command before it rotates anything.
      let redis;
      try {
        redis = loadServerConfig({ flags: {}, env: process.env, cwd: process.cwd() }).redis;
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        console.error(`securevod kms rotate: ${error.message}`);
        process.exit(2);
      }
      const dir = kmsDir(flags.dataDir);
      const local = await openLocalKms({ dir });
      const { version } = await local.rotate();
      await local.close();
      if (redis)
        await publishInvalidation(redis.url, redis.keyPrefix, { kind: 'kms-key', keyId: local.keyId });
      const reach = redis ? 'running nodes reload their key rings now' : 'restart the server to use it';
      if (flags.json)
        console.log(
          JSON.stringify({ keyId: local.keyId, currentVersion: version, announced: redis !== undefined }),
        );
      else console.log(`master key rotated: version ${version} is now current (${reach})`);
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
