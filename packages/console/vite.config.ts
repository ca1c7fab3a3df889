// Vite build of the console (`scripts/build-console.mjs` runs it): React through esbuild's
// automatic JSX runtime (no React plugin: fast refresh is not needed), served under /console/.
// `npx vite packages/console` serves it for development and forwards everything outside
// /console/ (the API, uploads, /sdk/, media) to SECUREVOD_API_URL (default http://127.0.0.1:8080),
// so the console stays same-origin with the API as it is when the server serves it.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { BASE_PATH } from './src/base-path.js';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: BASE_PATH,
  esbuild: { jsx: 'automatic' },
  logLevel: 'warn',
  server: {
    proxy: {
      '^/(?!console(/|$)).*': { target: process.env.SECUREVOD_API_URL ?? 'http://127.0.0.1:8080' },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // ali-oss (~680 KB) is a separate asset loaded only when an upload starts.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 400,
  },
});
