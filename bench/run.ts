/**
 * `npm run bench [-- <name>…] [--profile] [--connections N] [--duration S] [--warmup S] [--pipelining N]`
 *
 * Runs every `bench/*.bench.ts` (or those whose name contains one of the given words) one after
 * the other, prints a table per benchmark and writes one results JSON per run under
 * `bench/results/` (gitignored), with the machine's facts. Exits 1 only when a benchmark could
 * not measure; slowness is reported, never failed.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Benchmark, BenchOptions, BenchResult } from './benchmark.js';
import { describeMachine, machineFacts, type MachineFacts } from './machine.js';
import { formatResult } from './report-table.js';

const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));
const SUFFIX = '.bench.ts';

function readOptions(argv: string[]): { filters: string[]; options: BenchOptions } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      profile: { type: 'boolean', default: false },
      connections: { type: 'string', default: '20' },
      pipelining: { type: 'string', default: '1' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
    },
  });
  const int = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`--${name} must be an integer from ${min} to ${max}; got "${raw}".`);
    }
    return n;
  };
  return {
    filters: positionals,
    options: {
      profile: values.profile,
      load: {
        connections: int('connections', values.connections, 1, 1000),
        pipelining: int('pipelining', values.pipelining, 1, 100),
        durationSeconds: int('duration', values.duration, 1, 120),
        warmupSeconds: int('warmup', values.warmup, 0, 60),
      },
    },
  };
}

async function discover(filters: string[]): Promise<string[]> {
  const names = (await readdir(BENCH_DIR))
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
  const chosen = filters.length ? names.filter((n) => filters.some((f) => n.includes(f))) : names;
  if (chosen.length === 0) {
    throw new Error(`no benchmark matches ${filters.join(', ')}; known: ${names.join(', ')}`);
  }
  return chosen;
}

interface RunRecord {
  startedAt: string;
  finishedAt?: string;
  command: string;
  options: BenchOptions;
  machine: MachineFacts;
  results: Array<BenchResult & { machine: MachineFacts; startedAt: string; seconds: number }>;
  failures: Array<{ name: string; error: string }>;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const { filters, options } = readOptions(argv);
  const names = await discover(filters);
  const machine = await machineFacts();
  const record: RunRecord = {
    startedAt: new Date().toISOString(),
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
    options,
    machine,
    results: [],
    failures: [],
  };
  console.error(`[bench] ${describeMachine(machine)}`);
  console.error(`[bench] running: ${names.join(', ')}`);

  for (const name of names) {
    const log = (line: string) => console.error(line.replace(/^/gm, `[bench ${name}] `));
    const workDir = await mkdtemp(join(tmpdir(), `securevod-bench-${name}-`));
    const started = Date.now();
    try {
      const module = (await import(pathToFileURL(join(BENCH_DIR, `${name}${SUFFIX}`)).href)) as {
        default: Benchmark;
      };
      const facts = await machineFacts(); // load average just before this benchmark
      if (facts.loadAverage1m > facts.cores / 2) {
        log(
          `warning: load average ${facts.loadAverage1m} on ${facts.cores} cores — other work is running; numbers will be low and noisy`,
        );
      }
      const result = await module.default.run({ options, workDir, log });
      record.results.push({
        ...result,
        machine: facts,
        startedAt: new Date(started).toISOString(),
        seconds: Math.round((Date.now() - started) / 100) / 10,
      });
      console.log(`\n${formatResult(result)}\n`);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`FAILED: ${message}`);
      record.failures.push({ name, error: message });
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  record.finishedAt = new Date().toISOString();
  const resultsDir = join(BENCH_DIR, 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `${record.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
  console.error(`[bench] results written to ${file}`);
  return record.failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[bench] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
