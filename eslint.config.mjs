// ESLint (flat config, typescript-eslint): runs in `npm test` (scripts/test.js), no errors allowed.
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/', '**/dist/', '**/.next/', '.local/', '**/*.d.ts', 'e2e/screenshots/', 'bench/results/', 'client/public/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Node scripts and configs are CommonJS.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['client/**/*.{ts,tsx,js,jsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['**/*.test.ts', '**/test/**', '**/testing/**', 'e2e/**', 'jest.preset.js', '**/jest.config.js'],
    languageOptions: { globals: { ...globals.jest } },
    rules: {
      // Tests read JSON and manifests whose shape they then assert: typing each one first buys nothing.
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests load CommonJS scripts (scripts/*.js, no types) and per-service modules by path at run time.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
