// isEntryPoint: a module is the program only when node was started with its file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { isEntryPoint } from '../../src/common/entry-point.js';

test('true for the file node was started with, false for any other module', (t) => {
  const saved = process.argv[1];
  t.after(() => {
    process.argv[1] = saved!;
  });
  process.argv[1] = '/srv/app/dist/server.js';
  assert.equal(isEntryPoint(pathToFileURL('/srv/app/dist/server.js').href), true, 'the script node runs');
  assert.equal(isEntryPoint(pathToFileURL('/srv/app/dist/app.js').href), false, 'a module it imports');
  assert.equal(isEntryPoint(import.meta.url), false, 'this test file, which node did not start');
});
