/**
 * Opening an offline package from the command line (`securevod offline decrypt|play`), the way
 * the SDKs do (docs/formats.md, "Offline package"): the app's key file + AppDecryptKey + the app's
 * own AppIdentification unlock the download secret; the secret unwraps the package key. The
 * package file is read in place, one chunk at a time (`file-package-source.ts`).
 *
 * Every failure becomes one `CliError` sentence that says what is wrong and what to do:
 *   KeyFileError / PackageError NotLicensed → "not licensed for this app …"
 *   PackageError Tampered                    → "the package has been tampered with …"
 *   PackageError Truncated                   → "the package is truncated …"
 *   PackageError Malformed                   → "… is not a valid securevod offline package …"
 *   PackageError LicenseExpired              → "the licence of … expired at …; renew it …"
 * None of them contains key material.
 */
import {
  AppIdentificationError,
  decodeAppEncryptKey,
  KEY_FILE_LENGTH,
  KEY_FILE_MAGIC,
  KeyFileError,
  openKeyFile,
  openPackage,
  PackageError,
  readKeyFileHeader,
  readPackageHeader,
  PACKAGE_MAX_HEADER_LENGTH,
  type OpenedPackage,
  type PackageHeader,
} from '@securevod/crypto';
import { readFile } from 'node:fs/promises';
import { CliError, describeCliError } from './cli-error.js';
import { fetchRevocations } from './download-endpoint-client.js';
import { fsReason, openFilePackageSource, type FilePackageSource } from './file-package-source.js';

export interface OfflineOpenInput {
  readonly packageFile: string;
  readonly keyFile: string;
  readonly appDecryptKey: string;
  /** The app's own identification, any accepted form. */
  readonly appIdentification: string;
  /** Server base URL (or its `/download/revocations` URL) to check for a revoked secret version. */
  readonly revocations?: string;
  /** One-line notices (revocation list unavailable): the command's stderr. */
  readonly warn: (line: string) => void;
}

export interface OfflinePackage {
  readonly header: PackageHeader;
  readonly opened: OpenedPackage;
  /** Plaintext of chunk `index`; any failure is already the command's `CliError`. */
  readChunk(index: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Opens the package for the app, or throws the `CliError` to show. The caller closes it. */
export async function openOfflinePackage(input: OfflineOpenInput): Promise<OfflinePackage> {
  const keyFile = await readKeyFileArgument(input.keyFile);
  const source = await openFilePackageSource(input.packageFile);
  try {
    // The header as stored (unauthenticated): only to word a NotLicensed error helpfully.
    const stored = await storedHeader(source);
    let opened: OpenedPackage;
    try {
      const key = await openKeyFile(keyFile, {
        appIdentification: input.appIdentification,
        appDecryptKey: input.appDecryptKey,
      });
      opened = await openPackage(source, {
        secretKey: key.secretKey,
        secretVersion: key.secretVersion,
        appIdentification: key.appIdentification,
      });
    } catch (error) {
      if (error instanceof AppIdentificationError) {
        throw new CliError(`--app-identification: ${error.reason}`, 2, { cause: error });
      }
      throw packageFailure(error, {
        file: input.packageFile,
        keyFile: input.keyFile,
        keyFileBytes: keyFile,
        stored,
      });
    }
    if (input.revocations !== undefined) {
      await refuseIfRevoked({
        url: input.revocations,
        appIdentification: input.appIdentification,
        header: opened.header,
        warn: input.warn,
      });
    }
    return {
      header: opened.header,
      opened,
      readChunk: async (index) => {
        try {
          return await opened.readChunk(index);
        } catch (error) {
          throw packageFailure(error, { file: input.packageFile, chunk: index });
        }
      },
      close: () => source.close(),
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}

/**
 * `--key-file F`: the raw key-file bytes (as `keys register -o` writes them), or a text file with
 * the base64 AppEncryptKey (as GenerateDownloadSecretKey returns it).
 */
export async function readKeyFileArgument(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CliError(`cannot read key file ${path}: ${fsReason(error)}`);
  }
  const raw =
    bytes.length === KEY_FILE_LENGTH &&
    Buffer.from(bytes.subarray(0, 4)).toString('latin1') === KEY_FILE_MAGIC;
  try {
    const file = raw ? bytes : decodeAppEncryptKey(Buffer.from(bytes).toString('utf8'));
    readKeyFileHeader(file);
    return file;
  } catch (error) {
    const reason = error instanceof KeyFileError ? error.message : String(error);
    throw new CliError(
      `${path} is not a securevod key file (the key-file bytes or the base64 AppEncryptKey): ${reason}`,
      1,
      { cause: error },
    );
  }
}

/** Turns a failure of opening or reading into the one line to show. */
export function packageFailure(
  error: unknown,
  context: {
    file: string;
    keyFile?: string;
    keyFileBytes?: Uint8Array;
    stored?: PackageHeader;
    chunk?: number;
  },
): Error {
  if (error instanceof CliError) return error;
  const notLicensed =
    (error instanceof KeyFileError && error.code === 'NotLicensed') ||
    (error instanceof PackageError && error.code === 'NotLicensed');
  if (notLicensed) {
    return new CliError(`not licensed for this app: ${notLicensedHint(context)}`, 1, { cause: error });
  }
  if (error instanceof PackageError) {
    const at = context.chunk !== undefined ? ` (chunk ${context.chunk} failed authentication)` : '';
    switch (error.code) {
      case 'Tampered':
        return new CliError(
          `the package has been tampered with${at}: ${context.file} cannot be trusted; download it again`,
          1,
          { cause: error },
        );
      case 'Truncated':
        return new CliError(
          `the package is truncated (an incomplete or cut download): download ${context.file} again`,
          1,
          { cause: error },
        );
      case 'LicenseExpired':
        return new CliError(
          `the licence of ${context.file} has expired: ${error.message.replace(/: renew it online\.$/, '')}; ` +
            `renew it with "securevod offline renew ${context.file}"`,
          1,
          { cause: error },
        );
      default:
        return new CliError(`${context.file} is not a valid securevod offline package: ${error.message}`, 1, {
          cause: error,
        });
    }
  }
  if (error instanceof KeyFileError) {
    return new CliError(
      `${context.keyFile ?? 'the key file'} is not a securevod key file: ${error.message}`,
      1,
      {
        cause: error,
      },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

function notLicensedHint(context: { keyFileBytes?: Uint8Array; stored?: PackageHeader }): string {
  const stored = context.stored;
  if (!stored) return 'check --key-file, the AppDecryptKey and --app-identification';
  let keyVersion: number | undefined;
  try {
    keyVersion = context.keyFileBytes ? readKeyFileHeader(context.keyFileBytes).secretVersion : undefined;
  } catch {
    keyVersion = undefined;
  }
  if (keyVersion !== undefined && keyVersion !== stored.secretVersion) {
    return (
      `the package was made for secret version ${stored.secretVersion} of ${stored.appIdentification}; ` +
      `the key file holds version ${keyVersion}`
    );
  }
  return (
    `the package is for ${stored.appIdentification} (secret version ${stored.secretVersion}); ` +
    'the key file, AppDecryptKey and --app-identification must be that app’s'
  );
}

async function storedHeader(source: FilePackageSource): Promise<PackageHeader | undefined> {
  try {
    return readPackageHeader(await source.read(0, Math.min(source.size, PACKAGE_MAX_HEADER_LENGTH)));
  } catch {
    return undefined; // openPackage reports the structural problem itself
  }
}

/**
 * The SDK rule: a package whose secret version the server lists as revoked is refused. The list
 * is advisory when offline — if the server cannot be reached (or does not answer with a list),
 * a notice is printed and the package opens.
 */
async function refuseIfRevoked(input: {
  url: string;
  appIdentification: string;
  header: PackageHeader;
  warn: (line: string) => void;
}): Promise<void> {
  let revoked: readonly number[];
  try {
    revoked = (await fetchRevocations({ url: input.url, appIdentification: input.appIdentification }))
      .revokedVersions;
  } catch (error) {
    input.warn(`revocation list unavailable (${describeCliError(error).message}); proceeding offline`);
    return;
  }
  if (revoked.includes(input.header.secretVersion)) {
    throw new CliError(
      `secret version ${input.header.secretVersion} of ${input.header.appIdentification} has been revoked: ` +
        'this package may no longer be opened; download the video again with a current key file',
    );
  }
}
