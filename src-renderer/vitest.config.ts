import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

// Component tests: Svelte components rendered in jsdom with testing-library.
// The whole app in a real browser is Playwright's job (test/e2e).
export default defineConfig({
  root: resolve(__dirname),
  plugins: [svelte({ configFile: resolve(__dirname, '../svelte.config.mjs') }), svelteTesting()],
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/test-setup.ts'],
  },
});
