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
  assert.match(upstreamToApiError(new TimeoutError('x', { service: 'glance' })).message, /image service/);
});
