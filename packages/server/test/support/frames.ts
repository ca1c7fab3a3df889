/**
 * Frame comparison for playback tests: a frame ffmpeg decodes from the source, and the mean RGB
 * difference between it and a frame captured from a <video> element (canvas `getImageData`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';

const run = promisify(execFile);

export const FRAME_W = 160;
export const FRAME_H = 90;
/** Mean absolute difference per RGB channel (0–255) allowed between a played frame and ffmpeg's. */
export const FRAME_TOLERANCE = 12;

/** The source's frame at `at` seconds, FRAME_W × FRAME_H RGBA (`extraFilter` e.g. `hflip,`). */
export async function ffmpegFrame(source: string, at: number, extraFilter = ''): Promise<Uint8Array> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-ss',
      String(at),
      '-i',
      source,
      '-frames:v',
      '1',
      '-vf',
      `${extraFilter}scale=${FRAME_W}:${FRAME_H}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgba',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 8 * 1024 * 1024 },
  );
  return new Uint8Array(stdout);
}

export function meanRgbDifference(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length, 'frame sizes match');
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) sum += Math.abs(a[i + c]! - b[i + c]!);
    n += 3;
  }
  return sum / n;
}

/** Pauses the page's <video>, seeks to `at` and returns the shown frame, FRAME_W × FRAME_H RGBA. */
export async function capturedFrame(page: Page, at: number, selector = 'video'): Promise<Uint8Array> {
  const rgba = await page.evaluate(
    async ({ at, w, h, selector }) => {
      const v = document.querySelector(selector) as HTMLVideoElement;
      v.pause();
      await new Promise<void>((resolve) => {
        v.addEventListener('seeked', () => resolve(), { once: true });
        v.currentTime = at;
      });
      await new Promise((r) => setTimeout(r, 300));
      const canvas = document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(v, 0, 0, w, h);
      return Array.from(ctx.getImageData(0, 0, w, h).data);
    },
    { at, w: FRAME_W, h: FRAME_H, selector },
  );
  return Uint8Array.from(rgba);
}
