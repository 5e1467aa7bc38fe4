// Lint rules, including the import boundaries that keep the folder layout an architecture:
// config/ knows no runtime; policies import only the pipeline, exchange, stores and errors.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/config/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        // The aggregate plan compiler is pure (the block below keeps it so): config checks use it.
        { group: ['../runtime/*', '../server/*', '../services/*', '../actions/*', '!../actions/aggregate', '../actions/aggregate/*', '!../actions/aggregate/plan.js', '../compile/*', '../pipeline/*', '../policies/*', '../../runtime/*', '../../server/*', '../../services/*', '../../policies/*'], message: 'config/ is pure: it must not import the runtime.' },
      ] }],
    },
  },
  {
    files: ['src/actions/aggregate/plan.ts', 'src/actions/aggregate/template.ts', 'src/actions/aggregate/merge.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['../../runtime/*', '../../server/*', '../../services/*', '../../compile/*', '../../pipeline/*', '../../policies/*', '../../exchange/*', '../../stores/*', '../../observability/*', '../proxy/*', './execute.js', './fetch-call.js', './aggregate-action.js'], message: 'The aggregate plan is pure (config validation imports it): no runtime imports.' },
      ] }],
    },
  },
  {
    files: ['src/policies/*/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['../*/**', '!../../**'], message: 'A policy must not import another policy.' },
        { group: ['../../runtime/*', '../../server/*', '../../compile/*', '../../actions/*', '../../cli/*', '../../admin/*'], message: 'Policies import only pipeline/, exchange/, stores/, observability/ and errors.ts.' },
      ] }],
    },
  },
  {
    files: ['examples/**/*.mjs', 'scripts/**/*.mjs', 'bench/**/*.mjs', 'bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
  },
)
