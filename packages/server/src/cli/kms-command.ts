/**
 * `securevod kms rotate|status`: operator commands on the configured KMS — the local key ring
 * (`--kms-dir`, SECUREVOD_KMS_DIR, default `<data dir>/kms`) or the HSM (SECUREVOD_KMS=pkcs11).
 * Rotation adds a master-key version; blobs wrapped under older versions keep decrypting.
 * Servers encrypt under the version that was current when they started and decrypt newer ones
 * as soon as a blob names them, so restart them (one by one) after a rotation — or, in cluster
 * mode (SECUREVOD_REDIS_URL set for this command as for the servers), the command announces the
 * rotation and nodes that see the new key file reload it at once (shared/invalidation-wiring.ts).
 * A node whose key ring is mounted read-only refuses to rotate: run this where the key ring is
 * written.
 *
 * The data dir and key ring are found as the server finds them (`loadServerConfig`, whose data
 * dir comes from config/data-dir.ts). A mistyped --data-dir must not quietly create a new key
 * ring (status would report a key nothing was encrypted with, rotate would add a version no
 * server sees): only `rotate --kms-dir DIR` creates one (see `kmsConfig`).
 */
import { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import { relative } from 'node:path';
import { DATA_DIR_ENV } from '../config/data-dir.js';
import { loadServerConfig, ConfigError, type ServerConfig } from '../config/server-config.js';
import { KmsError } from '../kms/kms.js';
import { openKms } from '../open-adapters.js';
import { CliError, exitAfterFlush, exitWithError } from './cli-error.js';

interface KmsFlags {
  dataDir?: string;
  kmsDir?: string;
  json?: boolean;
}

/**
 * The KMS configuration, as the server reads it. `creating`: the command may create a missing
 * local key ring — only `rotate` with the key ring named explicitly (--kms-dir or
 * SECUREVOD_KMS_DIR: the operator making a shared key ring where it is written). A key ring
 * derived from the data dir must exist, so a mistyped data dir is an error, not a new key ring.
 */
async function kmsConfig(flags: KmsFlags, command: 'rotate' | 'status'): Promise<ServerConfig['kms']> {
  const env = { ...process.env, ...(flags.kmsDir !== undefined ? { SECUREVOD_KMS_DIR: flags.kmsDir } : {}) };
  let config: ServerConfig['kms'];
  try {
    config = loadServerConfig({ flags: { dataDir: flags.dataDir }, env, cwd: process.cwd() }).kms;
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, 2);
    throw error;
  }
  const named = (env.SECUREVOD_KMS_DIR ?? '').trim() !== '';
  const creating = command === 'rotate' && named;
  if (config.kind === 'local' && !creating && !(await hasMasterKeys(config.dir))) {
    const where = named
      ? '--kms-dir / SECUREVOD_KMS_DIR must name an existing key ring'
      : `--data-dir / ${DATA_DIR_ENV} must name the data directory of a server that has started at least once`;
    throw new CliError(
      `no local KMS key ring in ${relative(process.cwd(), config.dir) || '.'}: ${where} (now: ${config.dir})`,
      2,
    );
  }
  return config;
}

async function hasMasterKeys(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((name) => /^master-v\d+\.key$/.test(name));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}

function withOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'data directory (env SECUREVOD_DATA_DIR); the key ring defaults to DIR/kms')
    .option('--kms-dir <dir>', 'the local key ring (env SECUREVOD_KMS_DIR)')
    .option('--json', 'print the result as JSON');
}

export function kmsCommand(): Command {
  const kms = new Command('kms').description('manage the KMS master keys (local key ring or HSM)');
  withOptions(
    kms.command('rotate').description('create a new master-key version (older blobs still decrypt)'),
  ).action(async (flags: KmsFlags) => {
    try {
      const config = await kmsConfig(flags, 'rotate');
      // Cluster mode: the rotation is announced on the nodes' Redis (same settings as theirs).
      let redis: ServerConfig['redis'];
      try {
        redis = loadServerConfig({
          flags: { dataDir: flags.dataDir },
          env: process.env,
          cwd: process.cwd(),
        }).redis;
      } catch (error) {
        if (error instanceof ConfigError) throw new CliError(error.message, 2);
        throw error;
      }
      const opened = await openKms(config);
      try {
        const { version } = await opened.rotate();
        if (redis) {
          const { publishInvalidation } = await import('../redis/redis-invalidation-bus.js');
          await publishInvalidation(redis.url, redis.keyPrefix, { kind: 'kms-key', keyId: opened.keyId });
        }
        if (flags.json) {
          console.log(
            JSON.stringify({ keyId: opened.keyId, currentVersion: version, announced: redis !== undefined }),
          );
        } else {
          console.log(
            `master key rotated: version ${version} of ${opened.keyId} is now current ` +
              (redis
                ? '(announced: running nodes that see the new key file reload it now)'
                : '(restart the servers to encrypt under it; they decrypt it already)'),
          );
        }
      } finally {
        await opened.close();
      }
    } catch (error) {
      if (error instanceof KmsError && error.code === 'RotationNotAllowed') {
        await exitWithError('kms rotate', new CliError(error.message));
      }
      await exitWithError('kms rotate', error);
    }
    await exitAfterFlush(0);
  });
  withOptions(kms.command('status').description('list master-key versions')).action(
    async (flags: KmsFlags) => {
      try {
        const config = await kmsConfig(flags, 'status');
        const opened = await openKms(config);
        const versions = opened.versions();
        const writable = 'writable' in opened ? opened.writable : undefined;
        await opened.close();
        const current = versions.at(-1);
        const where = config.kind === 'local' ? config.dir : `${config.modulePath} (${config.keyLabel})`;
        if (flags.json) {
          console.log(
            JSON.stringify({
              keyId: opened.keyId,
              kind: config.kind,
              location: where,
              versions,
              currentVersion: current,
              ...(writable !== undefined ? { writable } : {}),
            }),
          );
        } else {
          console.log(`${opened.keyId}: versions ${versions.join(', ')}; current ${current}`);
          console.log(
            `  ${where}${writable === false ? ' (read-only on this node: rotate where it is written)' : ''}`,
          );
        }
      } catch (error) {
        await exitWithError('kms status', error);
      }
      await exitAfterFlush(0);
    },
  );
  return kms;
}
