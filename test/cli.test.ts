// The command line end to end: one spawned `src/server.ts --print-config --config-file` (the parsing and the
// answers as units are in cli.unit.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { assertNoSecret, DEVSTACK, ownFile } from './helpers/cli-files.js';

test('spawned: node src/server.ts --print-config --config-file prints and exits 0; a bad file exits 1', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts', ...args], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
  const ok = run(['--print-config', '--config-file', DEVSTACK, '--config-file', ownFile()]);
  assert.equal(ok.status, 0, ok.stderr);
  const printed = JSON.parse(ok.stdout);
  assert.equal(printed.keystone_authtoken.password, '***', 'masked');
  assert.equal(printed.keystone_authtoken.project_name, 'service', 'loaded from the devstack section');
  assertNoSecret(ok.stdout + ok.stderr, 'the process output');
  const bad = run(['--print-config', '--config-file', DEVSTACK]);
  assert.equal(bad.status, 1, 'invalid configuration: exit 1');
  assert.match(bad.stderr, /communication\.cafile: file not found/, 'says why');
  assert.equal(bad.stdout, '', 'prints no configuration');
  const usageError = run(['--config-fil', DEVSTACK]);
  assert.equal(usageError.status, 2, 'a usage error: exit 2');
});
