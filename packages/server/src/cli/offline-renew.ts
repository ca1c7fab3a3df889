/**
 * `securevod offline renew FILE`: renews a rental package's licence online (docs/cli.md; server
 * side: src/download/download-license.ts), as an app backend and its app do — GetVideoPlayAuth with
 * the AccessKey, then `POST /download/<vid>/license` with the package's current header. The answer
 * (the renewed header, same length) is checked to belong to this package and written over the
 * file's header in place; no chunk is touched and the video is not downloaded again.
 */
import {
  checkPackageLicense,
  PACKAGE_LICENSED_FORMAT_VERSION,
  PACKAGE_MAX_HEADER_LENGTH,
  PackageError,
  readPackageHeader,
} from '@securevod/crypto';
import { Command, InvalidArgumentError } from 'commander';
import { open } from 'node:fs/promises';
import { CliError, exitAfterFlush, exitWithError } from './cli-error.js';
import { loadClientConfig, type ClientFlags } from './client-config.js';
import { requestLicenseRenewal } from './download-endpoint-client.js';
import { fsReason } from './file-package-source.js';
import { packageFailure } from './offline-package-opener.js';
import { VodApiClient, VodApiError } from './vod-api-client.js';

interface RenewFlags extends ClientFlags {
  licenseDuration?: number;
  appIdentification?: string;
  json?: boolean;
}

export function renewSubcommand(parent: Command): void {
  parent
    .command('renew')
    .description("renew a rental package's licence online (the video is not downloaded again)")
    .argument('<file>', 'the offline package (format 2, downloaded with a LicenseDuration)')
    .option(
      '--license-duration <seconds>',
      "the new licence runs this long from now (default: the account's LicenseDuration)",
      parseSeconds,
    )
    .option('--app-identification <id>', 'the app the package is for (default: the one its header names)')
    .option('--json', 'print one JSON object on stdout')
    .option('--endpoint <url>', 'server URL (env SECUREVOD_ENDPOINT, default http://127.0.0.1:8080)')
    .option('--credentials <file>', 'JSON file with {"accessKeyId", "accessKeySecret"}')
    .addHelpText(
      'after',
      `
AccessKey: as for "securevod download".
Exit codes: 0 renewed, 1 failed (no licence, revoked secret version, server refused or unreachable), 2 usage error.`,
    )
    .action(async (file: string, flags: RenewFlags) => {
      try {
        await runRenew(file, flags);
      } catch (error) {
        await exitWithError('offline renew', error);
      }
    });
}

async function runRenew(file: string, flags: RenewFlags): Promise<void> {
  const config = await loadClientConfig({ flags, env: process.env, cwd: process.cwd() });
  let handle;
  try {
    handle = await open(file, 'r+');
  } catch (error) {
    throw new CliError(`cannot open ${file} for writing: ${fsReason(error)}`);
  }
  try {
    const head = new Uint8Array(PACKAGE_MAX_HEADER_LENGTH);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    let header;
    try {
      header = readPackageHeader(head.subarray(0, bytesRead));
    } catch (error) {
      throw packageFailure(error, { file });
    }
    if (header.formatVersion !== PACKAGE_LICENSED_FORMAT_VERSION) {
      throw new CliError(
        `${file} has no licence (it was downloaded without a LicenseDuration): it never expires`,
      );
    }
    const current = head.slice(0, header.headerLength);
    const api = new VodApiClient(config);
    const { PlayAuth } = await api.request<{ PlayAuth: string }>('GetVideoPlayAuth', {
      VideoId: header.videoId,
    });
    let renewed;
    try {
      renewed = await requestLicenseRenewal({
        endpoint: config.endpoint,
        videoId: header.videoId,
        playAuth: PlayAuth,
        appIdentification: flags.appIdentification ?? header.appIdentification,
        header: current,
        ...(flags.licenseDuration !== undefined && { licenseDuration: flags.licenseDuration }),
      });
    } catch (error) {
      throw refusal(error, header.appIdentification, header.secretVersion);
    }
    try {
      checkPackageLicense(current, renewed.license);
    } catch (error) {
      const reason = error instanceof PackageError ? error.message : String(error);
      throw new CliError(`the server sent an unusable licence: ${reason}`);
    }
    // Same length as the header it replaces: one write at offset 0, then to disk.
    await handle.write(renewed.license, 0, renewed.license.length, 0);
    await handle.sync();
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ file, videoId: header.videoId, licenseExpiresAt: renewed.licenseExpiresAt })}\n`,
      );
    } else {
      process.stdout.write(`${file}: licence renewed until ${renewed.licenseExpiresAt}\n`);
    }
  } finally {
    await handle.close();
  }
  await exitAfterFlush(0);
}

function refusal(error: unknown, app: string, version: number): unknown {
  if (!(error instanceof VodApiError)) return error;
  if (error.code === 'Forbidden.DownloadSecretRevoked') {
    return new CliError(
      `secret version ${version} of ${app} has been revoked: this package can no longer be renewed; download the video again (${error.code})`,
    );
  }
  if (error.code === 'MissingParameter' && /LicenseDuration/.test(error.message)) {
    return new CliError('the account has no default LicenseDuration: pass --license-duration SECONDS', 2);
  }
  return error;
}

export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds < 1)
    throw new InvalidArgumentError('must be a positive number of seconds');
  return seconds;
}
