/**
 * Secure download end to end, from the command line (DESIGN §6): a real server process, videos
 * transcoded by ffmpeg, and the real `securevod` binary — `download`, `keys`, `offline` — against
 * it, with settings changed through the vendor's client (pop-core). The decrypted MP4s are checked
 * with ffprobe against the source clip; every way a package can be wrong must end in one clear
 * line, a non-zero exit and no output file.
 */
import { openKeyFile } from '@securevod/crypto';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closedPort, ROOT_KEY_ENV, runCli, type CliResult } from '../cli/cli-process.js';
import { addGroup, encryptedTemplate, uploadVideo } from '../support/fixtures.js';
import { decodeVideo, makeClip } from '../support/media.js';
import {
  filesContaining,
  makeDataDir,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';

const APP = 'com.example.player';
const OTHER_APP = 'com.example.other';
const APP_DECRYPT_KEY = 'PlayerKey0123456789abcdXY';

interface PackageInfo {
  videoId: string;
  definition: string;
  appIdentification: string;
  secretVersion: number;
  chunkSize: number;
  chunkCount: number;
  headerLength: number;
  packageLength: number;
  complete: boolean;
}

describe('download and offline packages through the CLI', () => {
  let server: ServerProcess;
  let dataDir: string;
  let work: string;
  let standardId: string;
  let privateId: string;
  let source: { frames: number; durationSeconds: number };

  before(async () => {
    dataDir = await makeDataDir();
    work = await makeDataDir('securevod-download-');
    const clip = join(work, 'clip.mp4');
    await makeClip(clip, { seconds: 6 });
    source = await decodeVideo(clip);
    server = await startServerProcess({ dataDir, env: { SECUREVOD_X264_PRESET: 'ultrafast' } });
    const vod = vodClient(server.url);
    // A high bitrate makes the standard rendition span several 1 MiB package chunks (to swap two).
    const standard = await addGroup(vod, 'standard', [
      {
        ...encryptedTemplate('SD', 360, 'HLSEncryption'),
        Video: { Codec: 'H.264', Bitrate: '4000', Height: '360' },
      },
    ]);
    const priv = await addGroup(vod, 'private', [encryptedTemplate('SD', 360, 'AliyunVoDEncryption')]);
    [standardId, privateId] = await Promise.all([
      uploadVideo(vod, clip, standard, 'standard'),
      uploadVideo(vod, clip, priv, 'private'),
    ]);
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
    await removeDir(work);
  });

  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { cwd: work, env: { ...ROOT_KEY_ENV, ...env } });
  const withServer = (args: string[], env: Record<string, string> = {}) =>
    cli([...args, '--endpoint', server.url], env);
  const download = (videoId: string, output: string, extra: string[] = []) =>
    withServer(['download', videoId, '-o', join(work, output), ...extra]);
  const decrypt = (pkg: string, output: string, extra: string[] = [], key = APP_DECRYPT_KEY) =>
    cli(
      [
        'offline',
        'decrypt',
        join(work, pkg),
        '-o',
        join(work, output),
        '--key-file',
        join(work, 'key-v1.dat'),
        ...extra,
      ],
      { SECUREVOD_APP_DECRYPT_KEY: key },
    );
  const setConfig = (params: Record<string, string>) =>
    vodClient(server.url).request('SetCustomerConfig', params);

  /**
   * Exit 1 (or `exitCode`), one error line on stderr matching `message` (any other line is
   * progress), and neither `output` nor `output.part` left behind.
   */
  async function assertRefused(
    result: CliResult,
    message: RegExp,
    output: string,
    exitCode = 1,
  ): Promise<void> {
    assert.equal(result.code, exitCode, result.stderr);
    const errors = result.stderrLines.filter((line) => !/^(download|decrypt): \d+%/.test(line));
    assert.equal(errors.length, 1, result.stderr);
    assert.match(errors[0]!, message);
    const left = (await readdir(work)).filter((name) => name.startsWith(output));
    assert.deepEqual(left, [], `nothing left of ${output}`);
  }

  test('downloads are off by default: a clear refusal and no file', async () => {
    await assertRefused(
      await download(standardId, 'off.mp4'),
      /^securevod download: downloads are switched off for this account: turn them on with SetCustomerConfig DownloadSwitch=on/,
      'off.mp4',
    );
  });

  test('Normal mode: a plain MP4 that ffmpeg decodes frame for frame', async () => {
    await setConfig({ DownloadSwitch: 'on', DownloadMode: 'Normal' });
    const results = await Promise.all([
      download(standardId, 'normal-standard.mp4', ['--json']),
      download(privateId, 'normal-private.mp4', ['--json']),
    ]);
    for (const [i, result] of results.entries()) {
      assert.equal(result.code, 0, result.stderr);
      const out = JSON.parse(result.stdout) as Record<string, unknown>;
      assert.equal(out.mode, 'Normal');
      assert.equal(out.definition, 'SD');
      const decoded = await decodeVideo(String(out.file));
      assert.equal(decoded.frames, source.frames, `video ${i}: every frame decodes`);
    }
  });

  test('Secure mode: register, download a package, inspect it, decrypt it to the source', async () => {
    await setConfig({ DownloadMode: 'Secure' });
    await assertRefused(
      await download(standardId, 'noapp.svpk'),
      /pass --app-identification ID/,
      'noapp.svpk',
      2,
    );

    const registered = await withServer(
      ['keys', 'register', '--app-identification', APP, '-o', join(work, 'key-v1.dat'), '--json'],
      { SECUREVOD_APP_DECRYPT_KEY: APP_DECRYPT_KEY },
    );
    assert.equal(registered.code, 0, registered.stderr);
    assert.deepEqual(JSON.parse(registered.stdout), {
      appIdentification: `ios:${APP}`,
      secretVersion: 1,
      keyFile: join(work, 'key-v1.dat'),
    });
    const listed = await withServer(['keys', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const apps = (
      JSON.parse(listed.stdout) as { apps: { appIdentification: string; versions: { status: string }[] }[] }
    ).apps;
    assert.deepEqual(
      apps.map((a) => [a.appIdentification, a.versions.map((v) => v.status)]),
      [[`ios:${APP}`, ['Active']]],
    );

    const [standardPkg, privatePkg] = await Promise.all([
      download(standardId, 'standard.svpk', ['--app-identification', APP, '--json']),
      download(privateId, 'private.svpk', ['--app-identification', APP, '--definition', 'SD']),
    ]);
    assert.equal(standardPkg.code, 0, standardPkg.stderr);
    assert.equal(privatePkg.code, 0, privatePkg.stderr);
    assert.deepEqual(JSON.parse(standardPkg.stdout), {
      videoId: standardId,
      mode: 'Secure',
      file: join(work, 'standard.svpk'),
      size: (await readFile(join(work, 'standard.svpk'))).length,
      definition: 'SD',
      appIdentification: `ios:${APP}`,
      secretVersion: 1,
    });
    assert.match(privatePkg.stdout, /offline package for ios:com\.example\.player, secret version 1/);

    const info = await cli(['offline', 'info', join(work, 'standard.svpk'), '--json']);
    assert.equal(info.code, 0, info.stderr);
    const header = JSON.parse(info.stdout) as PackageInfo;
    assert.equal(header.videoId, standardId);
    assert.equal(header.definition, 'SD');
    assert.equal(header.appIdentification, `ios:${APP}`);
    assert.equal(header.secretVersion, 1);
    assert.equal(header.complete, true);
    assert.ok(header.chunkCount >= 2, `several chunks (${header.chunkCount}), to swap two below`);

    // The key file also as text: the base64 AppEncryptKey the API returns.
    const keyText = (await readFile(join(work, 'key-v1.dat'))).toString('base64');
    await writeFile(join(work, 'key-v1.txt'), `${keyText}\n`);
    const [plainStandard, plainPrivate] = await Promise.all([
      decrypt('standard.svpk', 'standard.mp4', ['--app-identification', APP]),
      decrypt('private.svpk', 'private.mp4', [
        '--app-identification',
        APP,
        '--key-file',
        join(work, 'key-v1.txt'),
      ]),
    ]);
    for (const [name, result] of [
      ['standard.mp4', plainStandard],
      ['private.mp4', plainPrivate],
    ] as const) {
      assert.equal(result.code, 0, result.stderr);
      const decoded = await decodeVideo(join(work, name));
      assert.equal(decoded.frames, source.frames, `${name}: every frame`);
      assert.ok(
        Math.abs(decoded.durationSeconds - source.durationSeconds) <= 0.1,
        `${name}: duration ${decoded.durationSeconds} vs ${source.durationSeconds}`,
      );
    }
  });

  test('wrong key, another app, a flipped byte, a cut file, swapped chunks: refused, no output', async () => {
    const pkg = await readFile(join(work, 'standard.svpk'));
    const header = JSON.parse(
      (await cli(['offline', 'info', join(work, 'standard.svpk'), '--json'])).stdout,
    ) as PackageInfo;
    const chunk = (i: number) => header.headerLength + i * (header.chunkSize + 16);

    const flipped = Buffer.from(pkg);
    flipped[chunk(1) + 1000]! ^= 0x01; // chunk 0 decrypts and is written first: its bytes must go
    await writeFile(join(work, 'flipped.svpk'), flipped);
    await writeFile(join(work, 'cut.svpk'), pkg.subarray(0, Math.floor(pkg.length / 2)));
    const swapped = Buffer.from(pkg);
    pkg.copy(swapped, chunk(0), chunk(1), chunk(2));
    pkg.copy(swapped, chunk(1), chunk(0), chunk(1));
    await writeFile(join(work, 'swapped.svpk'), swapped);

    const app = ['--app-identification', APP];
    const [wrongKey, otherApp, flip, cut, swap] = await Promise.all([
      decrypt('standard.svpk', 'wrong-key.mp4', app, 'WrongKey0123456789abcdXY'),
      decrypt('standard.svpk', 'other-app.mp4', ['--app-identification', OTHER_APP]),
      decrypt('flipped.svpk', 'flipped.mp4', app),
      decrypt('cut.svpk', 'cut.mp4', app),
      decrypt('swapped.svpk', 'swapped.mp4', app),
    ]);
    await assertRefused(wrongKey, /^securevod offline decrypt: not licensed for this app/, 'wrong-key.mp4');
    await assertRefused(otherApp, /^securevod offline decrypt: not licensed for this app/, 'other-app.mp4');
    await assertRefused(flip, /the package has been tampered with \(chunk 1 /, 'flipped.mp4');
    await assertRefused(cut, /the package is truncated/, 'cut.mp4');
    await assertRefused(swap, /the package has been tampered with \(chunk 0 /, 'swapped.mp4');
  });

  test('a rental (--license-duration): refused once expired, renewed online in place, then it decrypts', async () => {
    const rented = await download(privateId, 'rental.svpk', [
      '--app-identification',
      APP,
      '--license-duration',
      '1',
      '--json',
    ]);
    assert.equal(rented.code, 0, rented.stderr);
    const expiresAt = Date.parse(
      (JSON.parse(rented.stdout) as { licenseExpiresAt: string }).licenseExpiresAt,
    );
    assert.ok(
      expiresAt > Date.now() - 5_000 && expiresAt < Date.now() + 60_000,
      new Date(expiresAt).toISOString(),
    );
    const info = JSON.parse(
      (await cli(['offline', 'info', join(work, 'rental.svpk'), '--json'])).stdout,
    ) as PackageInfo & {
      formatVersion: number;
      licenseExpiresAt: number;
    };
    assert.deepEqual([info.formatVersion, info.licenseExpiresAt * 1000], [2, expiresAt]);

    // The licence runs 1 s: wait until this machine's clock has passed it.
    while (Date.now() <= expiresAt) await new Promise((resolve) => setTimeout(resolve, 100));
    await assertRefused(
      await decrypt('rental.svpk', 'rental.mp4', ['--app-identification', APP]),
      /the licence of .*rental\.svpk has expired: .*expired at .*renew it with "securevod offline renew/,
      'rental.mp4',
    );

    const before = await readFile(join(work, 'rental.svpk'));
    const renewed = await withServer([
      'offline',
      'renew',
      join(work, 'rental.svpk'),
      '--license-duration',
      '3600',
      '--json',
    ]);
    assert.equal(renewed.code, 0, renewed.stderr);
    const until = Date.parse((JSON.parse(renewed.stdout) as { licenseExpiresAt: string }).licenseExpiresAt);
    assert.ok(until > Date.now() + 3000_000, new Date(until).toISOString());
    const after = await readFile(join(work, 'rental.svpk'));
    assert.equal(after.length, before.length);
    assert.ok(
      after.subarray(info.headerLength).equals(before.subarray(info.headerLength)),
      'no chunk changed',
    );
    assert.ok(
      !after.subarray(0, info.headerLength).equals(before.subarray(0, info.headerLength)),
      'a new licence',
    );

    const plain = await decrypt('rental.svpk', 'rental.mp4', ['--app-identification', APP]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal((await decodeVideo(join(work, 'rental.mp4'))).frames, source.frames);

    // A package without a licence never expires and has nothing to renew.
    await assertRefused(
      await withServer(['offline', 'renew', join(work, 'standard.svpk'), '--license-duration', '60']),
      /has no licence .*never expires/,
      'none',
    );
  });

  test('rental parameters: the account default applies; bad input to the licence endpoint names its field', async () => {
    await setConfig({ LicenseDuration: '7200' });
    const byDefault = await download(privateId, 'default-rental.svpk', [
      '--app-identification',
      APP,
      '--json',
    ]);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    const until = Date.parse((JSON.parse(byDefault.stdout) as { licenseExpiresAt: string }).licenseExpiresAt);
    assert.ok(Math.abs(until - (Date.now() + 7200_000)) < 60_000, new Date(until).toISOString());
    await setConfig({ LicenseDuration: '0' });
    await assertRefused(
      await download(privateId, 'bad-rental.svpk', ['--app-identification', APP, '--license-duration', '0']),
      /--license-duration.*positive number of seconds/,
      'bad-rental.svpk',
      2,
    );

    const rental = await readFile(join(work, 'default-rental.svpk'));
    const header = rental.subarray(0, rental.readUInt16BE(6));
    const plain = await readFile(join(work, 'standard.svpk'));
    const { PlayAuth } = await vodClient(server.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', {
      VideoId: privateId,
    });
    const post = async (vid: string, body: Record<string, unknown>) => {
      const res = await fetch(`${server.url}/download/${vid}/license`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ PlayAuth, AppIdentification: APP, ...body }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    const altered = Buffer.from(header);
    altered[24]! ^= 1; // the nonce prefix: the key no longer unwraps
    const cases: [string, Record<string, unknown>, number, string, RegExp][] = [
      ['no header', { LicenseDuration: 60 }, 400, 'MissingParameter', /PackageHeader/],
      ['no duration, no default', { PackageHeader: b64(header) }, 400, 'MissingParameter', /LicenseDuration/],
      [
        'duration 0',
        { PackageHeader: b64(header), LicenseDuration: 0 },
        400,
        'InvalidParameter',
        /LicenseDuration/,
      ],
      ['not base64', { PackageHeader: '%%%', LicenseDuration: 60 }, 400, 'InvalidParameter', /PackageHeader/],
      [
        'cut short',
        { PackageHeader: b64(header.subarray(0, 40)), LicenseDuration: 60 },
        400,
        'InvalidParameter',
        /PackageHeader.*cut short/,
      ],
      [
        'another video',
        { PackageHeader: b64(plain.subarray(0, plain.readUInt16BE(6))), LicenseDuration: 60 },
        400,
        'InvalidParameter',
        /PackageHeader.*another video/,
      ],
      [
        'an altered header',
        { PackageHeader: b64(altered), LicenseDuration: 60 },
        400,
        'InvalidParameter',
        /PackageHeader.*not the header of a package this app was given/,
      ],
      [
        'another app',
        { PackageHeader: b64(header), LicenseDuration: 60, AppIdentification: OTHER_APP },
        400,
        'InvalidParameter',
        /another app/,
      ],
    ];
    for (const [name, body, status, code, message] of cases) {
      const answer = await post(privateId, body);
      assert.equal(answer.status, status, `${name}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.Code, code, name);
      assert.match(answer.body.Message!, message, name);
    }
    const standardAuth = (
      await vodClient(server.url).request<{ PlayAuth: string }>('GetVideoPlayAuth', { VideoId: standardId })
    ).PlayAuth;
    const v1 = await post(standardId, {
      PlayAuth: standardAuth,
      PackageHeader: b64(plain.subarray(0, plain.readUInt16BE(6))),
      LicenseDuration: 60,
    });
    assert.equal(v1.status, 400, JSON.stringify(v1.body));
    assert.equal(v1.body.Code, 'InvalidParameter');
    assert.match(v1.body.Message!, /PackageHeader.*has no licence/, 'a v1 package cannot be renewed');
    const wrongVideo = await post(standardId, { PackageHeader: b64(header), LicenseDuration: 60 });
    // The PlayAuth is for another video than the URL names.
    assert.equal(wrongVideo.status, 403, JSON.stringify(wrongVideo.body));
    const ok = await post(privateId, { PackageHeader: b64(header), LicenseDuration: 60 });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(Buffer.from(ok.body.License!, 'base64').length, header.length);
  });

  test('an unregistered app, then every version revoked: AppNotRegistered; --revocations refuses the package', async () => {
    await assertRefused(
      await download(standardId, 'unregistered.svpk', ['--app-identification', OTHER_APP]),
      /app com\.example\.other has no active download secret.*securevod keys register .*Forbidden\.AppNotRegistered/,
      'unregistered.svpk',
    );

    const second = await withServer(
      ['keys', 'register', '--app-identification', APP, '-o', join(work, 'key-v2.dat')],
      {
        SECUREVOD_APP_DECRYPT_KEY: APP_DECRYPT_KEY,
      },
    );
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /secret version 2/);
    for (const version of ['1', '2']) {
      const revoked = await withServer([
        'keys',
        'revoke',
        '--app-identification',
        APP,
        '--secret-version',
        version,
      ]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, new RegExp(`secret version ${version} revoked`));
    }
    await assertRefused(
      await download(standardId, 'revoked.svpk', ['--app-identification', APP]),
      /Forbidden\.AppNotRegistered/,
      'revoked.svpk',
    );

    const app = ['--app-identification', APP];
    const [online, offline] = await Promise.all([
      decrypt('standard.svpk', 'online.mp4', [...app, '--revocations', server.url]),
      decrypt('standard.svpk', 'offline.mp4', [
        ...app,
        '--revocations',
        `http://127.0.0.1:${await closedPort()}`,
      ]),
    ]);
    await assertRefused(
      online,
      /secret version 1 of ios:com\.example\.player has been revoked/,
      'online.mp4',
    );
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stderr, /revocation list unavailable .*proceeding offline/);
  });

  test('a video with DownloadSwitch off is refused', async () => {
    await setConfig({ DownloadMode: 'Normal' });
    await vodClient(server.url).request('UpdateVideoInfo', { VideoId: standardId, DownloadSwitch: 'off' });
    await assertRefused(
      await download(standardId, 'video-off.mp4'),
      /downloads are switched off for video [0-9a-f]{32}: turn them on with UpdateVideoInfo DownloadSwitch=on \(Forbidden\.DownloadDisabled\)/,
      'video-off.mp4',
    );
  });

  test('neither the download secret nor the AppDecryptKey is stored in the data directory', async () => {
    const key = await openKeyFile(await readFile(join(work, 'key-v1.dat')), {
      appIdentification: APP,
      appDecryptKey: APP_DECRYPT_KEY,
      extractable: true,
    });
    const secret = new Uint8Array(await crypto.subtle.exportKey('raw', key.secretKey));
    assert.equal(secret.length, 32);
    const hits = await filesContaining(dataDir, [secret, new TextEncoder().encode(APP_DECRYPT_KEY)]);
    assert.deepEqual(hits, []);
  });
});
