// Lint rules, including the downward import direction of ARCHITECTURE.md:
// core ← storage ← tracking ← registry ← {pipelines, serving} ← monitoring ← automation ← maturity ← {http, cli} ← server.ts
// The CLI is the process entry point, so it may import the composition root (server.ts) and the SDK.
import tseslint from 'typescript-eslint';

const LAYERS = ['core', 'storage', 'tracking', 'registry', 'pipelines', 'serving', 'monitoring', 'automation', 'maturity', 'http', 'cli'];
const ABOVE = {
  core: LAYERS.slice(1),
  storage: LAYERS.slice(2),
  tracking: LAYERS.slice(3),
  registry: LAYERS.slice(4),
  pipelines: ['serving', ...LAYERS.slice(6)],
  serving: ['pipelines', ...LAYERS.slice(6)],
  monitoring: LAYERS.slice(7),
  automation: LAYERS.slice(8),
  maturity: LAYERS.slice(9),
  http: ['cli'],
};

const restrict = (layers, extra = [], allowTypeImports = false) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        ...layers.map((l) => ({ group: [`**/${l}/*`, `**/${l}/**`], allowTypeImports, message: `imports point downward only: this layer may not import ${l}/ (ARCHITECTURE.md)` })),
        ...extra,
      ],
    },
  ],
});

const noServer = { group: ['**/server.js', '**/server'], message: 'only the CLI entry point may import the composition root' };
const noSdk = { group: ['**/sdk/*', '**/sdk/**'], message: 'the SDK is a client of the HTTP API; the server side never imports it' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', '.venv/**', 'bench/.work/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  ...Object.entries(ABOVE).map(([layer, above]) => ({
    files: [`src/${layer}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: restrict(above, [noServer, noSdk]),
  })),
  {
    files: ['src/sdk/**/*.ts'],
    ignores: ['**/*.test.ts'],
    // The SDK shares the domain's wire types (type-only imports vanish at compile time) but never its code.
    rules: restrict(['storage', 'registry', 'pipelines', 'serving', 'monitoring', 'automation', 'maturity', 'http', 'cli'], [noServer], true),
  },
);
