import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.waggle/**', '.nx/**', '**/*.tmp'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', '*.js', 'platform/*/bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // ARCHITECTURE.md's dependency rule, enforced on the tags in each package.json
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:platform', onlyDependOnLibsWithTags: ['scope:platform', 'scope:schemas'] },
            { sourceTag: 'scope:schemas', onlyDependOnLibsWithTags: ['scope:schemas'] },
            { sourceTag: 'scope:context', onlyDependOnLibsWithTags: ['scope:platform', 'scope:schemas'] },
            { sourceTag: 'scope:projection', onlyDependOnLibsWithTags: ['scope:platform', 'scope:schemas'] },
            { sourceTag: 'scope:saga', onlyDependOnLibsWithTags: ['scope:platform', 'scope:schemas'] },
          ],
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kafkajs', message: 'Only platform/kafka-bus talks to Kafka; use @waggle/kafka-bus.' },
            { name: 'mongodb', message: 'Only the Mongo adapters import mongodb.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    files: ['platform/kafka-bus/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'mongodb', message: 'kafka-bus does not touch Mongo.' }] }] },
  },
  {
    // the Mongo adapters, and benchmarks and test fixtures that drive the servers directly
    files: [
      'platform/stack/src/probes.ts',
      'platform/event-store/src/mongoEventStore.ts',
      'platform/event-store/src/groupInsert.ts',
      'platform/event-store/src/laneClaims.ts',
      'platform/event-store/src/openMongoEventStore.ts',
      'platform/read-model/src/mongo*.ts',
      'platform/outbox-relay/src/mongoOutboxAdmin.ts',
      'saga-coordinator/src/service/mongo*.ts',
      'contexts/*/src/**/*Store.ts',
      'projections/flight-search/src/mongoFlightSearchStore.ts',
      'projections/customer-bookings/src/mongoCustomerBookingsStore.ts',
      'platform/*/bench/**/*.ts',
      'platform/*/fixtures/**/*.ts',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // tests check the real servers with independent clients, not only through our own code
    files: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  prettier,
);
