/**
 * The dashboard build: root web/, static output in web/dist (served by `palisade serve` at `/`), base '/'.
 * `vite web` (dev) proxies the API routes to $PALISADE_API (default http://127.0.0.1:8443, a running `palisade serve`).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.PALISADE_API ?? 'http://127.0.0.1:8443';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/subscriptions': api,
      '/providers': api,
      '/palisade': api,
    },
  },
});
