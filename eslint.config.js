import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '**/dist/',
      'demo-data/',
      'apps/cli/bin/',
      'scripts/*.mjs',
      'bench/*.mjs',
      'test-support/*.mjs',
      'eslint.config.js',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The protocol package is shared with the console: no Node built-ins.
    files: ['packages/protocol/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['node:*'] }] },
  },
  {
    // The small shared packages stand below server and agent: protocol at most.
    files: ['packages/{wol,fs-atomic,backoff,session-crypto}/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@siteport/db', '@siteport/server', '@siteport/agent', 'siteport'] },
      ],
    },
  },
  {
    // The server does not run the agent's code: what they share is in the small packages.
    files: ['apps/server/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['@siteport/agent', '@siteport/agent/*', 'siteport'] }] },
  },
  {
    // The agent never reaches into the site database.
    files: ['apps/agent/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@siteport/db', '@siteport/server', 'better-sqlite3', 'kysely'] },
      ],
    },
  },
  {
    // The console talks to the admin API only: protocol and the browser, nothing else of ours; agent text is never HTML.
    files: ['apps/console/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['node:*', '@siteport/db', '@siteport/server', '@siteport/agent', '@siteport/cli'] },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
          message: 'render agent-reported text as text',
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'apps/*/test/support/**/*.ts', 'e2e/**/*.ts', 'bench/**/*.ts', 'test-support/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
