import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// One build tool for the three targets. The main build also emits the engine's
// other entry points (the Electron utility-process host, the job worker and the
// CLI) so the packaged app and `drive-triage` run the same compiled engine.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          'engine-host': resolve(__dirname, 'src-main/electron/engine-host.ts'),
          'job-worker': resolve(__dirname, 'src-main/engine/jobs/job-worker.ts'),
          'train-worker': resolve(__dirname, 'src-main/engine/jobs/train-worker.ts'),
          'search-worker': resolve(__dirname, 'src-main/engine/jobs/search-worker.ts'),
          'bootstrap-worker': resolve(__dirname, 'src-main/engine/eval/bootstrap-worker.ts'),
          'parse-worker': resolve(__dirname, 'src-main/engine/import/parse-worker.ts'),
          'cube-worker': resolve(__dirname, 'src-main/engine/catalogue/cube-worker.ts'),
          cli: resolve(__dirname, 'src-main/engine/cli/cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { preload: resolve(__dirname, 'src-main/electron/preload.ts') },
        // A sandboxed preload can only require('electron'): one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [svelte({ configFile: resolve(__dirname, 'svelte.config.mjs') })],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html') },
      chunkSizeWarningLimit: 5000,
    },
  },
});
