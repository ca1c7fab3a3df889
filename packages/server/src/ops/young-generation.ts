/**
 * V8's young generation during start-up (issue 12 item 1, idle RSS < 90 MB).
 *
 * Loading the server's modules allocates tens of megabytes, much of which survives (module
 * records, functions, their source), so V8 keeps doubling its young generation
 * (`--semi-space-growth-factor`, default 2) up to the 16 MB semi-space maximum, and keeps that size
 * until its first garbage collection at idle, 20–30 s later. On the compiled build that was about
 * 8 MB of the idle RSS 3 s after start (90 → 82 MB with the cap below, same build, load 0.7).
 *
 * So `bin/securevod.mjs` sets the growth factor to 1 before it imports the compiled build (a flag
 * must be set before the allocations it governs, so it cannot live here), marks the process with
 * `CAPPED`, and the CLI calls `releaseYoungGenerationCap()` once a command's action has finished —
 * for `server` and `worker` that is once they listen. From then on V8 grows the young generation
 * again as the load asks for it, so the hot paths under load run with the same heap as before
 * (`npm run bench -- key-service`, same build, alternating, load 4–9: server CPU per key request
 * 45–63 µs capped, 1.82–1.92× the anchor's, vs 54–69 µs uncapped, 1.77–2.28×: no cost within the
 * noise). Start-up is not slower either (423 vs 434 ms to `/healthz`, medians of 5 alternating
 * starts, load 0.7).
 *
 * The growth factor is an integer V8 reads whenever it considers growing the young generation,
 * which is why setting it after V8 started takes effect (unlike `--max-semi-space-size`, fixed when
 * the heap is set up; Node asks for care with `setFlagsFromString` after start for that reason).
 * test/ops/young-generation.test.ts checks both halves.
 *
 * A user who sets a semi-space flag of their own (NODE_OPTIONS or node's arguments) gets neither
 * the cap nor the release.
 */
import { setFlagsFromString } from 'node:v8';

/** Set on `globalThis` by bin/securevod.mjs when it capped the growth. */
export const CAPPED = Symbol.for('securevod.youngGenerationCapped');
/** V8's own default for `--semi-space-growth-factor`. */
const V8_DEFAULT_GROWTH_FACTOR = 2;

/** Lets the young generation grow again; a no-op unless the binary capped it, and after the first call. */
export function releaseYoungGenerationCap(): void {
  const scope = globalThis as { [CAPPED]?: boolean };
  if (!scope[CAPPED]) return;
  scope[CAPPED] = false;
  setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`);
}
