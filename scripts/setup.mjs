#!/usr/bin/env node
// Installs what `npm start` and `npm test` need on a fresh clone, and nothing else:
//   1. npm dependencies (npm ci on a fresh clone, npm install when package-lock.json changed),
//   2. ffmpeg/ffprobe, Chromium and SoftHSM2 (the PKCS#11 KMS tests' HSM) from Debian's packages
//      when running as root and absent,
//   3. the browser bundles and the compiled server (packages/server/dist) when their sources changed.
// Without root it prints one line saying what to install. `--quiet` prints only what it does.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const log = (line) => console.error(`[setup] ${line}`);

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (res.status !== 0) {
    log(`${cmd} ${args.join(' ')} failed with exit code ${res.status}`);
    process.exit(res.status ?? 1);
  }
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function npmDependencies() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (!existsSync(marker)) {
    log('installing npm dependencies (npm ci)…');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  } else if (statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000) {
    log('package-lock.json changed: npm install…');
    run('npm', ['install', '--no-audit', '--no-fund']);
  }
  // npm 11 runs install scripts only for packages listed in package.json "allowScripts"; if an
  // older or stricter npm skipped the native build, build it now rather than fail at start.
  const require = createRequire(join(root, 'packages', 'server', 'package.json'));
  try {
    const Database = require('better-sqlite3');
    new Database(':memory:').close();
  } catch {
    log('building better-sqlite3 (native SQLite binding)…');
    run('npm', ['rebuild', 'better-sqlite3']);
  }
  try {
    require('pkcs11js');
  } catch {
    log('building pkcs11js (native PKCS#11 binding)…');
    run('npm', ['rebuild', 'pkcs11js']);
  }
}

function systemPackages() {
  const missing = [];
  if (!has('ffmpeg') || !has('ffprobe')) missing.push('ffmpeg');
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!existsSync('/usr/lib/softhsm/libsofthsm2.so') || !has('softhsm2-util')) missing.push('softhsm2');
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    log(
      `missing ${missing.join(' and ')}: install Debian's packages with \`sudo apt-get install ${missing.join(' ')}\``,
    );
    return;
  }
  log(`installing ${missing.join(' ')} from Debian's packages…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

async function serverBuild() {
  // npm start runs the compiled server (packages/server/dist); rebuilt when a source is newer.
  const { ensureServerBuilt } = await import('./build-server.mjs');
  await ensureServerBuilt({ quiet: true });
}

function browserBundles() {
  // The web player SDK and the console are served by the server; build them when missing or
  // older than their sources (cheap when up to date).
  for (const script of ['build-sdk.mjs', 'build-console.mjs']) {
    const path = join(root, 'scripts', script);
    if (existsSync(path)) run(process.execPath, [path, '--quiet']);
  }
}

npmDependencies();
systemPackages();
browserBundles();
await serverBuild();
if (!quiet) log('ready');
