/**
 * Where a worker thread's entry module is, whether the server runs from the compiled build
 * (packages/server/dist, scripts/build-server.mjs) or from the TypeScript sources through tsx
 * (tests, `SECUREVOD_FROM_SOURCE=1`, a stale build).
 *
 * The build bundles each thread entry as a file of its own next to the CLI
 * (`dist/<built>.mjs`, listed in build-server.mjs's `THREAD_ENTRIES`), because a bundle has no
 * `.ts` files to point a `Worker` at. From the sources the worker first registers tsx and then
 * imports the `.ts` entry: on Node 20 a worker runs neither loader hooks registered at run time
 * (bin/securevod.mjs registers tsx that way) nor a `--import` of tsx given to it.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Tells apart the two ways we run: this module's own URL ends in `.ts` only from the sources. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * Starts a worker on `source` (the entry's `.ts` file, `new URL('./x-worker.ts',
 * import.meta.url)`), which the build names `built` (dist/<built>.mjs).
 */
export function startThread(source: URL, built: string, options: WorkerOptions = {}): Worker {
  if (!FROM_SOURCE) return new Worker(new URL(`./${built}.mjs`, import.meta.url), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot =
    `import(${JSON.stringify(tsx)})` +
    `.then(({ register }) => { register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
