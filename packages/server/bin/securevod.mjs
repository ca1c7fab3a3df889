#!/usr/bin/env node
// The `securevod` binary. Runs the compiled server (packages/server/dist, made by
// `npm run setup` / scripts/build-server.mjs) when that build is up to date with the sources, and
// otherwise the TypeScript sources through tsx, so an edited checkout never runs stale code.
// SECUREVOD_FROM_SOURCE=1 forces the sources.
import { buildFreshness, ENTRY } from './build-freshness.mjs';

if (process.env.SECUREVOD_FROM_SOURCE !== '1' && buildFreshness().fresh) {
  await import(ENTRY);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
