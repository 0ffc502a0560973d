import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/**
 * Vite builds the SMART app (two pages: launch.html, only the authorize step, and index.html, the app) under
 * `/app/`, where the sandbox and a static host serve it. Vitest (configured here too) runs every test under
 * `tests/` in three projects: node (engine, fhir, bots, sandbox), app (jsdom components) and e2e (a real
 * Chromium against a started sandbox, one file at a time).
 */
export default defineConfig({
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: 'dist/app',
    sourcemap: true,
    // @medplum/react's CSS has a Sass-style media query that lightningcss (Vite 8's default) rejects.
    cssMinify: 'esbuild',
    rolldownOptions: {
      input: { index: 'index.html', launch: 'launch.html' },
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/app/**', 'tests/e2e/**'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        // fhirclient's package entry is its Node build under Vitest; the app uses the browser build.
        resolve: { alias: [{ find: /^fhirclient$/, replacement: 'fhirclient/lib/entry/browser.js' }] },
        test: {
          name: 'app',
          include: ['tests/app/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['tests/app/setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
