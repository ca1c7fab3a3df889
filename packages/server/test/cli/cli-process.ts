/**
 * Runs the real `securevod` binary for CLI tests: one-shot commands (`runCli`) and the
 * long-running worker (`startWorkerProcess`). The child's environment starts from the test
 * runner's with every SECUREVOD_* variable removed, so a developer's shell cannot leak in.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { REPO_ROOT, SECUREVOD_BIN, TEST_ROOT_KEY } from '../support/server-process.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Non-empty stderr lines. */
  readonly stderrLines: string[];
}

export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('SECUREVOD_') && value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) env[name] = value;
  return env;
}

/** The AccessKey of the test servers, as the CLI reads it from the environment. */
export const ROOT_KEY_ENV = {
  SECUREVOD_ACCESS_KEY_ID: TEST_ROOT_KEY.accessKeyId,
  SECUREVOD_ACCESS_KEY_SECRET: TEST_ROOT_KEY.accessKeySecret,
};

export async function runCli(
  args: string[],
  options: {
    cwd: string;
    env?: Record<string, string | undefined>;
    timeoutMs?: number;
    /** A command that runs the CLI, e.g. in its own mount namespace (support/read-only-view.ts). */
    launcher?: string[];
  },
): Promise<CliResult> {
  const launcher = options.launcher ?? [];
  const argv = [SECUREVOD_BIN, ...args];
  const child = spawn(
    launcher[0] ?? process.execPath,
    launcher.length > 0 ? [...launcher.slice(1), process.execPath, ...argv] : argv,
    {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  const stderrLines = stderr.split('\n').filter((l) => l.trim() !== '');
  return { code, stdout, stderr, stderrLines };
}

export interface WorkerProcess {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<number | null>;
}

export async function startWorkerProcess(options: {
  dataDir: string;
  env?: Record<string, string>;
}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [SECUREVOD_BIN, 'worker', '--data-dir', options.dataDir, '--json'], {
    cwd: REPO_ROOT,
    env: cleanEnv({
      SECUREVOD_ROOT_ACCESS_KEY_ID: TEST_ROOT_KEY.accessKeyId,
      SECUREVOD_ROOT_ACCESS_KEY_SECRET: TEST_ROOT_KEY.accessKeySecret,
      ...options.env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in 30 s:\n${output}`)), 30_000);
    const onData = () => {
      const line = output.split('\n').find((l) => l.includes('"event":"listening"'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with code ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A local port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
