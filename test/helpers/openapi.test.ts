// The OpenAPI checker on a watched server: a response the document does not describe fails the running test
// (the checks themselves, without a server, are in openapi.unit.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listen } from './net.js';
import { throwIfUndocumented, watchResponses } from './openapi.js';

test('a watched server: a response the document does not describe fails the next check, once', async (t) => {
  const server = await listen((_req, res) => {
    res.statusCode = 418;
    res.end('teapot');
  });
  t.after(() => server.close());
  watchResponses(server.server);
  await (await fetch(`${server.url}/`)).text();
  assert.throws(throwIfUndocumented, /status 418 is not documented/, 'the 418 is reported');
  assert.doesNotThrow(throwIfUndocumented, 'and reported once: the afterEach of this test finds nothing left');
});
