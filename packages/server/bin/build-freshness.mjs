// Whether packages/server/dist (made by scripts/build-server.mjs) still matches the sources it was
// built from. Shared by the build script and the `securevod` binary, which runs the build only
// while it is fresh. A walk of the source trees with stat calls: about a millisecond per hundred
// files, no file contents read.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = join(serverDir, '..');
export const DIST_DIR = join(serverDir, 'dist');
export const ENTRY = join(DIST_DIR, 'cli.mjs');
export const STAMP = join(DIST_DIR, 'build-stamp.json');

/** What the build is made from: a change to any of these (or a file added or removed) makes it stale. */
const SOURCES = [
  join(serverDir, 'src'),
  join(serverDir, 'package.json'),
  join(serverDir, 'bin', 'build-freshness.mjs'),
  join(packagesDir, 'crypto', 'src'),
  join(packagesDir, 'crypto', 'package.json'),
  join(packagesDir, 'ffmpeg', 'src'),
  join(packagesDir, 'ffmpeg', 'package.json'),
  join(packagesDir, '..', 'scripts', 'build-server.mjs'),
];

function walk(path, into) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return;
  into.files++;
  // A directory's mtime changes when an entry is added, removed or renamed.
  into.newestMtimeMs = Math.max(into.newestMtimeMs, stat.mtimeMs);
  if (!stat.isDirectory()) return;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    walk(join(path, name), into);
  }
}

/** The sources' current state: how many files and directories, and the newest mtime among them. */
export function sourceState() {
  const state = { files: 0, newestMtimeMs: 0 };
  for (const path of SOURCES) walk(path, state);
  return state;
}

/** `{ fresh, reason, sources }`: fresh when the build exists and no source changed since. */
export function buildFreshness() {
  const sources = sourceState();
  if (!existsSync(ENTRY) || !existsSync(STAMP)) return { fresh: false, reason: 'no build yet', sources };
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return { fresh: false, reason: 'unreadable build stamp', sources };
  }
  const built = stamp?.sources ?? {};
  if (built.files !== sources.files)
    return { fresh: false, reason: 'source files added or removed', sources };
  if (!(sources.newestMtimeMs <= built.newestMtimeMs)) {
    return { fresh: false, reason: 'sources changed since the last build', sources };
  }
  return { fresh: true, reason: 'up to date', sources };
}
