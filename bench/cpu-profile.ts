/**
 * Summarises a V8 `.cpuprofile` (written by `node --cpu-prof` or profiling/cpu-profile-preload.mjs) into "where the time goes":
 * each sample is charged to the innermost stack frame that belongs to a known component
 * (SQLite, Kysely, token verification, fastify, …), so a native call such as better-sqlite3's
 * `run` is charged to the code that made it. Time spent on the libuv thread pool (WebCrypto
 * jobs) is not on the main thread and does not appear, except as `(idle)`; time blocked in a
 * system call made from the main thread (an fsync inside SQLite) is charged to its caller.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileShare {
  name: string;
  ms: number;
  /** Share of busy (non-idle) main-thread time, 0–1. */
  share: number;
}

/** A span of the monotonic clock, in microseconds (`monotonicMicros()` in any local process). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** V8 profiles stamp samples with CLOCK_MONOTONIC µs, the clock `process.hrtime` reads. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  idleMs: number;
  categories: ProfileShare[];
  topFunctions: ProfileShare[];
}

/** Components, most specific first; matched against a frame's script URL. */
const COMPONENTS: Array<{ name: string; url: RegExp }> = [
  // Kysely's SQLite driver calls better-sqlite3's native statement methods, whose time (the
  // query, the commit) is charged to the driver frame.
  {
    name: 'SQLite (better-sqlite3 calls incl. commit, prepare)',
    url: /\/better-sqlite3\/|sqlite-dialect\.ts|\/kysely\/.*\/sqlite-driver\.js/,
  },
  { name: 'Kysely (query building, compiling, driver mutex)', url: /\/kysely\// },
  { name: 'audit log (key-delivery-log.ts)', url: /key-delivery-log\.ts/ },
  { name: 'video/stream lookups (stores)', url: /\/store\/(video|stream)-store\.ts/ },
  { name: 'token verification', url: /compact-token\.ts|hls-key-token\.ts|media-token\.ts|client-ip\.ts/ },
  { name: 'segment-key derivation (HKDF)', url: /key-derivation\.ts/ },
  { name: 'key exchange (ECDH, HKDF, AES-GCM wrap)', url: /key-exchange\.ts/ },
  { name: 'data-key cache / KMS', url: /data-key-cache\.ts|\/kms\// },
  {
    name: 'key/player route handlers',
    url: /key-routes\.ts|player-routes\.ts|player-http\.ts|playback-error\.ts/,
  },
  { name: 'logging (pino)', url: /\/pino[-/]|\/sonic-boom\// },
  {
    name: 'node http/net (socket writes, HTTP framing)',
    url: /^node:(net|_http_\w+|stream|internal\/(streams?\/|stream_base_commons|http))/,
  },
  { name: 'fastify (routing, hooks, reply)', url: /\/fastify\/|\/@fastify\/|\/find-my-way\/|\/avvio\// },
];

function componentOf(frame: CallFrame): string | undefined {
  for (const c of COMPONENTS) {
    if (c.url.test(frame.url)) return c.name;
  }
  return undefined;
}

/** The leaf's coarse kind when no known component is on the stack. */
function fallbackOf(leaf: CallFrame): string {
  if (leaf.functionName === '(garbage collector)') return 'garbage collection';
  if (leaf.functionName === '(program)') return '(program: V8/native, no JS frame)';
  if (leaf.url.startsWith('node:')) return 'node core (other: timers, events, crypto glue)';
  if (leaf.url === '') return `native: ${leaf.functionName || '(anonymous)'}`;
  return 'other JavaScript';
}

/** Samples outside `window` (start-up, set-up, shutdown) are left out when it is given. */
export function summariseProfile(
  profile: CpuProfile,
  file: string,
  window?: ProfileWindow,
  top = 15,
): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const categoryOfNode = new Map<number, string>();
  const classify = (id: number): string => {
    const cached = categoryOfNode.get(id);
    if (cached) return cached;
    const leaf = byId.get(id)!.callFrame;
    let name: string | undefined;
    for (let at: number | undefined = id; at !== undefined && !name; at = parent.get(at)) {
      name = componentOf(byId.get(at)!.callFrame);
    }
    name ??= fallbackOf(leaf);
    categoryOfNode.set(id, name);
    return name;
  };

  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const id = profile.samples[i]!;
    // V8 records the delta *before* a sample; the time until the next sample is what it stood for.
    const us = profile.timeDeltas[i + 1] ?? 0;
    totalUs += us;
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const category = classify(id);
    categories.set(category, (categories.get(category) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const shares = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: round(us / 1000), share: busyUs ? round(us / busyUs, 4) : 0 }));
  return {
    file,
    wallMs: round(totalUs / 1000),
    busyMs: round(busyUs / 1000),
    idleMs: round(idleUs / 1000),
    categories: shares(categories),
    topFunctions: shares(functions).slice(0, top),
  };
}

/** Reads the one `.cpuprofile` a process wrote into `dir`. */
export async function readProfileFrom(dir: string, window?: ProfileWindow): Promise<ProfileSummary> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile was written to ${dir}`);
  const file = join(dir, files.sort().at(-1)!);
  return summariseProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, file, window);
}

export function formatProfile(summary: ProfileSummary, rows = 12): string {
  const pct = (s: number) => `${(s * 100).toFixed(1).padStart(5)} %`;
  const lines = [
    `main thread: ${summary.busyMs} ms busy, ${summary.idleMs} ms idle of ${summary.wallMs} ms`,
    'by component (innermost known frame):',
    ...summary.categories
      .slice(0, rows)
      .map((c) => `  ${pct(c.share)}  ${c.ms.toFixed(0).padStart(7)} ms  ${c.name}`),
    'top self-time functions:',
    ...summary.topFunctions
      .slice(0, rows)
      .map((c) => `  ${pct(c.share)}  ${c.ms.toFixed(0).padStart(7)} ms  ${c.name}`),
  ];
  return lines.join('\n');
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) return url.slice(nm + '/node_modules/'.length);
  const pkg = url.indexOf('/packages/');
  if (pkg !== -1) return url.slice(pkg + 1);
  return url;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
