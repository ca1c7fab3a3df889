/**
 * What the long-running commands (`securevod server`, `securevod worker`) share: the options
 * that configure a service process, reading them once through `loadServerConfig` (a bad value
 * exits 2 with the messages naming each setting), and a graceful stop on SIGTERM/SIGINT.
 */
import type { Command } from 'commander';
import {
  ConfigError,
  loadServerConfig,
  type ServerConfig,
  type ServerFlags,
} from '../config/server-config.js';
import type { RunningServer } from '../server.js';

export interface ServiceFlags extends ServerFlags {
  json?: boolean;
}

/** `--data-dir`, `--host`, `--port`, `--json`; `portHelp` says what the port serves. */
export function addServiceOptions(command: Command, options: { portHelp: string }): Command {
  return command
    .option('--data-dir <dir>', 'data directory (env SECUREVOD_DATA_DIR, default ./data)')
    .option('--host <host>', 'address to listen on (env SECUREVOD_HOST, default 127.0.0.1)')
    .option('--port <port>', options.portHelp)
    .option('--json', 'print the startup summary as one JSON line');
}

/** The validated configuration, or the problems on stderr and exit code 2. */
export function loadServiceConfig(command: string, flags: ServerFlags): ServerConfig {
  try {
    return loadServerConfig({ flags, env: process.env, cwd: process.cwd() });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`securevod ${command}: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

/** Stops the service on SIGTERM/SIGINT: in-flight work finishes (jobs get a grace period), exit 0. */
export function stopOnSignals(command: string, server: RunningServer): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`securevod ${command}: error during shutdown`, error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
