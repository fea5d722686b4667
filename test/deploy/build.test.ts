// What each build holds, the fast half of scripts/image-check.sh: tsconfig.build.json (the production image's
// dist/) compiles the service alone, without the mocks, their seeds or the demo; tsconfig.mocks.json (the
// `mocks` image) compiles the mocks, their seeds and only the layers they may import (common, config).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

let out: string;
before(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'builds-'));
});
after(() => fs.rmSync(out, { recursive: true, force: true }));

/** Compile one tsconfig into a directory of its own; the files it wrote, relative, without source maps. */
function build(tsconfig: string): string[] {
  const dir = path.join(out, path.basename(tsconfig, '.json'));
  execFileSync(process.execPath, [TSC, '-p', path.join(ROOT, tsconfig), '--outDir', dir], { cwd: ROOT });
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile() && !f.endsWith('.map'))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

test('the production build: the service, no mocks, no seeds, no demo', () => {
  const files = build('tsconfig.build.json');
  assert.ok(files.includes('server.js'), `the service's entry point is built: ${files.join(' ')}`);
  assert.ok(files.includes('auth-token/middleware.js'), 'and what it runs');
  const extra = files.filter((f) => f.startsWith('mocks/') || f.startsWith('demo.') || !f.endsWith('.js'));
  assert.deepEqual(extra, [], 'nothing of the mocks or the demo, and no data file, is built for production');
});

test('the mocks build: the mocks, their seeds, and of the rest only common/ and config/', () => {
  const files = build('tsconfig.mocks.json');
  // Every mock (a folder of src/mocks/ with a main.ts), whichever a fork keeps or adds: its entry point and its seed.
  const mocks = fs
    .readdirSync(path.join(ROOT, 'src/mocks'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, 'src/mocks', d.name, 'main.ts')))
    .map((d) => d.name);
  assert.ok(mocks.includes('keystone'), `the mock Keystone is among the mocks: ${mocks.join(' ')}`);
  for (const f of mocks.flatMap((m) => [`mocks/${m}/main.js`, `mocks/${m}/seed.json`]))
    assert.ok(files.includes(f), `${f} is built: ${files.join(' ')}`);
  const layers = new Set(files.map((f) => f.split('/')[0]));
  assert.deepEqual([...layers].sort(), ['common', 'config', 'mocks'], 'the mocks import only common/ and config/');
});
