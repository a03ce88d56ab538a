import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './svelte.config.mjs';

export default tseslint.config(
  {
    ignores: ['out/', 'dist/', 'release/', 'node_modules/', 'test-results/', 'bench/results/', 'resources/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'scripts/*.mjs', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, svelteConfig } },
  },
  {
    files: ['**/*.ts', '**/*.svelte'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() and describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'describe', 'it'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Only the Electron shell may import electron.
    files: ['src-main/engine/**', 'src-renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only src-main/electron may import electron.' }] },
      ],
    },
  },
  {
    // The engine's own thread (the Api, catalogue, evaluation, store, web server, reports, CLI) loads no ML library
    // and no browser driver: TensorFlow.js and the trainers live in the model workers, playwright is imported
    // lazily by the PDF export. Type-only imports are fine.
    files: [
      'src-main/engine/*.ts',
      'src-main/engine/catalogue/**',
      'src-main/engine/eval/**',
      'src-main/engine/store/**',
      'src-main/engine/web/**',
      'src-main/engine/report/**',
      'src-main/engine/cli/**',
      'src-main/engine/triage/**',
      'src-main/engine/jobs/job-manager.ts',
    ],
    // The update job runs in the model worker (it scores): the rest of triage/ is the engine thread's.
    ignores: ['**/*.test.ts', 'src-main/engine/triage/update-job.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'Only src-main/electron may import electron.' },
            {
              name: 'playwright-core',
              message: 'Import playwright-core lazily (await import) where a PDF is made.',
            },
          ],
          patterns: [
            {
              group: ['@tensorflow/*'],
              message: "TensorFlow.js is for the model workers; the engine's thread must not load it.",
              allowTypeImports: true,
            },
            {
              group: [
                '**/model/run-training',
                '**/model/score',
                '**/model/score-update',
                '**/model/backend',
                '**/model/models',
                '**/model/train',
                '**/model/train-step',
                '**/model/weights-io',
                '**/model/gbdt/train-trees',
                '**/model/native/native-step',
              ],
              message:
                'This module loads an ML library: the engine thread uses model/run-store and the workers (jobs/) instead.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  { files: ['bin/*.js', 'scripts/*.mjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
