// RequestScope: the request id and the request's logger reach code far from Koa's ctx (the session, log lines)
// through AsyncLocalStorage, across awaits, and only inside the request; oslo.context's request id format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidRequestId, newRequestId, RequestScope } from '../../src/common/request-scope.js';
import { captureLogger } from '../helpers/logs.js';

test("newRequestId is oslo.context's req-<uuid4>, fresh each time, and isValidRequestId accepts it", () => {
  const id = newRequestId();
  assert.match(id, /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'req- and a uuid4');
  assert.notEqual(newRequestId(), id, 'a new id each time');
  assert.equal(isValidRequestId(id), true, 'its own ids are valid');
  assert.equal(isValidRequestId(id.toUpperCase().replace('REQ-', 'req-')), true, 'hex digits in either case');
});

test('isValidRequestId refuses anything but req-<uuid>: a caller cannot put other text into logs and headers', () => {
  for (const bad of [
    undefined,
    42,
    '',
    'req-',
    'bogus',
    '1a2b3c4d-5e6f-4a0b-8c1d-000000000001',
    'req-1a2b3c4d-5e6f-4a0b-8c1d-000000000001 ',
    'req-1a2b3c4d-5e6f-4a0b-8c1d-000000000001\r\nX-Evil: 1',
    'req-1a2b3c4d-5e6f-4a0b-8c1d-00000000000g',
  ])
    assert.equal(isValidRequestId(bad), false, `refused: ${JSON.stringify(bad)}`);
});

test("inside run(): the request's id and logger, across awaits; outside: none, and the root logger", async () => {
  const { logger } = captureLogger('info');
  const scope = new RequestScope(logger);
  const child = logger.child({ request_id: 'req-x' });
  assert.equal(scope.requestId, undefined, 'no request id outside a request');
  assert.equal(scope.log, logger, 'the root logger outside a request');
  const seen = await scope.run({ requestId: 'req-x', log: child }, async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return { id: scope.requestId, log: scope.log };
  });
  assert.deepEqual(seen, { id: 'req-x', log: child }, "the request's id and logger after an await");
  assert.equal(scope.requestId, undefined, 'gone once the request is over');
});

test('two requests at once each see their own id', async () => {
  const { logger } = captureLogger('info');
  const scope = new RequestScope(logger);
  const one = (id: string, turns: number) =>
    scope.run({ requestId: id, log: logger }, async () => {
      for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
      return scope.requestId;
    });
  assert.deepEqual(await Promise.all([one('req-a', 3), one('req-b', 1)]), ['req-a', 'req-b'], 'no mix-up');
});

test("isLevelEnabled is the root logger's", () => {
  const scope = new RequestScope(captureLogger('info').logger);
  assert.equal(scope.isLevelEnabled('info'), true, 'info is on at level info');
  assert.equal(scope.isLevelEnabled('debug'), false, 'debug is off at level info');
});
