/**
 * `securevod download VIDEO_ID -o FILE`: a download as an app backend and its app make it
 * (DESIGN §6) — GetVideoPlayAuth with the AccessKey, then GET /download/<vid> with that PlayAuth.
 * In the account's Normal mode the result is the plain MP4; in Secure mode an offline package for
 * `--app-identification`, to open with `securevod offline` or an SDK. The body goes to FILE.part
 * and is renamed only when complete; progress (from Content-Length) goes to stderr.
 */
import {
  PACKAGE_MAX_HEADER_LENGTH,
  PackageError,
  readPackageHeader,
  type PackageHeader,
} from '@securevod/crypto';
import { Command } from 'commander';
import { trimmedNonEmpty as nonEmpty } from './cli-options.js';
import { CliError, exitAfterFlush, exitWithError, exitOnCommanderExit } from './cli-error.js';
import { loadClientConfig, type ClientFlags } from './client-config.js';
import { requestDownload, type DownloadResponse } from './download-endpoint-client.js';
import { parseSeconds } from './offline-renew.js';
import { writeThroughPartialFile } from './partial-output-file.js';
import { createProgressReporter, formatBytes, progressMode } from './progress-reporter.js';
import { VodApiClient, VodApiError, VodTransportError } from './vod-api-client.js';

interface DownloadFlags extends ClientFlags {
  output: string;
  appIdentification?: string;
  definition?: string;
  licenseDuration?: number;
  trace?: string;
  json?: boolean;
}

export function downloadCommand(): Command {
  return new Command('download')
    .description('download a video: the plain MP4 (Normal mode) or an offline package (Secure mode)')
    .argument('<videoId>', 'the video')
    .requiredOption('-o, --output <file>', 'where to write it (via FILE.part; nothing is left on failure)')
    .option('--app-identification <id>', 'Secure mode: the app that will open the package', nonEmpty)
    .option('--definition <def>', 'LD, SD, HD, FHD, … (default: the first stream)', nonEmpty)
    .option(
      '--license-duration <seconds>',
      "Secure mode: a rental whose licence ends this long from now (default: the account's LicenseDuration)",
      parseSeconds,
    )
    .option(
      '--trace <id>',
      'traced videos: the trace ID of this download (letters and digits; default: generated)',
      nonEmpty,
    )
    .option('--json', 'print one JSON object on stdout at the end, no progress output')
    .option('--endpoint <url>', 'server URL (env SECUREVOD_ENDPOINT, default http://127.0.0.1:8080)')
    .option('--credentials <file>', 'JSON file with {"accessKeyId", "accessKeySecret"}')
    .addHelpText(
      'after',
      `
AccessKey: as for "securevod upload" (--credentials, SECUREVOD_ACCESS_KEY_ID/_SECRET, data/root-credentials.json).

Exit codes: 0 done, 1 failed (downloads off, app not registered, server refused or unreachable), 2 usage error.

Examples:
  securevod download 9f0c2a5e41b74d9c8f1e6b3a0d7c5e21 -o lesson.mp4
  securevod download 9f0c2a5e41b74d9c8f1e6b3a0d7c5e21 --app-identification com.example.player -o lesson.svpk`,
    )
    .exitOverride(exitOnCommanderExit)
    .action(async (videoId: string, flags: DownloadFlags) => {
      try {
        await runDownload(videoId, flags);
      } catch (error) {
        await exitWithError('download', error);
      }
    });
}

async function runDownload(videoId: string, flags: DownloadFlags): Promise<void> {
  const config = await loadClientConfig({ flags, env: process.env, cwd: process.cwd() });
  const api = new VodApiClient(config);
  const { PlayAuth } = await api.request<{ PlayAuth: string }>('GetVideoPlayAuth', { VideoId: videoId });

  let response: DownloadResponse;
  try {
    response = await requestDownload({
      endpoint: config.endpoint,
      videoId,
      playAuth: PlayAuth,
      definition: flags.definition,
      appIdentification: flags.appIdentification,
      ...(flags.licenseDuration !== undefined && { licenseDuration: flags.licenseDuration }),
      trace: flags.trace,
    });
  } catch (error) {
    throw refusalMessage(error, videoId, flags.appIdentification);
  }

  const bar = createProgressReporter(
    progressMode({ json: flags.json === true, stream: process.stderr }),
    'download',
    'bytes',
    process.stderr,
  );
  const expected = response.contentLength;
  let header: PackageHeader | undefined;
  let size: number;
  bar.start(expected ?? 0);
  try {
    size = await writeThroughPartialFile(flags.output, async (sink) => {
      let head = new Uint8Array(0);
      try {
        for await (const piece of response.body) {
          await sink.write(piece);
          if (response.mode === 'Secure' && head.length < PACKAGE_MAX_HEADER_LENGTH) {
            head = Buffer.concat([head, piece.subarray(0, PACKAGE_MAX_HEADER_LENGTH - head.length)]);
          }
          bar.update(sink.bytesWritten);
        }
      } catch (error) {
        throw cutShort(sink.bytesWritten, expected, error);
      }
      if (expected !== undefined && sink.bytesWritten !== expected)
        throw cutShort(sink.bytesWritten, expected);
      if (response.mode === 'Secure') header = checkPackage(head, sink.bytesWritten);
      return sink.bytesWritten;
    });
  } finally {
    bar.stop();
  }

  const definition = header?.definition ?? definitionFromName(response.fileName, videoId);
  if (flags.json) {
    const result = {
      videoId,
      mode: response.mode,
      file: flags.output,
      size,
      ...(definition ? { definition } : {}),
      ...(header ? { appIdentification: header.appIdentification, secretVersion: header.secretVersion } : {}),
      ...(header?.licenseExpiresAt !== undefined && {
        licenseExpiresAt: new Date(header.licenseExpiresAt * 1000).toISOString(),
      }),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const what = header
      ? `offline package for ${header.appIdentification}, secret version ${header.secretVersion}`
      : 'plain MP4';
    const def = definition ? `${definition}, ` : '';
    process.stdout.write(`video ${videoId} (${def}${what}, ${formatBytes(size)}) → ${flags.output}\n`);
  }
  await exitAfterFlush(0);
}

/** The refusals a user can act on, worded with what to do; the rest as any API error. */
function refusalMessage(error: unknown, videoId: string, app: string | undefined): unknown {
  if (!(error instanceof VodApiError)) return error;
  const code = `(${error.code})`;
  switch (error.code) {
    case 'Forbidden.DownloadDisabled':
      return /video/i.test(error.message)
        ? new CliError(
            `downloads are switched off for video ${videoId}: turn them on with UpdateVideoInfo DownloadSwitch=on ${code}`,
          )
        : new CliError(
            `downloads are switched off for this account: turn them on with SetCustomerConfig DownloadSwitch=on ${code}`,
          );
    case 'Forbidden.AppNotRegistered':
      return new CliError(
        `app ${app ?? ''} has no active download secret (never registered, or every version revoked): ` +
          `register it with "securevod keys register --app-identification ${app ?? 'ID'}" ${code}`,
      );
    case 'MissingParameter':
      if (/AppIdentification/.test(error.message)) {
        return new CliError(
          'downloads are in Secure mode: pass --app-identification ID, the app that will open the package',
          2,
        );
      }
      return error;
    case 'Forbidden.NotDownloadable':
      return new CliError(`video ${videoId} cannot be downloaded: ${error.message} ${code}`);
    default:
      return error;
  }
}

function cutShort(received: number, expected: number | undefined, cause?: unknown): CliError {
  const of = expected !== undefined ? ` of ${formatBytes(expected)}` : '';
  const why =
    cause instanceof VodTransportError && cause.code === 'Timeout' ? ' (the server stopped sending)' : '';
  return new CliError(`the download was cut short after ${formatBytes(received)}${of}${why}: try again`, 1, {
    cause,
  });
}

/** A Secure download must be a whole package; its header tells its exact length. */
function checkPackage(head: Uint8Array, received: number): PackageHeader {
  let header: PackageHeader;
  try {
    header = readPackageHeader(head);
  } catch (error) {
    const reason = error instanceof PackageError ? error.message : String(error);
    throw new CliError(`the server sent something that is not an offline package: ${reason}`);
  }
  if (header.packageLength !== received) throw cutShort(received, header.packageLength);
  return header;
}

function definitionFromName(fileName: string | undefined, videoId: string): string | undefined {
  const prefix = `${videoId}-`;
  if (!fileName?.startsWith(prefix)) return undefined;
  return fileName.slice(prefix.length).replace(/\.[^.]+$/, '') || undefined;
}
