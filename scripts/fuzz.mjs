#!/usr/bin/env node
// `npm run fuzz`: every fast-check property suite (packages/*/test/**/*.property.test.ts) with
// FUZZ_RUNS=1000000 runs per target (targets whose one input is costly scale down, see
// packages/crypto/test/support/fuzz.ts), one file after another so the machine stays usable.
// Stops by itself: the run counts are finite, and a file still running after
// FUZZ_FILE_TIMEOUT_MINUTES (default 240) is killed and reported as a hang.
//
//   npm run fuzz                      all targets, 10^6 runs each
//   npm run fuzz -- oss compact       only files whose path contains one of the words
//   FUZZ_RUNS=100000 npm run fuzz     fewer runs
//
// A failure prints fast-check's seed and counterexample; replay it with the same FUZZ_RUNS and
// `fc.assert(..., { seed, path })`.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);
const runs = process.env.FUZZ_RUNS ?? '1000000';
const timeoutMinutes = Number(process.env.FUZZ_FILE_TIMEOUT_MINUTES ?? 240);
if (!/^\d+$/.test(runs) || Number(runs) < 1) {
  console.error(`fuzz: FUZZ_RUNS must be a positive integer; got "${runs}"`);
  process.exit(2);
}
if (!(timeoutMinutes > 0)) {
  console.error('fuzz: FUZZ_FILE_TIMEOUT_MINUTES must be a positive number of minutes');
  process.exit(2);
}

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.property.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = readdirSync(join(root, 'packages'))
  .flatMap((pkg) => {
    try {
      return walk(join(root, 'packages', pkg, 'test'), []);
    } catch {
      return [];
    }
  })
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`fuzz: no property test files match ${filters.join(' ')}`);
  process.exit(1);
}

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', file], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, FUZZ_RUNS: runs, SECUREVOD_REPO_ROOT: root },
    });
    const timer = setTimeout(() => {
      console.error(`fuzz: ${file} still running after ${timeoutMinutes} min: killed (a hang)`);
      child.kill('SIGKILL');
    }, timeoutMinutes * 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ file, ok: code === 0, seconds: Math.round((Date.now() - started) / 1000), code, signal });
    });
  });
}

console.log(`fuzz: ${files.length} files, FUZZ_RUNS=${runs}`);
const results = [];
for (const file of files) results.push(await runFile(file));

console.log('\nfuzz summary');
for (const r of results) {
  console.log(
    `  ${r.ok ? 'ok  ' : 'FAIL'} ${r.file} (${r.seconds} s)${r.ok ? '' : ` exit ${r.code ?? r.signal}`}`,
  );
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
