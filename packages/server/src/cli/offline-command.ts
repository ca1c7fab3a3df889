/**
 * `securevod offline info|decrypt|play`: offline packages (secure downloads, DESIGN §6) on the
 * command line, opened the way the SDKs open them (see `offline-package-opener.ts`).
 *   info     the header only — what the package is; needs no key
 *   decrypt  the plain MP4, written through FILE.part and renamed; any failure leaves no file
 *   play     a local HTTP server (127.0.0.1, Range support) decrypting chunks on demand
 *   renew    a rental's licence, online (offline-renew.ts)
 * A rental (format 2) whose licence has expired by this machine's clock opens for neither.
 * Configuration (flags, SECUREVOD_APP_DECRYPT_KEY) is read here, once, and passed down.
 */
import { PACKAGE_MAX_HEADER_LENGTH, readPackageHeader, type PackageHeader } from '@securevod/crypto';
import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import {
  CliError,
  exitAfterFlush,
  exitWithError,
  describeCliError,
  exitOnCommanderExit,
} from './cli-error.js';
import { openFilePackageSource } from './file-package-source.js';
import { openOfflinePackage, packageFailure, type OfflinePackage } from './offline-package-opener.js';
import { startOfflinePlayServer } from './offline-play-server.js';
import { renewSubcommand } from './offline-renew.js';
import { writeThroughPartialFile } from './partial-output-file.js';
import { createProgressReporter, formatBytes, progressMode } from './progress-reporter.js';
import { APP_DECRYPT_KEY_ENV, resolveAppDecryptKey } from './secret-prompt.js';

interface OpenFlags {
  keyFile: string;
  appDecryptKey?: string;
  appIdentification: string;
  revocations?: string;
  json?: boolean;
}

export function offlineCommand(): Command {
  const offline = new Command('offline')
    .description('inspect, decrypt or play offline packages (secure downloads)')
    .exitOverride(exitOnCommanderExit);

  offline
    .command('info')
    .description('show what a package is (its header); needs no key')
    .argument('<file>', 'the offline package')
    .option('--json', 'print one JSON object on stdout')
    .action(async (file: string, flags: { json?: boolean }) => {
      try {
        await runInfo(file, flags.json === true);
      } catch (error) {
        await exitWithError('offline info', error);
      }
    });

  withOpenOptions(
    offline
      .command('decrypt')
      .description('decrypt a package to the plain MP4 it holds')
      .argument('<file>', 'the offline package')
      .requiredOption('-o, --output <file>', 'the MP4 to write (via FILE.part; nothing is left on failure)'),
  ).action(async (file: string, flags: OpenFlags & { output: string }) => {
    try {
      await runDecrypt(file, flags);
    } catch (error) {
      await exitWithError('offline decrypt', error);
    }
  });

  withOpenOptions(
    offline
      .command('play')
      .description('serve the decrypted MP4 on 127.0.0.1 (Range support) until Ctrl-C')
      .argument('<file>', 'the offline package')
      .option('--port <n>', 'local port (default: any free port)', parsePort),
  ).action(async (file: string, flags: OpenFlags & { port?: number }) => {
    try {
      await runPlay(file, flags);
    } catch (error) {
      await exitWithError('offline play', error);
    }
  });
  renewSubcommand(offline);
  return offline;
}

function withOpenOptions(command: Command): Command {
  return command
    .requiredOption(
      '--key-file <file>',
      "the app's key file (raw bytes, or the base64 AppEncryptKey as text)",
    )
    .requiredOption(
      '--app-identification <id>',
      "the app's own identification (bundle ID, fingerprint, origin, …)",
    )
    .option(
      '--app-decrypt-key <key>',
      `the app's AppDecryptKey (prefer env ${APP_DECRYPT_KEY_ENV}: a flag shows in the process list)`,
    )
    .option(
      '--revocations <url>',
      'server URL: refuse the package if its secret version is revoked (proceeds when unreachable)',
      parseHttpUrl,
    )
    .option('--json', 'print one JSON object on stdout, no progress output')
    .addHelpText(
      'after',
      `
AppDecryptKey: --app-decrypt-key, else ${APP_DECRYPT_KEY_ENV}, else a hidden prompt when stdin is a terminal.
Exit codes: 0 done, 1 failed (not licensed, tampered, truncated, revoked, unreadable), 2 usage error.`,
    );
}

async function runInfo(file: string, json: boolean): Promise<void> {
  const source = await openFilePackageSource(file);
  let header: PackageHeader;
  try {
    header = readPackageHeader(await source.read(0, Math.min(source.size, PACKAGE_MAX_HEADER_LENGTH)));
  } catch (error) {
    throw packageFailure(error, { file });
  } finally {
    await source.close();
  }
  const complete = source.size === header.packageLength;
  if (json) {
    process.stdout.write(`${JSON.stringify({ file, ...header, fileSize: source.size, complete })}\n`);
  } else {
    const state = complete
      ? 'complete'
      : source.size < header.packageLength
        ? `truncated: ${source.size} of ${header.packageLength} bytes`
        : `${source.size - header.packageLength} bytes too long`;
    const rows = [
      ['VideoId', header.videoId],
      ['definition', header.definition],
      ['app', header.appIdentification],
      ['secret version', String(header.secretVersion)],
      ['video size', `${formatBytes(header.plaintextLength)} (${header.plaintextLength} bytes)`],
      ['package size', `${formatBytes(header.packageLength)} (${header.packageLength} bytes, ${state})`],
      ['chunks', `${header.chunkCount} × ${formatBytes(header.chunkSize)}`],
      [
        'licence',
        header.licenseExpiresAt === undefined
          ? 'none (never expires)'
          : `until ${new Date(header.licenseExpiresAt * 1000).toISOString()}${header.licenseExpiresAt * 1000 <= Date.now() ? ' (expired)' : ''}`,
      ],
    ];
    process.stdout.write(`${file}: securevod offline package, format ${header.formatVersion}\n`);
    for (const [name, value] of rows) process.stdout.write(`  ${name!.padEnd(15)}${value}\n`);
    process.stdout.write('  (header fields are authenticated only when the package is opened)\n');
  }
  await exitAfterFlush(0);
}

async function openFromFlags(file: string, flags: OpenFlags, command: string): Promise<OfflinePackage> {
  const appDecryptKey = await resolveAppDecryptKey({
    flag: flags.appDecryptKey,
    env: process.env,
    io: { input: process.stdin, output: process.stderr },
    flagName: '--app-decrypt-key',
  });
  return openOfflinePackage({
    packageFile: file,
    keyFile: flags.keyFile,
    appDecryptKey,
    appIdentification: flags.appIdentification,
    revocations: flags.revocations,
    warn: (line) => process.stderr.write(`securevod ${command}: ${line}\n`),
  });
}

async function runDecrypt(file: string, flags: OpenFlags & { output: string }): Promise<void> {
  if (resolve(file) === resolve(flags.output)) {
    throw new CliError('-o must name another file than the package', 2);
  }
  const pkg = await openFromFlags(file, flags, 'offline decrypt');
  const { header } = pkg;
  const bar = createProgressReporter(
    progressMode({ json: flags.json === true, stream: process.stderr }),
    'decrypt',
    'bytes',
    process.stderr,
  );
  try {
    bar.start(header.plaintextLength);
    await writeThroughPartialFile(flags.output, async (sink) => {
      for (let index = 0; index < header.chunkCount; index++) {
        const chunk = await pkg.readChunk(index);
        await sink.write(chunk);
        chunk.fill(0);
        bar.update(sink.bytesWritten);
      }
      if (sink.bytesWritten !== header.plaintextLength) {
        throw new CliError(
          `the package is truncated: it held ${sink.bytesWritten} of ${header.plaintextLength} bytes`,
        );
      }
    });
  } finally {
    bar.stop();
    await pkg.close();
  }
  if (flags.json) {
    const result = {
      file: flags.output,
      videoId: header.videoId,
      definition: header.definition,
      appIdentification: header.appIdentification,
      secretVersion: header.secretVersion,
      size: header.plaintextLength,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(
      `${file} → ${flags.output} (video ${header.videoId}, ${header.definition}, ${formatBytes(header.plaintextLength)})\n`,
    );
  }
  await exitAfterFlush(0);
}

async function runPlay(file: string, flags: OpenFlags & { port?: number }): Promise<void> {
  const pkg = await openFromFlags(file, flags, 'offline play');
  const { header, opened } = pkg;
  const server = await startOfflinePlayServer({
    source: { size: header.plaintextLength, pieceSize: header.chunkSize, read: opened.read },
    host: '127.0.0.1',
    port: flags.port ?? 0,
    fileName: `${header.videoId}-${header.definition}.mp4`,
    // A damaged chunk found while serving: the package cannot be trusted; stop.
    onReadError: (error) => void exitWithError('offline play', packageFailure(error, { file })),
  }).catch(async (error: unknown) => {
    await pkg.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot listen on 127.0.0.1:${flags.port ?? 0}: ${code ?? describeCliError(error).message}`,
    );
  });

  if (flags.json) {
    const event = {
      event: 'listening',
      url: server.url,
      videoId: header.videoId,
      definition: header.definition,
    };
    process.stdout.write(`${JSON.stringify(event)}\n`);
  } else {
    process.stdout.write(`${server.url}\n`);
    process.stderr.write(`playing ${file} (video ${header.videoId}, ${header.definition}); Ctrl-C stops\n`);
  }
  const stop = async () => {
    await server.close();
    await pkg.close();
    await exitAfterFlush(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return port;
}

function parseHttpUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InvalidArgumentError('must be an http:// or https:// URL, e.g. http://127.0.0.1:8080');
  }
  return value;
}
