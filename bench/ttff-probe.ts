/**
 * Time-to-first-frame instrumentation for a page that plays through the SDK, installed with
 * `page.addInitScript` before any page script runs, so every timestamp is `performance.now()`:
 * milliseconds since the navigation started (the page's time origin).
 *
 * - `createPlayer`: when the page called `SecureVod.createPlayer` / `createOfflinePlayer` (the
 *   global is wrapped the moment the SDK bundle assigns it).
 * - `firstFrame`: `presentationTime` of the first `requestVideoFrameCallback` on the player's
 *   <video>: the first decoded frame handed to the compositor.
 * - `moving`: the first frame presented with `mediaTime > 0`, i.e. playback has advanced.
 * - `playing`: the first `playing` event.
 * Read the result with `readTtff(page)` once `firstFrame` and `moving` are set.
 */
import type { Page } from 'playwright-core';

export interface TtffMarks {
  createPlayer?: number;
  firstFrame?: number;
  moving?: number;
  playing?: number;
  /** Fatal SDK errors seen, as `type/details`. */
  fatal: string[];
  /** Resource timing of the requests that matter, in request order: path (no query) and responseEnd. */
  resources: Array<{ path: string; startTime: number; responseEnd: number }>;
}

// A string, not a function: the page must not depend on how tsx compiles this file.
const PROBE = `(() => {
  const marks = { fatal: [], resources: [] };
  window.__ttff = marks;
  const watch = (video) => {
    if (!video || video.__ttffWatched) return;
    video.__ttffWatched = true;
    video.addEventListener('playing', () => { marks.playing ??= performance.now(); });
    if (typeof video.requestVideoFrameCallback !== 'function') return;
    const onFrame = (now, meta) => {
      marks.firstFrame ??= meta.presentationTime ?? now;
      if (meta.mediaTime > 0) { marks.moving ??= meta.presentationTime ?? now; return; }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  };
  // The bundle's exports are getters (esbuild), so the wrapped functions go on a copy.
  const wrap = (exports) => {
    if (!exports || typeof exports !== 'object') return exports;
    const sdk = {};
    for (const key of Object.keys(exports)) sdk[key] = exports[key];
    for (const name of ['createPlayer', 'createOfflinePlayer']) {
      const original = sdk && sdk[name];
      if (typeof original !== 'function') continue;
      sdk[name] = function (options) {
        marks.createPlayer ??= performance.now();
        watch(options && options.video);
        const player = original.apply(this, arguments);
        if (player && typeof player.on === 'function') {
          player.on('error', (e) => { if (e && e.fatal) marks.fatal.push(e.type + '/' + e.details); });
        }
        return player;
      };
    }
    return sdk;
  };
  let sdk;
  Object.defineProperty(window, 'SecureVod', {
    configurable: true,
    get: () => sdk,
    set: (value) => { sdk = wrap(value); },
  });
})();`;

export async function installTtffProbe(page: Page): Promise<void> {
  await page.addInitScript(PROBE);
}

/** The marks, with the resource entries whose path matches `interesting`. */
export async function readTtff(page: Page, interesting: RegExp): Promise<TtffMarks> {
  const marks = (await page.evaluate(
    `({ ...window.__ttff, resources: performance.getEntriesByType('resource').map((e) => ({ path: new URL(e.name).pathname, startTime: e.startTime, responseEnd: e.responseEnd })) })`,
  )) as TtffMarks;
  marks.resources = marks.resources.filter((r) => interesting.test(r.path));
  return marks;
}

/** Resolves once the first frame and playback progress are both seen (or a fatal error). */
export async function waitForMoving(page: Page, timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    `(() => { const m = window.__ttff; return m && ((m.firstFrame !== undefined && m.moving !== undefined) || m.fatal.length > 0); })()`,
    undefined,
    { timeout: timeoutMs, polling: 50 },
  );
}

/** Median of the finite values (NaN when none). */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
