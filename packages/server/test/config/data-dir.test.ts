/**
 * SECUREVOD_DATA_DIR is resolved once (config/data-dir.ts): the server's configuration, the
 * client commands' search for root-credentials.json and `securevod kms` agree on the same
 * settings, and a value that cannot be a data directory is refused with the setting's name.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadClientConfig } from '../../src/cli/client-config.js';
import { resolveDataDir } from '../../src/config/data-dir.js';
import { ConfigError, loadServerConfig } from '../../src/config/server-config.js';

let cwd: string;
before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'securevod-data-dir-'));
});
after(() => rm(cwd, { recursive: true, force: true }));

describe('resolveDataDir', () => {
  it('prefers --data-dir, then SECUREVOD_DATA_DIR, then ./data; relative to cwd; blanks are unset', () => {
    const env = { SECUREVOD_DATA_DIR: 'from-env' };
    assert.equal(resolveDataDir({ flag: 'from-flag', env, cwd }).dataDir, join(cwd, 'from-flag'));
    assert.equal(resolveDataDir({ env, cwd }).dataDir, join(cwd, 'from-env'));
    assert.equal(resolveDataDir({ env: {}, cwd }).dataDir, join(cwd, 'data'));
    assert.equal(resolveDataDir({ flag: '  ', env, cwd }).dataDir, join(cwd, 'from-env'));
    assert.equal(resolveDataDir({ env: { SECUREVOD_DATA_DIR: ' ' }, cwd }).dataDir, join(cwd, 'data'));
    assert.equal(resolveDataDir({ env: { SECUREVOD_DATA_DIR: ' /srv/vod ' }, cwd }).dataDir, '/srv/vod');
    assert.equal(resolveDataDir({ env, cwd }).problem, undefined);
  });

  it('names the setting when the path is a file or contains NUL', async () => {
    await writeFile(join(cwd, 'a-file'), 'x');
    const file = resolveDataDir({ env: { SECUREVOD_DATA_DIR: 'a-file' }, cwd });
    assert.match(file.problem ?? '', /^SECUREVOD_DATA_DIR: ".*a-file" exists and is not a directory$/);
    const flag = resolveDataDir({ flag: 'a-file', env: {}, cwd });
    assert.match(flag.problem ?? '', /^--data-dir: /);
    assert.match(resolveDataDir({ flag: 'a\0b', env: {}, cwd }).problem ?? '', /NUL/);
  });
});

describe('every entry point resolves the data dir the same way', () => {
  for (const value of ['shared', '  shared  ', join('nested', '..', 'shared')]) {
    it(`SECUREVOD_DATA_DIR=${JSON.stringify(value)}: server config and client config agree`, async () => {
      const env = { SECUREVOD_DATA_DIR: value };
      const server = loadServerConfig({ flags: {}, env, cwd });
      assert.equal(server.dataDir, join(cwd, 'shared'));
      await mkdir(server.dataDir, { recursive: true });
      const credentials = join(server.dataDir, 'root-credentials.json');
      await writeFile(credentials, JSON.stringify({ accessKeyId: 'SVAKDATADIR0001', accessKeySecret: 's' }));
      const client = await loadClientConfig({ flags: {}, env, cwd });
      assert.equal(client.accessKeySource, credentials);
      assert.equal(client.accessKeyId, 'SVAKDATADIR0001');
    });
  }

  it('both refuse a data dir that is a file, naming the variable', async () => {
    await writeFile(join(cwd, 'not-a-dir'), 'x');
    const env = { SECUREVOD_DATA_DIR: 'not-a-dir' };
    assert.throws(
      () => loadServerConfig({ flags: {}, env, cwd }),
      (e: unknown) =>
        e instanceof ConfigError && e.problems.some((p) => p.startsWith('SECUREVOD_DATA_DIR: ')),
    );
    await assert.rejects(loadClientConfig({ flags: {}, env, cwd }), (e: unknown) => {
      const error = e as { code?: string; exitCode?: number; message: string };
      return (
        error.code === 'InvalidDataDir' &&
        error.exitCode === 2 &&
        error.message.startsWith('SECUREVOD_DATA_DIR: ')
      );
    });
  });
});
