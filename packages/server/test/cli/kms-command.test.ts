/**
 * `securevod kms` resolves the data dir as the server does and works only on an existing key
 * ring: a wrong --data-dir / SECUREVOD_DATA_DIR is a usage error that creates nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLocalKms } from '../../src/kms/local-kms.js';
import { runCli } from './cli-process.js';

let cwd: string;
before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'securevod-kms-cli-'));
  const kms = await openLocalKms({ dir: join(cwd, 'server-data', 'kms') });
  await kms.close();
});
after(() => rm(cwd, { recursive: true, force: true }));

describe('securevod kms', () => {
  it('finds the key ring through SECUREVOD_DATA_DIR (blanks trimmed) and rotates it', async () => {
    const env = { SECUREVOD_DATA_DIR: ' server-data ' };
    const status = await runCli(['kms', 'status', '--json'], { cwd, env });
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual((JSON.parse(status.stdout) as { versions: number[] }).versions, [1]);
    const rotated = await runCli(['kms', 'rotate', '--json'], { cwd, env });
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal((JSON.parse(rotated.stdout) as { currentVersion: number }).currentVersion, 2);
    // --data-dir wins over the variable.
    const flag = await runCli(['kms', 'status', '--data-dir', 'server-data', '--json'], {
      cwd,
      env: { SECUREVOD_DATA_DIR: 'elsewhere' },
    });
    assert.equal(flag.code, 0, flag.stderr);
    assert.deepEqual((JSON.parse(flag.stdout) as { versions: number[] }).versions, [1, 2]);
  });

  it('refuses a data dir without a key ring, and creates nothing there', async () => {
    await mkdir(join(cwd, 'empty'));
    for (const command of ['status', 'rotate']) {
      const result = await runCli(['kms', command], { cwd, env: { SECUREVOD_DATA_DIR: 'empty' } });
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(`^securevod kms ${command}: no local KMS key ring in empty/kms`),
      );
      assert.match(
        result.stderr,
        /SECUREVOD_DATA_DIR must name the data directory of a server that has started/,
      );
    }
    assert.deepEqual(await readdir(join(cwd, 'empty')), []);
    // The default ./data does not exist here: nothing is created either.
    const fallback = await runCli(['kms', 'status'], { cwd });
    assert.equal(fallback.code, 2);
    assert.equal(existsSync(join(cwd, 'data')), false);
  });

  it('status never creates a key ring; rotate creates one only where --kms-dir names it', async () => {
    const status = await runCli(['kms', 'status', '--kms-dir', 'new-ring'], { cwd });
    assert.equal(status.code, 2);
    assert.match(status.stderr, /--kms-dir \/ SECUREVOD_KMS_DIR must name an existing key ring/);
    assert.equal(existsSync(join(cwd, 'new-ring')), false);
    const created = await runCli(['kms', 'rotate', '--kms-dir', 'new-ring', '--json'], { cwd });
    assert.equal(created.code, 0, created.stderr);
    assert.ok(existsSync(join(cwd, 'new-ring', 'master-v1.key')));
  });

  it('refuses a data dir that is a file, naming the setting', async () => {
    await writeFile(join(cwd, 'a-file'), 'x');
    const result = await runCli(['kms', 'status', '--data-dir', 'a-file'], { cwd });
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^securevod kms status: .*--data-dir: ".*a-file" exists and is not a directory/,
    );
  });
});
