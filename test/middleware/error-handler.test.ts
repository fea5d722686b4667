// What the error handler logs for a caller's own mistakes, through the service: the outsider's PROPFIND /healthz
// (501) was logged at error level as 'request failed' at every call (attack finding 9).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMocks, type Mocks } from '../helpers/mocks.js';
import { build, serviceOptions } from '../helpers/service.js';

let mocks: Mocks;
before(async () => {
  mocks = await startMocks();
});
after(() => mocks.close());

test('methods no route takes, without a token: 501 or 405, logged at info only', async (t) => {
  const service = await build(t, serviceOptions(mocks.keystoneUrl), { level: 'trace' });
  for (const [method, path, status] of [
    ['PROPFIND', '/healthz', 501],
    ['PROPFIND', '/openapi.json', 501],
    ['DELETE', '/openapi.json', 405],
  ] as const) {
    const res = await fetch(`${service.url}${path}`, { method });
    assert.equal(res.status, status, `${method} ${path}: ${status}`);
    assert.equal(((await res.json()) as { error: { code: number } }).error.code, status, 'as a JSON error');
  }
  assert.deepEqual(
    service.lines.filter((l) => (l.level as number) >= 40).map((l) => l.msg),
    [],
    'no warn or error line: a client sending an odd method is not a failure of ours',
  );
  const access = service.lines.filter((l) => l.msg === 'request completed');
  assert.deepEqual(
    access.map((l) => [(l.req as { method: string }).method, (l.res as { status: number }).status, l.level]),
    [
      ['PROPFIND', 501, 30],
      ['DELETE', 405, 30],
    ],
    'the access lines (/healthz has none) at info',
  );
});
