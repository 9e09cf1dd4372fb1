import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import layers from './eslint/layers.js';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'exports/**', '.data/**', 'coverage/**', '.bench/**', 'bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The direction of imports between layers and front ends: see eslint/layers.js.
    // net -> auth -> graph -> store/sync -> services -> cli/electron; shared imports only zod;
    // the CLI imports only the services and the contract; production never imports the demo tenant.
    files: ['src-main/**/*.ts'],
    plugins: { layers },
    rules: { 'layers/direction': 'error' },
  },
  {
    // Plain-Node core: no Electron, no DOM. The folder says which runtime a file may use.
    files: ['src-main/core/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'src-main/core runs in plain Node; Electron belongs in src-main/electron.' },
            { name: 'svelte', message: 'src-main/core never imports UI code.' },
          ],
          patterns: [
            { group: ['electron/*', '**/src-main/electron/**', '**/electron/**', '**/src-renderer/**', '**/preload/**'], message: 'src-main/core may not import Electron, preload or renderer code.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'sessionStorage'],
    },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser }, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/src-main/core/**', 'node:*', 'electron'], message: 'The renderer talks to main only through the preload API.' }] }],
    },
  },
);
