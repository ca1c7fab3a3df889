/**
 * Starts the real `securevod server` binary as a child process on 127.0.0.1 (port 0) for
 * integration tests, so tests talk to it over HTTP exactly as users do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const SECUREVOD_BIN = join(REPO_ROOT, 'packages/server/bin/securevod.mjs');

export const TEST_ROOT_KEY = {
  accessKeyId: 'SVAKTESTROOT000000000001',
  accessKeySecret: 'test-root-secret-0123456789abcdef',
};

export interface ServerProcess {
  readonly url: string;
  readonly dataDir: string;
  readonly output: () => string;
  /** The server's process id (for its CPU time, or to kill it). */
  readonly pid: number;
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would: no drain, no hand-back of jobs; resolves once it has exited. */
  kill9(): Promise<void>;
}

export async function makeDataDir(prefix = 'securevod-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function startServerProcess(options: {
  dataDir: string;
  env?: Record<string, string>;
  args?: string[];
  /** Another checkout's `packages/server/bin/securevod.mjs` (default: this one's). */
  bin?: string;
  /** A command that runs the server, e.g. in its own mount namespace (support/read-only-view.ts). */
  launcher?: string[];
  /** How long it may take to listen (default 30 s; a cluster starting on a busy machine takes longer). */
  startTimeoutMs?: number;
}): Promise<ServerProcess> {
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const launcher = options.launcher ?? [];
  const child: ChildProcess = spawn(
    launcher[0] ?? process.execPath,
    [
      ...(launcher.length > 0 ? [...launcher.slice(1), process.execPath] : []),
      options.bin ?? SECUREVOD_BIN,
      'server',
      '--data-dir',
      options.dataDir,
      '--port',
      '0',
      '--json',
      ...(options.args ?? []),
    ],
    {
      cwd: options.bin ? join(options.bin, '..', '..', '..', '..') : REPO_ROOT,
      env: {
        ...process.env,
        SECUREVOD_ROOT_ACCESS_KEY_ID: TEST_ROOT_KEY.accessKeyId,
        SECUREVOD_ROOT_ACCESS_KEY_SECRET: TEST_ROOT_KEY.accessKeySecret,
        SECUREVOD_LOG_LEVEL: 'info',
        // Running jobs get 5 s to finish at SIGTERM (stop() kills after 10 s).
        SECUREVOD_SHUTDOWN_GRACE_MS: '5000',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // not left running behind a failed test
      reject(new Error(`server did not start in ${startTimeoutMs / 1000} s:\n${output}`));
    }, startTimeoutMs);
    const onData = () => {
      const line = output.split('\n').find((l) => l.includes('"event":"listening"'));
      if (line) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before listening:\n${output}`));
    });
  });

  let ending = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      // A server that dies on its own fails whatever test uses it next with a bare connection
      // error: say here why it died.
      if (!ending) {
        console.error(
          `[server-process] ${options.dataDir}: exited by itself (code ${code}, signal ${signal}); last output:\n${output.slice(-6000)}`,
        );
      }
      resolve(code);
    }),
  );
  return {
    url,
    dataDir: options.dataDir,
    output: () => output,
    pid: child.pid!,
    async kill9() {
      ending = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      ending = true;
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Every file under `dir` whose bytes contain `needle` (for "no key bytes on disk" checks). */
export async function filesContaining(dir: string, needles: Uint8Array[]): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (path: string): Promise<void> => {
    const info = await stat(path);
    if (info.isDirectory()) {
      for (const name of await readdir(path)) await walk(join(path, name));
      return;
    }
    const bytes = await readFile(path);
    for (const needle of needles) if (bytes.indexOf(Buffer.from(needle)) !== -1) hits.push(path);
  };
  await walk(dir);
  return hits;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
