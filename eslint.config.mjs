import nx from '@nx/eslint-plugin';

// Module boundaries: every constraint names tags (never `*`), so each one can fail.
//   type:  app → feature → util → protocol; protocol depends on nothing of ours.
//   scope: each service's code stays in its scope; only the cli (which runs all roles in one
//          process) and the system tests may combine scopes.
export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '.nx', 'coverage', 'tools/**/*.mjs', 'apps/cli/bin/*.js', 'jest.config.js'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:util', 'type:protocol'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:util', 'type:protocol'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:protocol'] },
            { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: ['type:protocol'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util', 'type:protocol'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:util', 'type:protocol', 'type:feature'] },
            { sourceTag: 'scope:proxy', onlyDependOnLibsWithTags: ['scope:proxy', 'scope:shared'] },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'] },
            { sourceTag: 'scope:admin', onlyDependOnLibsWithTags: ['scope:admin', 'scope:shared'] },
            { sourceTag: 'scope:agent', onlyDependOnLibsWithTags: ['scope:agent', 'scope:shared'] },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:proxy', 'scope:gateway', 'scope:admin', 'scope:agent', 'scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared', 'scope:proxy', 'scope:gateway', 'scope:admin', 'scope:agent'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
];
