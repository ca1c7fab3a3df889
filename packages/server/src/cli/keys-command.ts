/**
 * `securevod keys list|register|revoke`: the apps allowed to open secure downloads (DESIGN §6).
 *   register  GenerateDownloadSecretKey: a new secret version for the app, saved as its key file
 *   list      ListDownloadSecretKeys: apps and their secret versions (Active / Revoked)
 *   revoke    RevokeDownloadSecretKey: a version opens no new download, and SDKs that check the
 *             revocation list refuse its packages
 * The AppDecryptKey is taken from SECUREVOD_APP_DECRYPT_KEY or a hidden prompt, never a flag, so
 * it stays out of process lists and shell history; it is checked here before any call.
 */
import { checkAppDecryptKey, decodeAppEncryptKey } from '@securevod/crypto';
import { Command, InvalidArgumentError } from 'commander';
import { trimmedNonEmpty as nonEmpty } from './cli-options.js';
import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { CliError, exitAfterFlush, exitWithError, exitOnCommanderExit } from './cli-error.js';
import { loadClientConfig, type ClientFlags } from './client-config.js';
import { fsReason } from './file-package-source.js';
import { APP_DECRYPT_KEY_ENV, resolveAppDecryptKey } from './secret-prompt.js';
import { VodApiClient } from './vod-api-client.js';

interface KeyVersion {
  SecretVersion: number;
  Status: string;
  CreationTime: string;
  RevokedTime?: string;
}
interface AppEntry {
  AppIdentification: string;
  Versions: KeyVersion[];
}

interface KeysFlags extends ClientFlags {
  json?: boolean;
}

export function keysCommand(): Command {
  const keys = new Command('keys')
    .description('register apps for secure downloads, list and revoke their secret versions')
    .exitOverride(exitOnCommanderExit);

  withClientOptions(
    keys
      .command('list')
      .description('list registered apps and their secret versions')
      .option('--app-identification <id>', 'only this app', nonEmpty),
  ).action(async (flags: KeysFlags & { appIdentification?: string }) => {
    try {
      await runList(flags);
    } catch (error) {
      await exitWithError('keys list', error);
    }
  });

  withClientOptions(
    keys
      .command('register')
      .description('issue a new secret version for an app and save its key file (AppEncryptKey)')
      .requiredOption(
        '--app-identification <id>',
        'bundle ID, signing-certificate fingerprint, serial or web origin',
        nonEmpty,
      )
      .option(
        '-o, --output <file>',
        'where to save the key file (default key-file-<app>-v<version>.dat); never overwritten',
      )
      .addHelpText(
        'after',
        `
AppDecryptKey (16-32 letters and digits, with an uppercase letter, a lowercase letter and a digit):
${APP_DECRYPT_KEY_ENV}, else asked twice on the terminal. The server does not keep it: keep it with the key file.`,
      ),
  ).action(async (flags: KeysFlags & { appIdentification: string; output?: string }) => {
    try {
      await runRegister(flags);
    } catch (error) {
      await exitWithError('keys register', error);
    }
  });

  withClientOptions(
    keys
      .command('revoke')
      .description('revoke a secret version of an app')
      .requiredOption('--app-identification <id>', 'the app', nonEmpty)
      .requiredOption('--secret-version <n>', 'the version to revoke', parseVersion),
  ).action(async (flags: KeysFlags & { appIdentification: string; secretVersion: number }) => {
    try {
      await runRevoke(flags);
    } catch (error) {
      await exitWithError('keys revoke', error);
    }
  });
  return keys;
}

function withClientOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON object on stdout')
    .option('--endpoint <url>', 'server URL (env SECUREVOD_ENDPOINT, default http://127.0.0.1:8080)')
    .option('--credentials <file>', 'JSON file with {"accessKeyId", "accessKeySecret"}');
}

async function apiFor(flags: ClientFlags): Promise<VodApiClient> {
  return new VodApiClient(await loadClientConfig({ flags, env: process.env, cwd: process.cwd() }));
}

async function runList(flags: KeysFlags & { appIdentification?: string }): Promise<void> {
  const api = await apiFor(flags);
  const { AppList } = await api.request<{ AppList: AppEntry[] }>('ListDownloadSecretKeys', {
    AppIdentification: flags.appIdentification,
  });
  if (flags.json) {
    const apps = AppList.map((app) => ({
      appIdentification: app.AppIdentification,
      versions: app.Versions.map((v) => ({
        secretVersion: v.SecretVersion,
        status: v.Status,
        creationTime: v.CreationTime,
        ...(v.RevokedTime ? { revokedTime: v.RevokedTime } : {}),
      })),
    }));
    process.stdout.write(`${JSON.stringify({ apps })}\n`);
  } else if (AppList.length === 0) {
    process.stdout.write('no apps registered for secure downloads\n');
  } else {
    for (const app of AppList) {
      process.stdout.write(`${app.AppIdentification}\n`);
      if (app.Versions.length === 0) process.stdout.write('  (no secret versions)\n');
      for (const v of app.Versions) {
        const revoked = v.RevokedTime ? `  revoked ${v.RevokedTime}` : '';
        process.stdout.write(
          `  v${String(v.SecretVersion).padEnd(5)}${v.Status.padEnd(9)}created ${v.CreationTime}${revoked}\n`,
        );
      }
    }
  }
  await exitAfterFlush(0);
}

async function runRegister(flags: KeysFlags & { appIdentification: string; output?: string }): Promise<void> {
  if (flags.output !== undefined) await refuseExisting(flags.output);
  const appDecryptKey = await resolveAppDecryptKey({
    env: process.env,
    io: { input: process.stdin, output: process.stderr },
    confirm: true,
  });
  // The same rule the server applies; its message names the rule, never the key.
  const problem = checkAppDecryptKey(appDecryptKey);
  if (problem !== null) throw new CliError(`the AppDecryptKey is not valid: ${problem}`, 2);
  const config = await loadClientConfig({ flags, env: process.env, cwd: process.cwd() });

  const issued = await new VodApiClient(config).request<{
    AppEncryptKey: string;
    AppIdentification?: string;
    SecretVersion: number;
  }>('GenerateDownloadSecretKey', {
    AppIdentification: flags.appIdentification,
    AppDecryptKey: appDecryptKey,
  });

  const app = issued.AppIdentification ?? flags.appIdentification;
  const output = flags.output ?? defaultKeyFileName(app, issued.SecretVersion);
  try {
    // 'wx': a key file is the only way to open that version's packages; never replace one.
    await writeFile(output, decodeAppEncryptKey(issued.AppEncryptKey), { flag: 'wx' });
  } catch (error) {
    throw new CliError(
      `secret version ${issued.SecretVersion} of ${app} was issued, but its key file could not be written to ${output} ` +
        `(${fsReason(error)}): revoke it with "securevod keys revoke" and register again`,
    );
  }
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ appIdentification: app, secretVersion: issued.SecretVersion, keyFile: output })}\n`,
    );
  } else {
    process.stdout.write(`${app}: secret version ${issued.SecretVersion}, key file ${output}\n`);
  }
  await exitAfterFlush(0);
}

async function runRevoke(
  flags: KeysFlags & { appIdentification: string; secretVersion: number },
): Promise<void> {
  const api = await apiFor(flags);
  const res = await api.request<{ AppIdentification: string; SecretVersion: number; Status: string }>(
    'RevokeDownloadSecretKey',
    { AppIdentification: flags.appIdentification, SecretVersion: String(flags.secretVersion) },
  );
  if (flags.json) {
    const result = {
      appIdentification: res.AppIdentification,
      secretVersion: res.SecretVersion,
      status: res.Status,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(
      `${res.AppIdentification}: secret version ${res.SecretVersion} ${res.Status.toLowerCase()}\n`,
    );
  }
  await exitAfterFlush(0);
}

/** `ios:com.example.app`, 3 → `key-file-ios-com.example.app-v3.dat`: apps and versions do not collide. */
export function defaultKeyFileName(app: string, version: number): string {
  return `key-file-${app.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-+|-+$/g, '')}-v${version}.dat`;
}

/** Checked before the call, so a taken name costs no secret version. */
async function refuseExisting(path: string): Promise<void> {
  try {
    await access(path, constants.F_OK);
  } catch {
    return;
  }
  throw new CliError(`${path} already exists: key files are never overwritten; choose another -o`, 2);
}

function parseVersion(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 2 ** 31 - 1)
    throw new InvalidArgumentError('must be a positive integer');
  return n;
}
