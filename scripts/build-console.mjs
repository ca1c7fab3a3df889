#!/usr/bin/env node
// Builds the web console (packages/console/dist/) with Vite when it is missing or older than any
// of its sources: packages/console/{src,index.html,vite.config.ts}, packages/crypto/src (bundled
// in) and the installed react, react-dom, ali-oss and vite. Cheap when up to date (a directory
// walk and some stats), so `npm start`/`npm test` can run it every time. `--quiet` prints only
// when it builds; `--force` always builds.
// Also importable: `ensureConsoleBuilt({ force, quiet })` resolves to true when it built.
import { existsSync, readdirSync, statSync } from 'node:fs';
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

export async function ensureConsoleBuilt({ force = false, quiet = false } = {}) {
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
