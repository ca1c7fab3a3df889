/**
 * What every fuzz target of the property suites shares (issue 11, "Fuzzing"): how many runs, the
 * time bound per input, and the rule that a target may fail only with its own typed errors.
 *
 * `npm test` runs each property a few thousand times; `npm run fuzz` (scripts/fuzz.mjs) sets
 * `FUZZ_RUNS=1000000`. Targets whose single input costs milliseconds (PBKDF2, a whole package)
 * scale down from that with `fuzzRuns(default, { costly })`.
 */
import fc from 'fast-check';

/** The runs requested by `npm run fuzz`, or undefined under `npm test`. */
const REQUESTED = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : undefined;
if (REQUESTED !== undefined && !(Number.isSafeInteger(REQUESTED) && REQUESTED > 0)) {
  throw new Error(`FUZZ_RUNS must be a positive integer; got "${process.env.FUZZ_RUNS}"`);
}

/**
 * One input that costs more CPU time than this is a hang: a regex or loop that went super-linear.
 * CPU time, not wall time, so that a machine busy with other work (or `nice`) causes no false
 * alarm; a real hang burns CPU. The async fast-check `timeout` below is wall time, and generous.
 */
export const TIME_BOUND_MS = Number(process.env.FUZZ_TIME_BOUND_MS ?? 2000);

/** Whether this run is `npm run fuzz` (so tests may print what they found). */
export const FUZZING = REQUESTED !== undefined;

/**
 * `runs` under `npm test`; under `npm run fuzz` the requested count, divided by `costly` for
 * targets whose one input costs about `costly` times a cheap one (never fewer than `runs`).
 */
export function fuzzRuns(runs: number, options: { costly?: number } = {}): number {
  if (REQUESTED === undefined) return runs;
  return Math.max(runs, Math.floor(REQUESTED / (options.costly ?? 1)));
}

/** fast-check parameters every fuzz property uses: the run count and the async time bound. */
export function fuzzParameters<T>(numRuns: number): fc.Parameters<T> {
  return { numRuns, timeout: 30 * TIME_BOUND_MS, ...(FUZZING ? { verbose: 1 } : {}) };
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Runs `target` on one input: returns its result, `undefined` when it threw one of `allowed`,
 * and fails the property for any other throw (a crash) or when the input cost more than
 * `TIME_BOUND_MS` of CPU (a hang).
 */
export function onlyTyped<T>(allowed: readonly ErrorClass[], target: () => T): T | undefined {
  const started = process.cpuUsage();
  try {
    return target();
  } catch (error) {
    if (allowed.some((type) => error instanceof type)) return undefined;
    throw error;
  } finally {
    assertWithinBound(started);
  }
}

/** `onlyTyped` for async targets. */
export async function onlyTypedAsync<T>(
  allowed: readonly ErrorClass[],
  target: () => Promise<T>,
): Promise<T | undefined> {
  const started = process.cpuUsage();
  try {
    return await target();
  } catch (error) {
    if (allowed.some((type) => error instanceof type)) return undefined;
    throw error;
  } finally {
    assertWithinBound(started);
  }
}

function assertWithinBound(started: NodeJS.CpuUsage): void {
  const { user, system } = process.cpuUsage(started);
  const took = (user + system) / 1000;
  if (took > TIME_BOUND_MS) {
    throw new Error(
      `one input took ${Math.round(took)} ms of CPU, past the ${TIME_BOUND_MS} ms bound (a hang)`,
    );
  }
}

/** Flips, inserts, deletes or truncates bytes of a valid encoding: near-misses of real inputs. */
export function mutatedBytes(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let bytes = Uint8Array.from(valid);
    for (const e of edits) {
      const at = bytes.length === 0 ? 0 : e.at % bytes.length;
      if (e.kind === 'flip' && bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << e.bit);
      else if (e.kind === 'set' && bytes.length > 0) bytes[at] = e.value;
      else if (e.kind === 'cut') bytes = bytes.slice(0, at);
      else if (e.kind === 'insert')
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...e.bytes, ...bytes.subarray(at)]);
      else if (e.kind === 'delete')
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + e.count)]);
    }
    return bytes;
  });
}

/** A UTF-16 surrogate without its partner: what `encodeURIComponent` cannot encode. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `String.prototype.isWellFormed` (ES2024, beyond this project's TypeScript lib). */
export function isWellFormed(text: string): boolean {
  return !new RegExp(LONE_SURROGATE.source).test(text);
}

/** `String.prototype.toWellFormed`: lone surrogates become U+FFFD. */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}
