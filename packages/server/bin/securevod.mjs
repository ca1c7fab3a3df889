#!/usr/bin/env node
// The `securevod` binary. Runs the compiled server (packages/server/dist, made by
// `npm run setup` / scripts/build-server.mjs) when that build is up to date with the sources, and
// otherwise the TypeScript sources through tsx, so an edited checkout never runs stale code.
// SECUREVOD_FROM_SOURCE=1 forces the sources.
import { setFlagsFromString } from 'node:v8';
import { buildFreshness, ENTRY } from './build-freshness.mjs';

if (process.env.SECUREVOD_FROM_SOURCE !== '1' && buildFreshness().fresh) {
  // Keep V8's young generation at its initial size while the build loads; the CLI lets it grow
  // again once the command has started (src/ops/young-generation.ts says why). Not when the user
  // tunes the semi-space, and not for tsx, a development path that allocates far more to load.
  const nodeOptions = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (!/semi[-_]space/.test(nodeOptions)) {
    setFlagsFromString('--semi-space-growth-factor=1');
    globalThis[Symbol.for('securevod.youngGenerationCapped')] = true;
  }
  await import(ENTRY);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
