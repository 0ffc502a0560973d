import { defineConfig } from 'vitest/config';

/** Vite builds the SMART app; Vitest (configured here too) runs every test under `tests/`. */
export default defineConfig({
  build: {
    outDir: 'dist/app',
    sourcemap: true,
  },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
