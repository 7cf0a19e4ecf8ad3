// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The layer table of docs/ARCHITECTURE.md, as import restrictions. */
const layer = (files, forbidden) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: forbidden.map((group) => ({ group: [group], message: 'This layer may not import that one (docs/ARCHITECTURE.md).' })) },
    ],
  },
});

const ABOVE_CODECS = ['**/txn/**', '**/host/**', '**/app/**', '**/cli/**', '**/display/**', '**/drivers/**', '**/hw-mocks/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  layer(['src/util/**', 'src/config/**', 'src/log/**'], ['**/card/**', '**/emv/**', '**/crypto/**', '**/iso8583/**', '**/devices/**', ...ABOVE_CODECS]),
  layer(['src/emv/**', 'src/crypto/**', 'src/iso8583/**', 'src/card/**', 'src/devices/**'], ABOVE_CODECS),
  layer(['src/host/**', 'src/display/**'], ['**/txn/**', '**/app/**', '**/cli/**', '**/drivers/**', '**/hw-mocks/**']),
  layer(['src/txn/**'], ['**/app/**', '**/cli/**', '**/drivers/**', '**/hw-mocks/**']),
  layer(['drivers/**'], ['**/src/txn/**', '**/src/app/**', '**/src/cli/**', '**/hw-mocks/**']),
  layer(['hw-mocks/**'], ['**/drivers/**', '**/src/txn/**', '**/src/app/**', '**/src/cli/**']),
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // vitest's asymmetric matchers (expect.objectContaining, …) are typed `any`.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
);
