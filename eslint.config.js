import js from '@eslint/js'
import vitest from '@vitest/eslint-plugin'
import { defineConfig } from 'eslint/config'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// Globals an App Services function sees (docs/protocol.md §13); function files are classic scripts.
const appServicesGlobals = {
  context: 'readonly',
  exports: 'writable',
  module: 'writable',
  EJSON: 'readonly',
  BSON: 'readonly',
  utils: 'readonly',
  console: 'readonly',
}

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.data/**',
      '**/coverage/**',
      'test/e2e/artifacts/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'max-params': ['error', 3],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'none',
          ignoreRestSiblings: true,
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: [
      'packages/react-custom-data/**/*.{ts,tsx}',
      'apps/demo/**/*.{ts,tsx}',
      'test/**/*.{ts,tsx}',
    ],
    extends: [reactHooks.configs.flat['recommended-latest']],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.test.{ts,tsx}'],
    extends: [vitest.configs.recommended],
    rules: {
      'vitest/consistent-test-it': ['error', { fn: 'it' }],
      // Tests assert inside helpers and loops; the rule cannot see through them.
      'vitest/expect-expect': 'off',
      // expect.any() and friends are typed any by design.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: [
      'apps/demo/backend/functions/**/*.js',
      'packages/*/fixtures/**/functions/**/*.js',
      'packages/*/fixtures/**/incoming_webhooks/**/*.js',
    ],
    languageOptions: { sourceType: 'script', globals: appServicesGlobals },
    rules: {
      'no-unused-vars': ['error', { varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // App Services functions load packages with require() inside the function.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // A function file with ES import declarations at its top, as App Services also took them.
    files: ['packages/server/fixtures/modules-app/functions/importForms.js'],
    languageOptions: { sourceType: 'module' },
  },
  {
    // Hand-written CommonJS npm packages that the function runtime's tests install.
    files: ['packages/server/fixtures/packages/**/*.js'],
    ignores: ['packages/server/fixtures/packages/esm-greeting/**'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
)
