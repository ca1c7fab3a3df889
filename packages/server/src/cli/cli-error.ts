/**
 * The one place where client commands turn a failure into what the user sees: one line on
 * stderr, `securevod <command>: <what went wrong>`, and an exit code.
 *
 * Exit codes: 0 done; 1 the work failed (server refused, unreachable, upload or transcoding
 * failed, unreadable file, no AccessKey); 2 usage error (bad flag value).
 */
import { ClientConfigError } from './client-config.js';
import { SourceUploadError } from './source-uploader.js';
import { ACCESS_KEY_ERROR_CODES, VodApiError, VodTransportError } from './vod-api-client.js';

export type ExitCode = 1 | 2;

/** A failure the command already put into words. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function describeCliError(error: unknown): { message: string; exitCode: ExitCode } {
  const line = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();
  if (error instanceof CliError || error instanceof ClientConfigError) {
    return { message: line(error.message), exitCode: error.exitCode };
  }
  if (error instanceof VodApiError) {
    if (ACCESS_KEY_ERROR_CODES.has(error.code)) {
      // The server's SignatureDoesNotMatch message echoes its string-to-sign: not useful here.
      return { message: `the server refused the AccessKey (${error.code})`, exitCode: 1 };
    }
    const id = error.requestId ? ` (RequestId ${error.requestId})` : '';
    return { message: line(`${error.action} failed: ${error.code}: ${error.message}${id}`), exitCode: 1 };
  }
  if (error instanceof VodTransportError) return { message: line(error.message), exitCode: 1 };
  if (error instanceof SourceUploadError)
    return { message: line(`upload failed: ${error.message}`), exitCode: 1 };
  return { message: line(error instanceof Error ? error.message : String(error)), exitCode: 1 };
}

/** For commander's `exitOverride`: its own exits for help and version succeed; anything else is a usage error. */
export function exitOnCommanderExit(error: { exitCode: number }): never {
  process.exit(error.exitCode === 0 ? 0 : 2);
}

/** Writes the line, lets stdout and stderr drain, and exits. */
export async function exitWithError(command: string, error: unknown): Promise<never> {
  const { message, exitCode } = describeCliError(error);
  process.stderr.write(`securevod ${command}: ${message}\n`);
  return exitAfterFlush(exitCode);
}

/**
 * Exits once pending output is written. Exiting explicitly also ends ali-oss's keep-alive
 * sockets and progress-bar timers that would otherwise hold the process open.
 */
export async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all([
    new Promise<void>((r) => process.stdout.write('', () => r())),
    new Promise<void>((r) => process.stderr.write('', () => r())),
  ]);
  process.exit(code);
}
