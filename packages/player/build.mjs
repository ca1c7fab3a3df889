#!/usr/bin/env node
// Builds the web player SDK (DESIGN §5): one file a plain HTML page can load, and an ES module.
//   dist/securevod-player.js   IIFE, global `SecureVod` (every export of src/index.ts: createPlayer,
//                              createDownloader, createOfflinePlayer, PlayerError, Hls, …), minified
//   dist/securevod-player.mjs  ESM, minified
// Both bundle hls.js and @securevod/crypto. `scripts/build-sdk.mjs` calls `buildPlayer()` only
// when dist/ is missing or older than a source; run this file directly to force a build.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
export const DIST_DIR = `${here}dist`;
export const OUTPUTS = ['securevod-player.js', 'securevod-player.mjs'];

/** Builds both bundles into dist/; resolves with the output paths. */
export async function buildPlayer({ logLevel = 'warning' } = {}) {
  await mkdir(DIST_DIR, { recursive: true });
  const common = {
    entryPoints: [`${here}src/index.ts`],
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    platform: 'browser',
    // The SDK needs MSE, WebCrypto (ECDH P-256, HKDF, AES-GCM) and ES2020; browsers of the
    // Chrome 90 / Firefox 90 / Safari 15 generation have them all.
    target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
    logLevel,
    banner: { js: '/* @securevod/player — bundles hls.js (Apache-2.0) */' },
  };
  await Promise.all([
    build({ ...common, format: 'iife', globalName: 'SecureVod', outfile: `${DIST_DIR}/${OUTPUTS[0]}` }),
    build({ ...common, format: 'esm', outfile: `${DIST_DIR}/${OUTPUTS[1]}` }),
  ]);
  return OUTPUTS.map((name) => `${DIST_DIR}/${name}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outputs = await buildPlayer({ logLevel: 'info' });
  console.log(`built ${outputs.join(', ')}`);
}
