// Lint configuration: type-aware typescript-eslint rules; floating promises are errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'var/', 'node_modules/', 'coverage/', 'src/graphql/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test()/describe() return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Layers go one way (docs/architecture.md): doors (routes, graphql) → operations → jobs → domain → docker, registry,
  // audit. A jobs → operations import or a route → route import fails lint.
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(operations|jobs|routes|graphql|plugins)/',
              message: 'domain/ holds rules that operations and jobs share: it imports neither, nor a door.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/docker/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(domain|operations|jobs|routes|graphql|plugins|queries|state)/',
              message: 'docker/ speaks to engines for every layer above it and imports none of them.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/jobs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(operations|routes|graphql)/',
              message:
                'jobs/ never imports operations/ or a door: what both need goes into src/domain/ (operations may import jobs/ to queue).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/operations/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(routes|graphql)/',
              message: 'operations/ are called by the doors (routes/, graphql/), never the other way round.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/routes/v1/*/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\./)[^/]+/|^\\.\\./index\\.ts$',
              message:
                'a route never imports another route or the /v1 plugin: share through a module directly in src/routes/v1/ (context.ts, schemas.ts).',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
