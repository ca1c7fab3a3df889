/**
 * `securevod offline play`: the real binary serving a package made with @securevod/crypto —
 * byte ranges as players request them, a damaged chunk found while serving, the revocation check,
 * and SIGINT. Plus the pure Range parser.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseRange } from '../../src/cli/offline-play-server.js';
import { makeDataDir, removeDir, SECUREVOD_BIN } from '../support/server-process.js';
import { cleanEnv } from './cli-process.js';
import {
  FIXTURE_APP,
  FIXTURE_APP_DECRYPT_KEY,
  makePackageFixture,
  type PackageFixture,
} from './download-package-fixture.js';

interface PlayProcess {
  /** Resolves with the URL once listening, or rejects with stderr if the process ends first. */
  readonly url: Promise<string>;
  readonly exited: Promise<number | null>;
  readonly stderr: () => string;
  kill(signal: NodeJS.Signals): void;
}

function startPlay(packagePath: string, keyFilePath: string, extra: string[] = []): PlayProcess {
  const child = spawn(
    process.execPath,
    [
      SECUREVOD_BIN,
      'offline',
      'play',
      packagePath,
      '--key-file',
      keyFilePath,
      '--app-identification',
      FIXTURE_APP,
      '--json',
      ...extra,
    ],
    {
      env: cleanEnv({ SECUREVOD_APP_DECRYPT_KEY: FIXTURE_APP_DECRYPT_KEY }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.includes('"event":"listening"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
  url.catch(() => undefined);
  return { url, exited, stderr: () => stderr, kill: (signal) => child.kill(signal) };
}

describe('securevod offline play', () => {
  let work: string;
  let fixture: PackageFixture;

  before(async () => {
    work = await makeDataDir('securevod-play-');
    fixture = await makePackageFixture(work);
  });

  after(async () => {
    await removeDir(work);
  });

  test('serves the plaintext with byte ranges on 127.0.0.1 and stops on SIGINT', async () => {
    const play = startPlay(fixture.packagePath, fixture.keyFilePath);
    try {
      const url = await play.url;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/a{32}-SD\.mp4$/);

      const whole = await fetch(url);
      assert.equal(whole.status, 200);
      assert.equal(whole.headers.get('content-type'), 'video/mp4');
      assert.equal(whole.headers.get('accept-ranges'), 'bytes');
      assert.ok(Buffer.from(await whole.arrayBuffer()).equals(fixture.plaintext));

      const size = fixture.plaintext.length;
      const ranges: [string, number, number][] = [
        ['bytes=100-20000', 100, 20000], // across a chunk boundary
        [`bytes=${fixture.chunkSize}-${fixture.chunkSize}`, fixture.chunkSize, fixture.chunkSize],
        ['bytes=90000-', 90000, size - 1],
        ['bytes=-10', size - 10, size - 1],
        [`bytes=5-${size + 500}`, 5, size - 1],
      ];
      const answers = await Promise.all(ranges.map(([range]) => fetch(url, { headers: { range } })));
      for (const [i, res] of answers.entries()) {
        const [range, start, end] = ranges[i]!;
        assert.equal(res.status, 206, range);
        assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
        const body = Buffer.from(await res.arrayBuffer());
        assert.ok(body.equals(fixture.plaintext.subarray(start, end + 1)), range);
      }

      const beyond = await fetch(url, { headers: { range: `bytes=${size}-` } });
      assert.equal(beyond.status, 416);
      assert.equal(beyond.headers.get('content-range'), `bytes */${size}`);
      const head = await fetch(url, { method: 'HEAD' });
      assert.equal(head.headers.get('content-length'), String(size));
      const guessed = await fetch(new URL('/a.mp4', url));
      assert.equal(guessed.status, 404, 'only the random path serves the video');
    } finally {
      play.kill('SIGINT');
    }
    assert.equal(await play.exited, 0, play.stderr());
  });

  test('a damaged chunk found while serving stops the server with one clear line', async () => {
    const bytes = Buffer.from(await readFile(fixture.packagePath));
    bytes[fixture.headerLength + 3 * (fixture.chunkSize + 16) + 10]! ^= 0x01;
    const damaged = join(work, 'damaged.svpk');
    await writeFile(damaged, bytes);
    const play = startPlay(damaged, fixture.keyFilePath);
    const url = await play.url;
    const first = await fetch(url, { headers: { range: 'bytes=0-99' } });
    assert.equal(first.status, 206, 'chunk 0 is intact');
    await first.arrayBuffer();
    const third = await fetch(url, { headers: { range: `bytes=${3 * fixture.chunkSize}-` } });
    assert.equal(third.status, 500);
    assert.equal(await play.exited, 1);
    assert.match(play.stderr(), /securevod offline play: the package has been tampered with/);
  });

  test('a wrong key or a revoked secret version: no server, exit 1', async () => {
    const wrongKey = startPlay(fixture.packagePath, fixture.keyFilePath, [
      '--app-decrypt-key',
      'WrongKey0123456789abcd',
    ]);
    await assert.rejects(wrongKey.url);
    assert.equal(await wrongKey.exited, 1);
    assert.match(wrongKey.stderr(), /not licensed for this app/);

    // A stand-in for the server's revocation endpoint: the e2e test uses the real one.
    const asked: string[] = [];
    const lists: Server = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          AppIdentification: `ios:${FIXTURE_APP}`,
          RevokedVersions: [3],
          ActiveVersions: [4],
        }),
      );
    });
    lists.listen(0, '127.0.0.1');
    await once(lists, 'listening');
    try {
      const base = `http://127.0.0.1:${(lists.address() as AddressInfo).port}`;
      const revoked = startPlay(fixture.packagePath, fixture.keyFilePath, ['--revocations', base]);
      await assert.rejects(revoked.url);
      assert.equal(await revoked.exited, 1);
      assert.match(revoked.stderr(), /secret version 3 of ios:com\.example\.offline has been revoked/);
      assert.deepEqual(asked, [`/download/revocations?AppIdentification=${FIXTURE_APP}`]);
    } finally {
      lists.close();
    }
  });
});

describe('parseRange', () => {
  test('single byte ranges, suffixes, and what is ignored or unsatisfiable', () => {
    assert.equal(parseRange(undefined, 100), undefined);
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-30', 100), { start: 70, end: 99 });
    assert.deepEqual(parseRange('bytes=-300', 100), { start: 0, end: 99 });
    assert.deepEqual(parseRange('bytes=10-500', 100), { start: 10, end: 99 });
    assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=9-3', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=0-1,5-6', 100), undefined, 'several ranges: the whole body');
    assert.equal(parseRange('items=0-1', 100), undefined);
    assert.equal(parseRange('bytes=-', 100), undefined);
  });
});
