import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** The console is served by the site server under /console/ (see apps/server/src/console/static-files.ts). */
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1024 },
});
