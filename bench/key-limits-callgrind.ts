/**
 * Instructions per key request with the `/keys/` rate limits on and off, counted by valgrind's
 * callgrind — a figure that, unlike CPU time, does not move with the machine's load (issue 11:
 * rate limiting must cost the key fast path little). Not a `*.bench.ts`: it takes minutes (the
 * server runs some 50× slower under valgrind) and needs valgrind; run it by hand:
 *
 *   node --import tsx bench/key-limits-callgrind.ts [requests]
 *
 * The same data directory and key URI as key-service-limits.bench.ts (a transcoded
 * HLSEncryption clip). For each mode the server (`--roles api,keys,media`: no worker polling its
 * queue) starts under `valgrind --tool=callgrind --instr-atstart=no`, takes a warm-up of
 * `requests` key requests (V8 compiles the hot path), then instruction counting is switched on
 * (`callgrind_control -i on`, counters zeroed with `-z`) for `requests` more, sent four at a time
 * over keep-alive connections, and dumped (`callgrind_control -d`). Prints instructions per request for off, on and their ratio.
 * Background work in the window (the audit flush timer) is counted too, the same in both modes.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  makeDataDir,
  removeDir,
  startServerProcess,
} from '../packages/server/test/support/server-process.js';
import { standardKeyUri, startService, transcodedVideo } from './securevod-service.js';

const run = promisify(execFile);
const OFF = {
  SECUREVOD_RATE_LIMIT_RPC: '0',
  SECUREVOD_RATE_LIMIT_PLAY: '0',
  SECUREVOD_RATE_LIMIT_KEYS: '0',
  SECUREVOD_RATE_LIMIT_KEYS_PER_TOKEN: '0',
  SECUREVOD_RATE_LIMIT_DOWNLOAD: '0',
};
const ON = { SECUREVOD_RATE_LIMIT_KEYS: '1000000000', SECUREVOD_RATE_LIMIT_KEYS_PER_TOKEN: '1000000000' };

async function fetchKeys(url: string, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      request(url, { agent }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
        );
      })
        .on('error', reject)
        .end();
    });
  let sent = 0;
  const lane = async () => {
    while (sent < count) {
      sent++;
      await one();
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  agent.destroy();
}

/** Total instructions (Ir) in the dumps `callgrind_control -d` wrote under `dir` (not the one at exit). */
async function instructions(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) {
    if (!name.startsWith('callgrind.out')) continue;
    const text = await readFile(join(dir, name), 'utf8');
    if (!/^desc: Trigger: dump/m.test(text)) continue;
    const match = /^summary: (\d+)/m.exec(text) ?? /^totals: (\d+)/m.exec(text);
    if (match) total += Number(match[1]);
  }
  return total;
}

async function measure(dataDir: string, keyUri: string, env: Record<string, string>, requests: number) {
  const outDir = await makeDataDir('securevod-callgrind-');
  const server = await startServerProcess({
    dataDir,
    env: { SECUREVOD_LOG_LEVEL: 'warn', ...env },
    args: ['--roles', 'api,keys,media'],
    launcher: [
      'valgrind',
      '--tool=callgrind',
      '--instr-atstart=no',
      '--smc-check=all-non-file',
      `--callgrind-out-file=${join(outDir, 'callgrind.out.%p')}`,
    ],
    startTimeoutMs: 600_000,
  });
  try {
    const url = new URL(new URL(keyUri).pathname + new URL(keyUri).search, server.url).href;
    await fetchKeys(url, requests);
    const pid = String(server.pid);
    await run('callgrind_control', ['-i', 'on', pid]);
    await run('callgrind_control', ['-z', pid]);
    await fetchKeys(url, requests);
    // Dump now: a server slowed by valgrind may not finish its graceful stop before stop() kills it.
    await run('callgrind_control', ['-d', pid]);
    await run('callgrind_control', ['-i', 'off', pid]);
  } finally {
    await server.stop();
  }
  const ir = await instructions(outDir);
  if (process.env.KEEP_CALLGRIND) console.log(`callgrind output kept in ${outDir}`);
  else await removeDir(outDir);
  return ir / requests;
}

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? 2000);
  const dataDir = await makeDataDir('securevod-callgrind-data-');
  try {
    const first = await startService({ dataDir, env: OFF });
    let keyUri: string;
    try {
      keyUri = await standardKeyUri(first, await transcodedVideo(first, 'HLSEncryption'));
    } finally {
      await first.stop();
    }
    const off = await measure(dataDir, keyUri, OFF, requests);
    console.log(`limits off: ${Math.round(off)} instructions per key request`);
    const on = await measure(dataDir, keyUri, ON, requests);
    console.log(`limits on:  ${Math.round(on)} instructions per key request`);
    console.log(`on / off: ${(on / off).toFixed(3)} (${requests} requests each, after as many to warm up)`);
  } finally {
    await removeDir(dataDir);
  }
}

await main();
