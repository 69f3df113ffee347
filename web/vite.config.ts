import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Builds the single-page UI into `dist/web`, which `src/http/web-ui.ts` serves. `npx vite web`
 * runs a dev server that proxies the APIs to an Ascent server on ASCENT_DEV_API (default :5055).
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Hashed file names under assets/ let the server cache them forever.
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: Object.fromEntries(
      ['/api', '/version', '/health'].map((prefix) => [prefix, { target: process.env.ASCENT_DEV_API ?? 'http://127.0.0.1:5055', changeOrigin: true }]),
    ),
  },
});
