/** `securevod server`: runs the service (all roles by default) until SIGTERM/SIGINT. */
import { Command } from 'commander';
import { relative } from 'node:path';
import { ConfigError, loadServerConfig } from '../config/server-config.js';
import { startServer } from '../server.js';
import { BUILD_BUNDLES_COMMAND } from '../static-routes.js';

export function serverCommand(): Command {
  return new Command('server')
    .description('run the securevod service (API, key service, media delivery, worker)')
    .option('--data-dir <dir>', 'data directory (env SECUREVOD_DATA_DIR)', undefined)
    .option('--host <host>', 'address to listen on (env SECUREVOD_HOST)', undefined)
    .option('--port <port>', 'port to listen on, 0 for any (env SECUREVOD_PORT)', undefined)
    .option('--roles <roles>', 'comma-separated subset of api,keys,media,worker (env SECUREVOD_ROLES)')
    .option('--json', 'print the startup summary as one JSON line')
    .action(
      async (flags: { dataDir?: string; host?: string; port?: string; roles?: string; json?: boolean }) => {
        let config;
        try {
          config = loadServerConfig({ flags, env: process.env, cwd: process.cwd() });
        } catch (error) {
          if (error instanceof ConfigError) {
            console.error(`securevod server: ${error.message}`);
            process.exit(2);
          }
          throw error;
        }
        const server = await startServer(config);
        const summary = {
          url: server.url,
          dataDir: config.dataDir,
          rootAccessKeyId: server.rootAccessKey.accessKeyId,
          rootCredentials:
            server.rootAccessKey.source === 'environment' ? 'environment' : server.rootCredentialsFile,
          // Only pages the server can serve are advertised (null: not built).
          consoleUrl: server.bundles.console ? `${server.url}/console/` : null,
          demoUrl: server.bundles.sdk ? `${server.url}/demo/player.html` : null,
        };
        if (flags.json) {
          console.log(JSON.stringify({ event: 'listening', ...summary }));
        } else {
          console.log(`securevod listening on ${server.url}`);
          console.log(`  data dir:        ${relative(process.cwd(), config.dataDir) || '.'}`);
          console.log(
            `  root AccessKey:  ${summary.rootAccessKeyId} (secret ${
              server.rootAccessKey.source === 'environment'
                ? 'from SECUREVOD_ROOT_ACCESS_KEY_SECRET'
                : `in ${relative(process.cwd(), server.rootCredentialsFile)}`
            })`,
          );
          console.log(`  health:          ${server.url}/healthz`);
          const notBuilt = `not built: run \`${BUILD_BUNDLES_COMMAND}\`, then restart`;
          console.log(`  console:         ${summary.consoleUrl ?? notBuilt}`);
          console.log(`  demo player:     ${summary.demoUrl ?? notBuilt}`);
        }

        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          server.app.log.info({ signal }, 'shutting down');
          server.close().then(
            () => process.exit(0),
            (error: unknown) => {
              console.error('securevod server: error during shutdown', error);
              process.exit(1);
            },
          );
        };
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.on('SIGINT', () => stop('SIGINT'));
      },
    );
}
