import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The dependency rule of ARCHITECTURE.md: the domain (libs/chain) stays pure, so it may import
// neither the framework nor a database driver nor another layer of the product.
const domainBans = {
  patterns: [
    { group: ['@nestjs/*'], message: 'libs/chain is framework-free: no @nestjs imports.' },
    { group: ['better-sqlite3', 'pg', 'pg-*', '@eventstore/*', 'kysely'], message: 'libs/chain never touches a database driver.' },
    { group: ['@kedja/*', '../../*'], message: 'libs/chain depends on no other part of the product.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['libs/chain/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', domainBans] },
  },
  {
    files: ['libs/**/*.ts'],
    ignores: ['libs/chain/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/apps/*'], message: 'libs never import apps.' }] }] },
  },
);
