#!/usr/bin/env node
// Builds the server for production (issue 12 item 1): packages/server/dist/ holds the CLI
// (`securevod server`, `worker`, `kms`, …) as plain JavaScript, bundled by esbuild from
// packages/server/src with the workspace packages (@securevod/crypto, @securevod/ffmpeg) inlined
// and every npm dependency left external (native bindings, lazy imports). Node then starts it
// without tsx: no TypeScript transform at run time, which is most of the start-up time and a
// good share of the idle memory.
//
// The build is made when it is missing or stale, i.e. when any file under the sources it is made
// from is newer than its stamp (dist/build-stamp.json), or a file was added or removed (directory
// mtimes). Cheap when up to date (a directory walk and some stats), so setup runs it every time.
// `packages/server/bin/securevod.mjs` runs the build only while it is fresh (same check) and falls
// back to the sources through tsx otherwise, so an edited source never runs as stale JavaScript.
//   node scripts/build-server.mjs [--quiet] [--force]
// Also importable: `ensureServerBuilt({ force, quiet })` resolves to true when it built.
import { rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFreshness, DIST_DIR, ENTRY, STAMP } from '../packages/server/bin/build-freshness.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** dist/<name>.mjs ← packages/server/src/<source>: the modules `new Worker` starts (thread-entry.ts). */
const THREAD_ENTRIES = {
  'sqlite-insert-worker': 'store/sqlite-insert-worker.ts',
  'key-exchange-worker': 'keys/key-exchange-worker.ts',
};

export async function ensureServerBuilt({ force = false, quiet = false } = {}) {
  const state = buildFreshness();
  if (!force && state.fresh) {
    if (!quiet) console.error('[build-server] packages/server/dist is up to date');
    return false;
  }
  console.error(`[build-server] building the server (packages/server/dist): ${state.reason}…`);
  const started = Date.now();
  const { build } = await import('esbuild');
  rmSync(DIST_DIR, { recursive: true, force: true });
  await mkdir(DIST_DIR, { recursive: true });
  const result = await build({
    entryPoints: {
      cli: join(root, 'packages/server/src/cli/main.ts'),
      // Worker-thread entries: a file each, found by src/shared/thread-entry.ts.
      ...Object.fromEntries(
        Object.entries(THREAD_ENTRIES).map(([name, source]) => [
          name,
          join(root, 'packages/server/src', source),
        ]),
      ),
    },
    outdir: DIST_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true, // keeps the server's lazy imports (Redis, metrics, SDK adapters) lazy
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
    metafile: true,
    plugins: [externalDependencies()],
  });
  // The stamp records the sources' state the build was made from; written last, so a build
  // interrupted half-way is never taken for a fresh one.
  const after = buildFreshness();
  await writeFile(
    STAMP,
    `${JSON.stringify({ builtAt: new Date().toISOString(), sources: after.sources, inputs: Object.keys(result.metafile.inputs).length }, null, 2)}\n`,
  );
  console.error(`[build-server] built ${ENTRY} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

/** npm packages stay imports (resolved from packages/server at run time); our workspace packages are TypeScript and get bundled. */
function externalDependencies() {
  return {
    name: 'external-dependencies',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@securevod/')) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await ensureServerBuilt({
    force: process.argv.includes('--force'),
    quiet: process.argv.includes('--quiet'),
  });
}
