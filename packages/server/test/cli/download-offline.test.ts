/**
 * `securevod download`, `offline` and `keys` without a server: usage errors (exit 2, one line),
 * unreadable inputs (exit 1, one line), and `offline info|decrypt` on a package made with
 * @securevod/crypto. The server-backed flows are in test/e2e/download.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeDataDir, removeDir, SECUREVOD_BIN } from '../support/server-process.js';
import { cleanEnv, closedPort, ROOT_KEY_ENV, runCli, type CliResult } from './cli-process.js';
import {
  FIXTURE_APP,
  FIXTURE_APP_DECRYPT_KEY,
  makePackageFixture,
  type PackageFixture,
} from './download-package-fixture.js';

/** util-linux `script` gives the CLI a pseudo-terminal, so its hidden prompt can be driven. */
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

/**
 * Runs the CLI on a pseudo-terminal and types each answer after its prompt appears (typing
 * earlier would let the terminal echo it before the CLI turns echo off). Returns the whole
 * terminal output and the exit code.
 */
async function runOnTerminal(
  args: string[],
  answers: string[],
  cwd: string,
): Promise<{ code: number | null; output: string }> {
  const quoted = [process.execPath, SECUREVOD_BIN, ...args]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
    .join(' ');
  const child = spawn('script', ['-qec', quoted, '/dev/null'], { cwd, env: cleanEnv(), stdio: 'pipe' });
  let output = '';
  let prompts = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const seen = output.split('AppDecryptKey').length - 1;
    while (prompts < seen && prompts < answers.length) child.stdin.write(`${answers[prompts++]}\r`);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, output };
}

describe('securevod download / offline / keys: usage and local packages', () => {
  let work: string;
  let fixture: PackageFixture;

  before(async () => {
    work = await makeDataDir('securevod-offline-');
    fixture = await makePackageFixture(work);
  });

  after(async () => {
    await removeDir(work);
  });

  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: work, env });
  const keyEnv = { SECUREVOD_APP_DECRYPT_KEY: FIXTURE_APP_DECRYPT_KEY };
  const decryptArgs = (output: string, extra: string[] = []) => [
    'offline',
    'decrypt',
    fixture.packagePath,
    '-o',
    join(work, output),
    '--key-file',
    fixture.keyFilePath,
    '--app-identification',
    FIXTURE_APP,
    ...extra,
  ];

  function assertOneLine(result: CliResult, exitCode: number, message: RegExp): void {
    assert.equal(result.code, exitCode, result.stderr);
    assert.equal(result.stderrLines.length, 1, result.stderr);
    assert.match(result.stderrLines[0]!, message);
  }

  test('usage errors exit 2 with one line', async () => {
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [['download', 'f'.repeat(32)], /required option '-o, --output <file>' not specified/],
      [['download', 'f'.repeat(32), '-o', 'x.mp4', '--definition', ' '], /--definition.*must not be empty/],
      [
        ['offline', 'decrypt', fixture.packagePath, '-o', 'x.mp4', '--app-identification', FIXTURE_APP],
        /required option '--key-file <file>' not specified/,
      ],
      [
        ['offline', 'decrypt', fixture.packagePath, '--key-file', fixture.keyFilePath, '-o', 'x.mp4'],
        /required option '--app-identification <id>' not specified/,
      ],
      [
        decryptArgs('x.mp4'),
        /^securevod offline decrypt: no AppDecryptKey: pass --app-decrypt-key or set SECUREVOD_APP_DECRYPT_KEY/,
        {},
      ],
      [decryptArgs('x.mp4', ['-o', fixture.packagePath]), /-o must name another file than the package/],
      [decryptArgs('x.mp4', ['--revocations', 'ftp://example']), /--revocations.*must be an http/],
      [
        decryptArgs('x.mp4', ['--app-identification', 'not an app']),
        /^securevod offline decrypt: --app-identification: AppIdentification "not an app"/,
      ],
      [
        [
          'offline',
          'play',
          fixture.packagePath,
          '--key-file',
          fixture.keyFilePath,
          '--app-identification',
          'x.y',
        ].concat(['--port', '70000']),
        /--port.*must be a port number/,
      ],
      [['offline', 'info', fixture.packagePath, '--bogus'], /unknown option '--bogus'/],
      [
        ['keys', 'revoke', '--app-identification', FIXTURE_APP, '--secret-version', 'abc'],
        /--secret-version.*must be a positive integer/,
      ],
      [['keys', 'register'], /required option '--app-identification <id>' not specified/],
      [
        ['keys', 'register', '--app-identification', FIXTURE_APP],
        /^securevod keys register: no AppDecryptKey: set SECUREVOD_APP_DECRYPT_KEY \(or run in a terminal to be asked\)/,
        {},
      ],
      [
        ['keys', 'register', '--app-identification', FIXTURE_APP, '-o', fixture.keyFilePath],
        /already exists: key files are never overwritten/,
      ],
    ];
    const results = await Promise.all(cases.map(([args, , env]) => cli(args, env ?? keyEnv)));
    for (const [i, result] of results.entries()) {
      const [args, message] = cases[i]!;
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderrLines.length, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderrLines[0]!, message, args.join(' '));
    }
    assert.deepEqual(
      (await readdir(work)).filter((name) => name.startsWith('x.mp4')),
      [],
    );
  });

  test('keys register checks the AppDecryptKey rules before any call and never echoes the key', async () => {
    const weak = 'weakkeyweakkeyweak';
    const result = await cli(['keys', 'register', '--app-identification', FIXTURE_APP], {
      ...ROOT_KEY_ENV,
      SECUREVOD_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
      SECUREVOD_APP_DECRYPT_KEY: weak,
    });
    assertOneLine(result, 2, /the AppDecryptKey is not valid: It must contain at least one uppercase letter/);
    assert.ok(!result.stderr.includes(weak));
  });

  test(
    'the AppDecryptKey from a hidden prompt on a terminal: never echoed, confirmed when registering',
    { skip: !HAS_SCRIPT },
    async () => {
      const typed = `${FIXTURE_APP_DECRYPT_KEY.slice(0, -1)}X\u007f${FIXTURE_APP_DECRYPT_KEY.slice(-1)}`; // a typo, Backspace
      const [decrypted, mismatch] = await Promise.all([
        runOnTerminal(decryptArgs('prompted.bin', ['--json']), [typed], work),
        runOnTerminal(
          ['keys', 'register', '--app-identification', FIXTURE_APP],
          ['FirstKey0123456789ab', 'OtherKey0123456789ab'],
          work,
        ),
      ]);
      assert.equal(decrypted.code, 0, decrypted.output);
      assert.ok((await readFile(join(work, 'prompted.bin'))).equals(fixture.plaintext));
      assert.equal(mismatch.code, 2, mismatch.output);
      assert.match(mismatch.output, /securevod keys register: the two AppDecryptKeys do not match/);
      for (const output of [decrypted.output, mismatch.output]) {
        assert.ok(
          !/Key0123456789/.test(output),
          `no key characters on the terminal: ${JSON.stringify(output)}`,
        );
      }
    },
  );

  test('unreadable inputs and an unreachable server exit 1 with one line', async () => {
    const junk = join(work, 'junk.bin');
    await writeFile(junk, 'this is not a package, nor a key file');
    const port = await closedPort();
    const [missing, notPackage, noKeyFile, badKeyFile, unreachable] = await Promise.all([
      cli(['offline', 'info', join(work, 'missing.svpk')]),
      cli(['offline', 'info', junk]),
      cli(decryptArgs('x.mp4', ['--key-file', join(work, 'missing.dat')]), keyEnv),
      cli(decryptArgs('x.mp4', ['--key-file', junk]), keyEnv),
      cli(
        ['download', 'f'.repeat(32), '-o', 'x.mp4', '--endpoint', `http://127.0.0.1:${port}`],
        ROOT_KEY_ENV,
      ),
    ]);
    assertOneLine(missing, 1, /^securevod offline info: cannot read .*missing\.svpk: no such file$/);
    assertOneLine(notPackage, 1, /junk\.bin is not a valid securevod offline package: .*"SVPK"/);
    assertOneLine(noKeyFile, 1, /cannot read key file .*missing\.dat: no such file/);
    assertOneLine(badKeyFile, 1, /junk\.bin is not a securevod key file/);
    assertOneLine(unreachable, 1, /^securevod download: cannot reach the securevod server at .*ECONNREFUSED/);
    assert.deepEqual(
      (await readdir(work)).filter((name) => name.startsWith('x.mp4')),
      [],
    );
  });

  test('offline info shows the header without a key', async () => {
    const text = await cli(['offline', 'info', fixture.packagePath]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /app {12}ios:com\.example\.offline/);
    assert.match(text.stdout, /secret version 3/);
    assert.match(text.stdout, /chunks {9}7 × 16\.0 KiB/);

    const cut = join(work, 'cut.svpk');
    await writeFile(cut, (await readFile(fixture.packagePath)).subarray(0, 50_000));
    const json = await cli(['offline', 'info', cut, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const info = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(info.videoId, 'a'.repeat(32));
    assert.equal(info.definition, 'SD');
    assert.equal(info.appIdentification, `ios:${FIXTURE_APP}`);
    assert.equal(info.plaintextLength, fixture.plaintext.length);
    assert.equal(info.fileSize, 50_000);
    assert.equal(info.complete, false);
  });

  test('offline decrypt writes the plaintext from the raw key file or the base64 text, with the key from the flag or env', async () => {
    const [fromEnv, fromText] = await Promise.all([
      cli(decryptArgs('raw.bin', ['--json']), keyEnv),
      cli(
        decryptArgs('text.bin', [
          '--key-file',
          fixture.keyTextPath,
          '--app-decrypt-key',
          FIXTURE_APP_DECRYPT_KEY,
        ]),
      ),
    ]);
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.equal(fromEnv.stderr, '', '--json: no progress');
    assert.deepEqual(JSON.parse(fromEnv.stdout), {
      file: join(work, 'raw.bin'),
      videoId: 'a'.repeat(32),
      definition: 'SD',
      appIdentification: `ios:${FIXTURE_APP}`,
      secretVersion: 3,
      size: fixture.plaintext.length,
    });
    assert.equal(fromText.code, 0, fromText.stderr);
    assert.ok((await readFile(join(work, 'raw.bin'))).equals(fixture.plaintext));
    assert.ok((await readFile(join(work, 'text.bin'))).equals(fixture.plaintext));
  });

  test('a cut at a chunk boundary, a flipped last chunk, or another key version: refused, no output', async () => {
    const bytes = await readFile(fixture.packagePath);
    const chunk = (i: number) => fixture.headerLength + i * (fixture.chunkSize + 16);
    const atBoundary = join(work, 'boundary.svpk');
    await writeFile(atBoundary, bytes.subarray(0, chunk(6)));
    const lastFlipped = join(work, 'last.svpk');
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 1]! ^= 0x80;
    await writeFile(lastFlipped, flipped);
    const other = await makePackageFixture(await makeDataDir('securevod-offline-v9-'), { secretVersion: 9 });

    const [boundary, last, version] = await Promise.all([
      cli(
        decryptArgs('boundary.mp4').map((a) => (a === fixture.packagePath ? atBoundary : a)),
        keyEnv,
      ),
      cli(
        decryptArgs('last.mp4').map((a) => (a === fixture.packagePath ? lastFlipped : a)),
        keyEnv,
      ),
      cli(decryptArgs('version.mp4', ['--key-file', other.keyFilePath]), keyEnv),
    ]);
    const errors = (r: CliResult) => r.stderrLines.filter((l) => !/^decrypt: \d+%/.test(l));
    for (const [result, message] of [
      [boundary, /the package is truncated/],
      [last, /the package has been tampered with \(chunk 6 failed authentication\)/],
      [
        version,
        /not licensed for this app: the package was made for secret version 3 .*the key file holds version 9/,
      ],
    ] as const) {
      assert.equal(result.code, 1, result.stderr);
      assert.equal(errors(result).length, 1, result.stderr);
      assert.match(errors(result)[0]!, message);
    }
    const left = (await readdir(work)).filter((n) => /^(boundary|last|version)\.mp4/.test(n));
    assert.deepEqual(left, []);
    await removeDir(join(other.packagePath, '..'));
  });
});
