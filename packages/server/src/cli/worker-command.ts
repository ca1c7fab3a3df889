/**
 * `securevod worker`: the worker role alone — takes transcoding and callback jobs from the queue
 * in the shared database and runs them — to scale transcoding out next to a server started with
 * `--roles api,keys,media`. It uses the same configuration as `securevod server` (data dir,
 * database, KMS, ffmpeg), and listens only for `/healthz`, on any free port unless `--port` says
 * otherwise: SECUREVOD_PORT usually belongs to the server on the same machine.
 */
import { Command } from 'commander';
import { relative } from 'node:path';
import { startServer } from '../server.js';
import { addServiceOptions, loadServiceConfig, stopOnSignals, type ServiceFlags } from './service-runner.js';

export function workerCommand(): Command {
  const command = new Command('worker').description(
    'run only the transcoding worker (start several to scale transcoding out)',
  );
  addServiceOptions(command, { portHelp: 'port of the /healthz endpoint (default 0: any free port)' });
  return command
    .addHelpText(
      'after',
      `
The worker must see what the server sees: the same master keys (SECUREVOD_KMS_DIR or the data
dir's kms/, or the same HSM with SECUREVOD_KMS=pkcs11), the same object storage (SECUREVOD_S3_*,
or the data dir's storage/ on a shared mount) and the same SECUREVOD_DATABASE_URL if PostgreSQL is
used. Jobs are claimed with leases, so any number of workers may run at once.`,
    )
    .action(async (flags: Omit<ServiceFlags, 'roles'>) => {
      const config = loadServiceConfig('worker', {
        dataDir: flags.dataDir,
        host: flags.host,
        port: flags.port ?? '0',
        roles: 'worker',
      });
      const worker = await startServer(config);
      const dataDir = relative(process.cwd(), config.dataDir) || '.';
      if (flags.json) {
        console.log(
          JSON.stringify({
            event: 'listening',
            url: worker.url,
            dataDir: config.dataDir,
            roles: config.roles,
          }),
        );
      } else {
        console.log(
          `securevod worker running (transcoding jobs from ${config.databaseUrl ? 'PostgreSQL' : 'SQLite'})`,
        );
        console.log(`  data dir:  ${dataDir}`);
        console.log(`  health:    ${worker.url}/healthz`);
      }
      stopOnSignals('worker', worker);
    });
}
