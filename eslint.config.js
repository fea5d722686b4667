// Flat config: typescript-eslint's type-checked rules (a promise-heavy Koa app needs no-floating-promises and
// no-misused-promises) on top of ESLint's; formatting is Prettier's job (npm run format:check).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layers } from './eslint.layers.js';
import local from './eslint-rules/assert-message.js';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-mocks/',
      'node_modules/',
      'coverage/',
      'eslint.config.js',
      'eslint.layers.js',
      'eslint-rules/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() and describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      'no-throw-literal': 'off',
      '@typescript-eslint/only-throw-error': 'error',
      // Async methods that implement an async interface (caches, plugins) need no await of their own.
      '@typescript-eslint/require-await': 'off',
    },
  },
  // Lower layers never import upper ones (eslint.layers.js).
  layers,
  // The demo, the benchmarks, the scripts and the tests print to the terminal on purpose; the mocks log.
  { files: ['src/demo.ts', 'bench/**', 'scripts/**', 'test/**'], rules: { 'no-console': 'off' } },
  // Tests poke at JSON bodies whose shape is the thing under test. Every assertion says what it expected
  // (eslint-rules/assert-message.js), so a failure under load reads as more than `false == true`.
  {
    files: ['test/**'],
    plugins: { local },
    rules: {
      'local/assert-message': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
