// Vite build of the console (`scripts/build-console.mjs` runs it): React through esbuild's
// automatic JSX runtime (no React plugin: fast refresh is not needed), served under /console/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { BASE_PATH } from './src/base-path.js';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: BASE_PATH,
  esbuild: { jsx: 'automatic' },
  logLevel: 'warn',
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
