// Flat config: typescript-eslint's recommended rules on top of ESLint's; formatting is left to the editor.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-throw-literal': 'error',
    },
  },
  // The demo and the benchmark print to the terminal on purpose; the mocks' entry points print their URL.
  { files: ['src/demo.ts', 'bench/**', 'scripts/**', 'test/**'], rules: { 'no-console': 'off' } },
  // Tests poke at JSON bodies whose shape is the thing under test.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
