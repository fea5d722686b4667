import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Next } from 'koa';
import { errorHandler, upstreamToApiError } from '../../src/middleware/error-handler.js';
import { ApiError } from '../../src/common/api-error.js';
import { RequestScope } from '../../src/common/request-scope.js';
import { captureLogger } from '../helpers/logs.js';
import {
  ConnectionError,
  EmptyCatalogError,
  EndpointNotFoundError,
  ForbiddenError,
  ProtocolError,
  RedirectRefusedError,
  RequestAbortedError,
  ServerError,
  TimeoutError,
  TlsError,
  TooManyRequestsError,
  UnauthorizedError,
  NotFoundError,
  SessionAbandonedError,
} from '../../src/keystoneauth/errors.js';

test('each upstream failure class maps to its gateway status', () => {
  const d = { service: 'glance', status: 0 };
  const cases: [Error, number][] = [
    [new ConnectionError('x', { service: 'glance' }), 502],
    [new TlsError('x', { service: 'glance' }), 502],
    [new TimeoutError('x', { service: 'glance' }), 504],
    [new ProtocolError('x', { service: 'glance' }), 502],
    [new RedirectRefusedError('x', { service: 'glance', status: 307 }), 502],
    [new ServerError('x', { ...d, status: 500 }), 502],
    [new ServerError('x', { ...d, status: 503 }), 502],
    [new NotFoundError('x', { ...d, status: 404 }), 502],
    [new UnauthorizedError('x', { ...d, status: 401 }), 401],
    [new ForbiddenError('x', { ...d, status: 403 }), 403],
    [new TooManyRequestsError('x', { ...d, status: 429 }), 503],
    [new EndpointNotFoundError('public endpoint for image service not found'), 502],
    [new EmptyCatalogError('x'), 403],
    [new RequestAbortedError('x'), 499],
  ];
  for (const [err, status] of cases) {
    const api = upstreamToApiError(err as never);
    assert.equal(api.status, status, err.constructor.name);
    assert.doesNotMatch(api.message, /127\.0\.0\.1|http:\/\//, 'no internal URLs in messages');
  }
});

test("messages name the service by its UpstreamError's display name: no table of services here", () => {
  const glance = { service: 'glance', displayName: 'image service' };
  const nova = { service: 'nova', displayName: 'compute service' };
  const cases: [Error, string][] = [
    [new TimeoutError('x', glance), 'The image service did not answer in time.'],
    [new ConnectionError('x', nova), 'The compute service cannot be reached.'],
    [new TlsError('x', nova), 'A secure connection to the compute service could not be established.'],
    [new RedirectRefusedError('x', nova), 'The compute service redirected the request elsewhere; it was not followed.'],
    [new ProtocolError('x', nova), 'The compute service sent an invalid response.'],
    [new UnauthorizedError('x', { ...glance, status: 401 }), 'The image service rejected the token.'],
    [new ForbiddenError('x', { ...nova, status: 403 }), 'The compute service refused access.'],
    [new TooManyRequestsError('x', { ...nova, status: 429 }), 'The compute service is rate limiting; try again later.'],
    [new ServerError('x', { ...nova, status: 500 }), 'The compute service failed (HTTP 500).'],
  ];
  for (const [err, message] of cases) {
    assert.equal(upstreamToApiError(err as never).message, message, `${err.constructor.name}'s message`);
  }
  assert.equal(
    upstreamToApiError(new TimeoutError('x', { service: 'glance' })).message,
    'The upstream service did not answer in time.',
    'a machine name alone is never shown to callers: without a display name, "upstream service"',
  );
});

/** The error handler run once over a fake Koa context (no server): what it answered and what it logged. */
async function handled(method: string, next: (ctx: { status: number }) => void) {
  const { logger, lines } = captureLogger('trace');
  const headers: Record<string, string> = {};
  const ctx = {
    method,
    status: 404,
    body: undefined as unknown,
    state: { requestId: 'req-00000000-0000-4000-8000-000000000000' },
    set: (name: string, value: string) => {
      headers[name] = value;
    },
  };
  const run = errorHandler(new RequestScope(logger)) as unknown as (ctx: unknown, next: Next) => Promise<void>;
  await run(ctx, async () => next(ctx));
  return { ctx, lines, failures: lines.filter((l) => l.msg === 'request failed') };
}

test("a caller's mistake is no failure: 4xx, and 405 and 501 for a method no route takes, log no error", async () => {
  for (const [method, status] of [
    ['PROPFIND', 501],
    ['DELETE', 405],
    ['GET', 404],
  ] as const) {
    const { ctx, lines, failures } = await handled(method, (c) => (c.status = status));
    assert.equal(ctx.status, status, `${method}: answered ${status}`);
    assert.equal(failures.length, 0, `${method} ${status}: no 'request failed' line`);
    assert.ok(!lines.some((l) => (l.level as number) >= 50), `${method} ${status}: nothing at error level`);
  }
  const bad = await handled('GET', () => {
    throw new ApiError(400, 'Invalid query parameter limit.');
  });
  assert.equal(bad.failures.length, 0, 'a 400 of a route: no failure line either');
});

test('a 5xx of our own is an error with its stack; an upstream failure is logged as before', async () => {
  const own = await handled('GET', () => {
    throw new TypeError('boom');
  });
  assert.equal(own.ctx.status, 500, 'an unexpected error is a 500');
  assert.equal(own.failures[0]?.level, 50, 'logged at error');
  assert.match(String((own.failures[0]?.error as { stack?: string }).stack), /TypeError: boom/, 'with its stack');
  const glance = { service: 'glance', displayName: 'image service' };
  const upstream = await handled('GET', () => {
    throw new ServerError('glance answered 500', { ...glance, status: 500 });
  });
  assert.equal(upstream.failures[0]?.level, 50, 'a Glance 5xx (502 to the caller): error');
  const refused = await handled('GET', () => {
    throw new ForbiddenError('glance answered 403', { ...glance, status: 403 });
  });
  assert.equal(refused.failures[0]?.level, 40, 'a Glance 403: warn');
});

test("a call abandoned by our own shutdown: a 503, said at info, neither a client's abort nor a failure", async () => {
  const { ctx, lines, failures } = await handled('GET', () => {
    throw new SessionAbandonedError('request to keystone abandoned: the service is shutting down', {
      service: 'keystone',
    });
  });
  assert.equal(ctx.status, 503, 'a 503 (nobody is left to read it)');
  assert.equal(failures.length, 0, "no 'request failed' line");
  const said = lines.filter((l) => l.msg === 'request abandoned: the service is shutting down');
  assert.deepEqual(
    said.map((l) => l.level),
    [30],
    'one info line',
  );
  assert.ok(!lines.some((l) => l.msg === 'client went away; upstream calls aborted'), 'not a client abort');
});
