import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamToApiError } from '../../src/middleware/error-handler.js';
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
