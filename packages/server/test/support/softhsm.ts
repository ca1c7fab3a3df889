/**
 * SoftHSM2 (Debian's `softhsm2`, installed by scripts/setup.mjs when running as root) for the
 * PKCS#11 tests: a token of its own in a temp directory, found through SOFTHSM2_CONF.
 *
 * SoftHSM reads SOFTHSM2_CONF when the library is initialised, once per process, so a test file
 * sets it before its first KMS opens and uses one token directory throughout; each test keeps
 * apart from the others by its own key label (or its own token). Without SoftHSM the tests skip
 * with the reason — but fail under CI=true, where setup must have installed it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, it } from 'node:test';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const run = promisify(execFile);

export interface SoftHsmToken {
  readonly modulePath: string;
  readonly tokenLabel: string;
  readonly slot: number;
  readonly pin: string;
  readonly soPin: string;
}

export interface SoftHsm {
  /** The SOFTHSM2_CONF file, for child processes. */
  readonly conf: string;
  /** Tokens initialised before anything in this process opened the library (it scans once). */
  readonly tokens: readonly SoftHsmToken[];
}

async function missing(): Promise<string | undefined> {
  if (!existsSync(SOFTHSM_MODULE)) return `${SOFTHSM_MODULE} is missing`;
  try {
    await run('softhsm2-util', ['--version']);
  } catch {
    return 'softhsm2-util is not on PATH';
  }
  return undefined;
}

/**
 * Runs `define(hsm)` with a private SoftHSM2 configuration holding `tokenCount` fresh tokens, or
 * registers one skipped test.
 */
export async function withSoftHsm(
  name: string,
  tokenCount: number,
  define: (hsm: SoftHsm) => void,
): Promise<void> {
  const problem = await missing();
  if (problem !== undefined) {
    const message = `SoftHSM2 is not installed (${problem}): run npm run setup as root, or apt-get install softhsm2`;
    if (process.env.CI === 'true') it(name, () => assert.fail(`${message}. CI must run the PKCS#11 tests.`));
    else it(name, { skip: message }, () => {});
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'securevod-softhsm-'));
  const tokens = join(dir, 'tokens');
  await mkdir(tokens);
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf;
  after(() => rm(dir, { recursive: true, force: true }));
  const created: SoftHsmToken[] = [];
  for (let i = 0; i < tokenCount; i++) created.push(await createToken(conf));
  define({ conf, tokens: created });
}

export async function createToken(conf: string): Promise<SoftHsmToken> {
  const label = `securevod-${randomBytes(4).toString('hex')}`;
  const pin = randomBytes(6).toString('hex');
  const soPin = randomBytes(6).toString('hex');
  const { stdout } = await run(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', pin],
    { env: { ...process.env, SOFTHSM2_CONF: conf } },
  );
  const slot = Number(/reassigned to slot (\d+)/.exec(stdout)?.[1]);
  assert.ok(Number.isSafeInteger(slot), `softhsm2-util said: ${stdout}`);
  return { modulePath: SOFTHSM_MODULE, tokenLabel: label, slot, pin, soPin };
}
