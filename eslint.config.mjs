import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Files under `folder` may not import from any of `forbidden`. */
const layer = (folder, forbidden, message) => ({
  files: [`${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [{ group: forbidden.flatMap((f) => [`**/${f}/**`, `**/${f}`]), message }] },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.sandbox/**', '__azurite*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
      // Matching control characters is the point wherever we do it: to refuse them in input.
      'no-control-regex': 'off',
    },
  },
  // Which part may import which: lib/ is neutral; the app (functions/ over shared/) never reaches
  // into the offline host or the simulated cloud; the host knows nothing of the app it hosts; the
  // sandbox knows the app only through Microsoft's public contracts.
  layer(
    'lib',
    ['shared', 'functions', 'runtime', 'sandbox', 'scripts', 'bench'],
    'lib/ is neutral: it imports no part of the product',
  ),
  layer(
    'shared',
    ['functions', 'runtime', 'sandbox', 'scripts', 'bench'],
    "shared/ is the app's plain modules: no handlers, no host, no simulators",
  ),
  layer(
    'functions',
    ['runtime', 'sandbox', 'scripts', 'bench'],
    'functions/ is the app: it never depends on the offline host or the sandbox',
  ),
  layer(
    'runtime',
    ['shared', 'functions', 'sandbox', 'scripts', 'bench'],
    'runtime/ is a host: it knows nothing of the app it runs',
  ),
  layer(
    'sandbox',
    ['shared', 'functions', 'runtime', 'scripts', 'bench'],
    'sandbox/ stands in for Microsoft: it knows the app only through public contracts',
  ),
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      globals: {
        module: 'writable',
        require: 'readonly',
        process: 'readonly',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
