#!/usr/bin/env node
// Screenshots of every console page at 1366×768 and 390×844 into docs/console/*.png, for
// docs/console.md. Starts the real server with a temp data dir (via the console's test harness,
// which builds the console and the player SDK first if needed), fills it through the console,
// and photographs each page. Needs ffmpeg and /usr/bin/chromium. Usage:
//   node scripts/console-screenshots.mjs [output dir, default docs/console]
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = process.argv[2] ?? `${root}docs/console`;
const { runScreenshotTour } = await import('../packages/console/test/support/screenshot-tour.ts');
const written = await runScreenshotTour(outDir);
console.log(`${written.length} screenshots in ${outDir}`);
