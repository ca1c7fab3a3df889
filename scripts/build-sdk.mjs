#!/usr/bin/env node
// Builds the web player SDK (packages/player/dist/) when it is missing or older than any of its
// sources: packages/player/src, packages/crypto/src, packages/player/build.mjs and the installed
// hls.js. Cheap when up to date (a directory walk and some stats), so `npm start`/`npm test`
// can run it every time. `--quiet` prints only when it builds; `--force` always builds.
// Also importable: `ensureSdkBuilt({ force, quiet })` resolves to true when it built.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const playerDir = join(root, 'packages', 'player');

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

export async function ensureSdkBuilt({ force = false, quiet = false } = {}) {
  const { DIST_DIR, OUTPUTS, buildPlayer } = await import('../packages/player/build.mjs');
  const outputs = OUTPUTS.map((name) => join(DIST_DIR, name));
  const oldestOutput = Math.min(...outputs.map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0)));
  const newestSource = Math.max(
    newestMtime(join(playerDir, 'src')),
    newestMtime(join(playerDir, 'build.mjs')),
    newestMtime(join(root, 'packages', 'crypto', 'src')),
    newestMtime(join(root, 'node_modules', 'hls.js', 'package.json')),
  );
  if (!force && oldestOutput > 0 && oldestOutput >= newestSource) {
    if (!quiet) console.error('[build-sdk] packages/player/dist is up to date');
    return false;
  }
  console.error('[build-sdk] building the player SDK (packages/player/dist)…');
  await buildPlayer();
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await ensureSdkBuilt({ force: process.argv.includes('--force'), quiet: process.argv.includes('--quiet') });
}
