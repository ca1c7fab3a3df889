#!/usr/bin/env node
// Builds the web console (packages/console/dist/) with Vite when it is missing or older than any
// of its sources: packages/console/{src,index.html,vite.config.ts}, packages/crypto/src (bundled
// in) and the installed react, react-dom, ali-oss and vite. Cheap when up to date (a directory
// walk and some stats), so `npm start`/`npm test` can run it every time. `--quiet` prints only
// when it builds; `--force` always builds.
// Also importable: `ensureConsoleBuilt({ force, quiet })` resolves to true when it built.
// Concurrent callers (parallel test files) take turns through a lock file, so one process never
// serves a dist/ another is emptying; the second finds the build fresh and returns.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const CONSOLE_DIR = join(root, 'packages', 'console');
export const CONSOLE_DIST = join(CONSOLE_DIR, 'dist');
const OUTPUT = join(CONSOLE_DIST, 'index.html');

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its directory's mtime
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

function newestSource() {
  return Math.max(
    newestMtime(join(CONSOLE_DIR, 'src')),
    newestMtime(join(CONSOLE_DIR, 'index.html')),
    newestMtime(join(CONSOLE_DIR, 'vite.config.ts')),
    newestMtime(join(root, 'packages', 'crypto', 'src')),
    ...['react', 'react-dom', 'ali-oss', 'vite'].map((name) =>
      newestMtime(join(root, 'node_modules', name, 'package.json')),
    ),
  );
}

const LOCK = join(
  tmpdir(),
  `securevod-console-build-${createHash('sha256').update(CONSOLE_DIR).digest('hex').slice(0, 12)}.lock`,
);
/** A lock older than this is left over from a killed build. */
const STALE_LOCK_MS = 5 * 60 * 1000;

async function withBuildLock(run) {
  for (;;) {
    try {
      closeSync(openSync(LOCK, 'wx'));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {
        continue; // released between open and stat
      }
      if (age > STALE_LOCK_MS) rmSync(LOCK, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await run();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

export async function ensureConsoleBuilt({ force = false, quiet = false } = {}) {
  return withBuildLock(() => buildIfStale({ force, quiet }));
}

async function buildIfStale({ force, quiet }) {
  const built = existsSync(OUTPUT) ? statSync(OUTPUT).mtimeMs : 0;
  if (!force && built > 0 && built >= newestSource()) {
    if (!quiet) console.error('[build-console] packages/console/dist is up to date');
    return false;
  }
  console.error('[build-console] building the web console (packages/console/dist)…');
  const { build } = await import('vite');
  await build({ root: CONSOLE_DIR, configFile: join(CONSOLE_DIR, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await ensureConsoleBuilt({
    force: process.argv.includes('--force'),
    quiet: process.argv.includes('--quiet'),
  });
}
