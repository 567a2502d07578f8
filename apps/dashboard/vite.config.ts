import { defineConfig } from 'vite';

/**
 * Relative asset URLs (`base: './'`), so the built app works from any path: `opensensor dashboard`
 * serves it at `/`, a bucket or static host under any prefix.
 */
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
});
