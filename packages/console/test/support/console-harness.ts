/**
 * Everything a console browser run needs: the built console (and player SDK), the real securevod
 * server with a temp data dir, and a `ConsoleHost` in front of it so that the console, the API,
 * uploads and media share one origin. Used by the console's browser tests and by
 * `scripts/console-screenshots.mjs`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VodClient } from '../../src/api/vod-client.js';
import {
  makeDataDir,
  REPO_ROOT,
  removeDir,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../../../server/test/support/server-process.js';
import { serverServesConsole, startConsoleHost, type ConsoleHost } from './console-host.js';

export { TEST_ROOT_KEY };

export const CONSOLE_DIST = join(REPO_ROOT, 'packages', 'console', 'dist');

export interface ConsoleHarness {
  readonly server: ServerProcess;
  /** Where the server itself listens (`server.url` is its public URL: the host). */
  readonly serverUrl: string;
  readonly host: ConsoleHost;
  /** The console's sign-in URL. */
  readonly consoleUrl: string;
  /** A Node client signed with the root key, for arranging and checking state. */
  readonly vod: VodClient;
  /** False when the server answers InvalidApi.NotFound for `action` (probed without signing). */
  actionAvailable(action: string): Promise<boolean>;
  /**
   * Fails — never skips — when the server lacks an action a console step uses: the console ships
   * with the server, so a missing action is a bug, and a skipped step would hide it.
   */
  requireActions(...actions: string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs the build scripts (each builds only when its output is missing or stale). The console
 * must build; a failed player-SDK build only costs the playback steps, which then fail on their
 * own check that the server serves the SDK.
 */
export function ensureBuilt(): void {
  const run = (script: string) =>
    spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', script), '--quiet'], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
  if (existsSync(join(REPO_ROOT, 'scripts', 'build-sdk.mjs'))) {
    const sdk = run('build-sdk.mjs');
    if (sdk.status !== 0)
      console.error(`[console tests] scripts/build-sdk.mjs failed (${sdk.status}); playback will fail`);
  }
  const built = run('build-console.mjs');
  if (built.status !== 0) throw new Error(`scripts/build-console.mjs failed with exit code ${built.status}`);
}

export async function startConsoleHarness(
  options: { env?: Record<string, string> } = {},
): Promise<ConsoleHarness> {
  ensureBuilt();
  const dataDir = await makeDataDir('securevod-console-');
  const host = await startConsoleHost({ distDir: CONSOLE_DIST });
  let server: ServerProcess;
  try {
    server = await startServerProcess({
      dataDir,
      env: { SECUREVOD_PUBLIC_URL: host.url, SECUREVOD_X264_PRESET: 'ultrafast', ...options.env },
    });
  } catch (error) {
    await host.close();
    await removeDir(dataDir);
    throw error;
  }
  // `server.url` is the public URL (this host); the address it listens on is in Fastify's log.
  // The log is written asynchronously: it may trail the "listening" event by a moment.
  let listening: string | undefined;
  for (let waited = 0; !listening && waited < 10_000; waited += 50) {
    listening = /Server listening at (http:\/\/[^\s"]+)/.exec(server.output())?.[1];
    if (!listening) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!listening) {
    await server.stop();
    await host.close();
    await removeDir(dataDir);
    throw new Error(`cannot find the server's listening address in its output:\n${server.output()}`);
  }
  host.setUpstream(listening, { proxyConsole: await serverServesConsole(listening) });
  const vod = new VodClient({ endpoint: listening, ...TEST_ROOT_KEY });
  const actionAvailable = async (action: string) => {
    // Unknown actions of a known Version are answered before authentication; known ones fail on
    // the missing signature without running. Without Version the answer is MissingParameter for
    // every action, which would make this check pass for actions the server lacks.
    const query = new URLSearchParams({ Action: action, Version: '2017-03-21' });
    const res = await fetch(`${listening}/?${query}`);
    const body = (await res.json()) as { Code?: string };
    return body.Code !== 'InvalidApi.NotFound';
  };
  return {
    server,
    serverUrl: listening,
    host,
    consoleUrl: `${host.url}/console/`,
    vod,
    actionAvailable,
    async requireActions(...actions) {
      for (const action of actions) {
        assert.ok(
          await actionAvailable(action),
          `the server does not implement ${action} (InvalidApi.NotFound), which this console step uses`,
        );
      }
    },
    async close() {
      await server.stop();
      await host.close();
      await removeDir(dataDir);
    },
  };
}
