// The layer rules of eslint.layers.js, proven on real imports: a forbidden one fails the lint (so a fork that
// breaks the layering finds out in `npm run lint`), an allowed one passes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';
// @ts-expect-error: plain JS config module without types
import { LAYERS, layers } from '../../eslint.layers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: [layers] });

/** The restricted-path messages ESLint gives `code` as if it were the file `file` (relative to the root). */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

type Case = { file: string; imports: string; allowed: boolean };

// Only layers every fork keeps: removing Glance or the mocks (docs/forking.md) leaves these cases true.
const cases: Case[] = [
  { file: 'src/common/fixture.ts', imports: '../keystoneauth/session.js', allowed: false },
  { file: 'src/common/fixture.ts', imports: '../config/schema.js', allowed: false },
  { file: 'src/keystoneauth/fixture.ts', imports: '../auth-token/middleware.js', allowed: false },
  { file: 'src/keystoneauth/fixture.ts', imports: '../config/schema.js', allowed: false },
  { file: 'src/keystoneauth/fixture.ts', imports: '../common/logger.js', allowed: true },
  { file: 'src/auth-token/fixture.ts', imports: '../middleware/caller-signal.js', allowed: false },
  { file: 'src/auth-token/fixture.ts', imports: '../keystoneauth/session.js', allowed: true },
  { file: 'src/middleware/fixture.ts', imports: '../routes/health.js', allowed: false },
  { file: 'src/routes/fixture.ts', imports: '../middleware/caller-signal.js', allowed: true },
  { file: 'src/routes/fixture.ts', imports: '../services.js', allowed: false },
  { file: 'src/app.ts', imports: '../examples/projects/routes.js', allowed: false },
  { file: 'src/keystoneauth/fixture.ts', imports: '../../examples/projects/client.js', allowed: false },
];
// The example client's layer and the mocks' rules, while the fork keeps them.
if ('glance' in LAYERS) {
  cases.push(
    { file: 'src/auth-token/fixture.ts', imports: '../glance/images.js', allowed: false },
    { file: 'src/glance/fixture.ts', imports: '../routes/images.js', allowed: false },
    { file: 'src/routes/fixture.ts', imports: '../glance/images.js', allowed: true },
  );
}
if ('mocks' in LAYERS) {
  cases.push(
    { file: 'src/mocks/fixture.ts', imports: '../auth-token/validator.js', allowed: false },
    { file: 'src/mocks/fixture.ts', imports: '../config/schema.js', allowed: true },
    { file: 'src/services.ts', imports: './mocks/cloud.js', allowed: false },
    { file: 'src/demo.ts', imports: './mocks/cloud.js', allowed: true },
  );
}

for (const { file, imports, allowed } of cases) {
  test(`${file} importing ${imports} is ${allowed ? 'allowed' : 'a lint error'}`, async () => {
    const errors = await layerErrors(file, `import * as m from '${imports}';\nexport default m;\n`);
    const restricted = errors.filter((e) => e.startsWith('import-x/no-restricted-paths'));
    if (allowed) assert.deepEqual(errors, [], `expected no lint error for an allowed import, got ${errors.join('; ')}`);
    else assert.ok(restricted.length > 0, `expected a restricted-path error, got [${errors.join('; ')}]`);
  });
}

test('an import the resolver cannot find is an error, so it cannot slip past the layer rules', async () => {
  const errors = await layerErrors(
    'src/common/fixture.ts',
    "import * as m from './no-such-module.js';\nexport default m;\n",
  );
  assert.ok(
    errors.some((e) => e.startsWith('import-x/no-unresolved')),
    `expected import-x/no-unresolved, got [${errors.join('; ')}]`,
  );
});
