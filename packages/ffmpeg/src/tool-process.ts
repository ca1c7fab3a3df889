import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FfmpegError } from './ffmpeg-error.js';

/**
 * Runs ffmpeg or ffprobe as a child process: the one place that spawns, kills and maps spawn
 * failures. Used by `runFfmpeg` and `probe`; not exported from the package.
 *
 * Contract: the promise settles only after the child has exited, so "rejected" always means
 * "no process left behind". It resolves with the exit status (callers map non-zero exits to their
 * own error codes) and rejects only with `NotFound` (binary missing) or `Aborted` (the signal
 * fired: SIGTERM, then SIGKILL after `killGraceMs`).
 */
export interface ToolRunOptions {
  /** Used in messages: "ffmpeg" or "ffprobe". */
  toolName: string;
  /** Environment variable that points at the binary, named in the NotFound message. */
  pathEnvName: string;
  signal?: AbortSignal;
  /** How long to wait after SIGTERM before SIGKILL. Default 5000 ms. */
  killGraceMs?: number;
  /** Receives stdout as UTF-8 text chunks (may split lines). */
  onStdout?: (chunk: string) => void;
  /** Receives stdout as raw bytes instead (e.g. `-f rawvideo pipe:1`); excludes `onStdout`. */
  onStdoutBytes?: (chunk: Buffer) => void;
  /**
   * Bytes written to the child's stdin (e.g. a clear fMP4 read from storage, so nothing clear
   * touches disk); stdin is closed at its end. Without it, stdin is ignored. A failing source
   * kills the child and the run rejects with its error.
   */
  stdin?: AsyncIterable<Uint8Array>;
  /** Receives every complete stderr line (without the line break). */
  onStderrLine?: (line: string) => void;
  /** How many trailing stderr lines to keep. Default 50. */
  stderrTailLines?: number;
}

export interface ToolRunResult {
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  stderrTail: string[];
}

export const DEFAULT_KILL_GRACE_MS = 5000;
const DEFAULT_TAIL_LINES = 50;

export function runTool(
  binaryPath: string,
  args: readonly string[],
  opts: ToolRunOptions,
): Promise<ToolRunResult> {
  const { signal, toolName } = opts;
  if (signal?.aborted) {
    return Promise.reject(abortedError(toolName, signal, []));
  }
  const tailLimit = opts.stderrTailLines ?? DEFAULT_TAIL_LINES;

  return new Promise<ToolRunResult>((resolve, reject) => {
    const tail: string[] = [];
    let pendingStderr = '';
    let aborted = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const child = spawn(binaryPath, args, {
      stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
    let stdinError: unknown;
    if (opts.stdin && child.stdin) {
      const sink = child.stdin;
      // ffmpeg may stop reading early (EPIPE) once it has what it needs; that is not an error.
      sink.on('error', () => undefined);
      pipeline(Readable.from(opts.stdin), sink).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
        stdinError = err;
        child.kill('SIGKILL');
      });
    }

    const pushLine = (line: string): void => {
      tail.push(line);
      if (tail.length > tailLimit) tail.shift();
      opts.onStderrLine?.(line);
    };

    if (opts.onStdoutBytes) {
      const onBytes = opts.onStdoutBytes;
      child.stdout.on('data', (chunk: Buffer) => onBytes(chunk));
    } else {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => opts.onStdout?.(chunk));
    }
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const lines = (pendingStderr + chunk).split(/\r\n|\r|\n/);
      pendingStderr = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') pushLine(line);
    });

    const onAbort = (): void => {
      if (aborted || child.exitCode !== null || child.signalCode !== null) return;
      aborted = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    // 'error' comes before 'close' when the binary cannot be spawned; 'close' always follows
    // (once stdio is closed), so settling happens in exactly one place.
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
    });
    child.on('close', (exitCode, exitSignal) => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (pendingStderr.trim() !== '') pushLine(pendingStderr);

      if (spawnError && (spawnError.code === 'ENOENT' || spawnError.code === 'EACCES')) {
        reject(
          new FfmpegError(
            'NotFound',
            `${toolName} binary "${binaryPath}" was not found or is not executable (${spawnError.code}). ` +
              `Install ffmpeg or set ${opts.pathEnvName} to the full path of the ${toolName} binary.`,
            { cause: spawnError },
          ),
        );
      } else if (spawnError) {
        reject(
          new FfmpegError('FfmpegFailed', `${toolName} could not be started: ${spawnError.message}`, {
            cause: spawnError,
          }),
        );
      } else if (stdinError !== undefined) {
        reject(stdinError instanceof Error ? stdinError : new Error(String(stdinError)));
      } else if (aborted) {
        reject(abortedError(toolName, signal, tail, exitCode));
      } else {
        resolve({ exitCode, exitSignal, stderrTail: tail });
      }
    });
  });
}

function abortedError(
  toolName: string,
  signal: AbortSignal | undefined,
  tail: string[],
  exitCode: number | null = null,
): FfmpegError {
  return new FfmpegError('Aborted', `${toolName} was aborted`, {
    exitCode,
    stderrTail: tail.join('\n'),
    cause: signal?.reason,
  });
}

/**
 * A one-line reason from a stderr tail: the last line that says something, skipping ffmpeg's
 * generic trailer ("Conversion failed!").
 */
export function summarizeStderr(tail: readonly string[]): string {
  for (let i = tail.length - 1; i >= 0; i--) {
    const line = tail[i]?.trim();
    if (line && line !== 'Conversion failed!') return line;
  }
  return 'no error output';
}
