// The layers of src/, enforced: each folder may import only the folders listed for it (and itself). Lower
// layers never import upper ones, and the mocks never import the code they exist to test. docs/
// architecture.md draws the same table; test/lint/layers.unit.test.ts proves a forbidden import fails the lint.
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** folder (or root file) under src/ -> what it may import besides itself. */
export const LAYERS = {
  common: [],
  config: ['common'],
  keystoneauth: ['common'],
  'auth-token': ['common', 'keystoneauth'],
  glance: ['common', 'keystoneauth'],
  middleware: ['common', 'keystoneauth', 'auth-token'],
  routes: ['common', 'keystoneauth', 'auth-token', 'glance', 'middleware', 'readiness.ts'],
  'readiness.ts': ['common', 'keystoneauth'],
  mocks: ['common', 'config'],
};

const layerZones = Object.entries(LAYERS).map(([layer, allowed]) => ({
  target: layer.endsWith('.ts') ? `./src/${layer}` : `./src/${layer}/**`,
  from: './src',
  except: [`./${layer}`, ...allowed.map((a) => `./${a}`)],
  message: allowed.length
    ? `src/${layer} may import only ${allowed.join(', ')} (eslint.layers.js).`
    : `src/${layer} may import nothing else from src (eslint.layers.js).`,
}));

// The root files (services, app, server, ...) compose every layer above; only the demo starts the mocks.
const mockZone = {
  target: ['./src/!(mocks)/**', './src/!(demo).ts'],
  from: './src/mocks',
  message: 'only src/demo.ts starts the mocks: the service never ships or imports them.',
};

// examples/ (docs/forking.md) builds on src/; src/ is the product and never imports an example.
const examplesZone = {
  target: './src/**',
  from: './examples',
  message: 'src/ is the shipped service: it never imports examples/ (docs/forking.md).',
};

/** The flat-config block: import-x resolving TypeScript's NodeNext `.js` specifiers to the `.ts` sources. */
export const layers = {
  files: ['src/**/*.ts'],
  plugins: { 'import-x': importX },
  settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
  rules: {
    'import-x/no-restricted-paths': [
      'error',
      { basePath: import.meta.dirname, zones: [...layerZones, mockZone, examplesZone] },
    ],
    // An import the resolver cannot find would slip past the zones above: make it an error instead.
    'import-x/no-unresolved': 'error',
  },
};
