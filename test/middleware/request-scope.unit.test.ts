// The first middleware on stand-in contexts: the request id (always made here; a well-formed inbound one is the
// global request id, never the request's own), returned in X-OpenStack-Request-ID and carried by the scope; one access-log line when the response
// closes (499 when the caller left first, error level for 5xx), none for quiet paths. Over HTTP: every
// integration test through the app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ParameterizedContext } from 'koa';
import { isValidRequestId, RequestScope } from '../../src/common/request-scope.js';
import { MAX_LOGGED_URL, requestScope, type RequestIdState } from '../../src/middleware/request-scope.js';
import { captureLogger } from '../helpers/logs.js';

const INBOUND = 'req-1a2b3c4d-5e6f-4a0b-8c1d-000000000001';

/** A Koa context as the middleware reads it; `close(status, finished)` ends its response as Node does. */
function context({ path = '/images', inbound = '', route = '/images' } = {}) {
  const res = Object.assign(new EventEmitter(), { writableFinished: false, statusCode: 200 });
  const sent: Record<string, string> = {};
  const ctx = {
    path,
    method: 'GET',
    url: `${path}?limit=1`,
    res,
    state: {},
    get: (name: string) => (name.toLowerCase() === 'x-openstack-request-id' ? inbound : ''),
    set: (name: string, value: string) => (sent[name] = value),
    _matchedRoute: route,
  };
  return {
    ctx: ctx as unknown as ParameterizedContext<RequestIdState>,
    sent,
    close(status: number, finished = true) {
      res.statusCode = status;
      res.writableFinished = finished;
      // Node emits 'finish' once the answer is written, then 'close'; a caller who left first gets 'close' alone.
      if (finished) res.emit('finish');
      res.emit('close');
    },
  };
}

function setup(quietPaths?: string[]) {
  const { logger, lines } = captureLogger('info');
  const scope = new RequestScope(logger);
  return { scope, lines, middleware: requestScope({ scope, logger, ...(quietPaths ? { quietPaths } : {}) }) };
}

test('a well-formed inbound request id is the global request id, never the request id returned or logged', async () => {
  const { scope, middleware, lines } = setup();
  const c = context({ inbound: INBOUND });
  let inside: { requestId?: string | undefined; globalId?: string | undefined } = {};
  await middleware(c.ctx, async () => {
    inside = { requestId: scope.requestId, globalId: scope.globalId };
  });
  c.close(200);
  const own = c.ctx.state.requestId;
  // A caller choosing our id could put its requests under another caller's id in the log (attack round 2).
  assert.ok(isValidRequestId(own) && own !== INBOUND, 'the request id is made here, not the inbound one');
  assert.equal(c.sent['X-OpenStack-Request-ID'], own, 'the own id is returned, as oslo.middleware returns its own');
  assert.equal(inside.requestId, own, 'the scope holds the own id for the rest of the request');
  assert.equal(inside.globalId, INBOUND, "the id sent upstream is the caller's global request id");
  assert.equal(lines[0]?.request_id, own, 'log lines carry the own id as request_id');
  assert.equal(lines[0]?.global_request_id, INBOUND, "and the caller's as global_request_id");
});

test('anything else is replaced by a fresh id', async () => {
  const { scope, middleware } = setup();
  for (const inbound of ['', 'bogus', `${INBOUND}\r\nX-Evil: 1`]) {
    const c = context({ inbound });
    let globalId: string | undefined;
    await middleware(c.ctx, async () => {
      globalId = scope.globalId;
    });
    const id = c.ctx.state.requestId;
    assert.ok(isValidRequestId(id) && id !== inbound, `${JSON.stringify(inbound)}: a fresh req-<uuid>`);
    assert.equal(c.sent['X-OpenStack-Request-ID'], id, 'the fresh id is returned');
    assert.equal(globalId, id, `${JSON.stringify(inbound)}: not sent upstream; the fresh id is`);
  }
});

test('one access line when the response closes: status, route, request id; 499 and "aborted" when the caller left', async () => {
  const { middleware, lines } = setup();
  const done = context();
  await middleware(done.ctx, () => Promise.resolve());
  assert.equal(lines.length, 0, 'nothing is logged before the response closes');
  done.close(200);
  const left = context();
  await middleware(left.ctx, () => Promise.resolve());
  left.close(200, false);
  const failed = context();
  await middleware(failed.ctx, () => Promise.resolve());
  failed.close(502);
  assert.deepEqual(
    lines.map((l) => [l.msg, (l.res as { status: number }).status, l.level, l.route, l.request_id]),
    [
      ['request completed', 200, 30, '/images', done.ctx.state.requestId],
      ['request aborted by the client', 499, 30, '/images', left.ctx.state.requestId],
      ['request completed', 502, 50, '/images', failed.ctx.state.requestId],
    ],
    'completed at info, a hang-up as 499, a 5xx at error; each with its route and request id',
  );
  assert.deepEqual(lines[0]?.req, { method: 'GET', url: '/images?limit=1' }, 'the method and URL asked');
  assert.equal(typeof lines[0]?.duration_ms, 'number', 'and how long it took');
});

test('the access line holds at most MAX_LOGGED_URL characters of the URL, then an ellipsis', async () => {
  const { middleware, lines } = setup();
  const c = context();
  (c.ctx as { url: string }).url = `/images?${'q'.repeat(10_000)}`;
  await middleware(c.ctx, () => Promise.resolve());
  c.close(200);
  const url = (lines[0]?.req as { url: string } | undefined)?.url ?? '';
  assert.equal(url.length, MAX_LOGGED_URL + 1, 'the first MAX_LOGGED_URL characters and one ellipsis');
  assert.ok(url.startsWith('/images?q') && url.endsWith('…'), `shortened at its end: ${url.slice(0, 20)}…`);
});

test('quiet paths get no access line, and still a request id', async () => {
  const { middleware, lines } = setup(['/healthz']);
  const c = context({ path: '/healthz' });
  await middleware(c.ctx, () => Promise.resolve());
  c.close(200);
  assert.equal(lines.length, 0, 'no line for a quiet path');
  assert.ok(isValidRequestId(c.sent['X-OpenStack-Request-ID']), 'a quiet path still returns a request id');
});
