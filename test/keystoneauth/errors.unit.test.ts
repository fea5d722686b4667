// keystoneauth's exceptions: the class for each upstream status (httpErrorFor), what each carries, and the
// stable codes logs and the error handler go by (how callers see them: test/middleware/error-handler.unit.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  HttpError,
  httpErrorFor,
  NotFoundError,
  ProtocolError,
  ServerError,
  TooManyRequestsError,
  UnauthorizedError,
  UpstreamError,
} from '../../src/keystoneauth/errors.js';

test('httpErrorFor: the subclass of each status keystoneauth names; other 5xx ServerError, the rest HttpError', () => {
  const cases: [number, typeof HttpError, string][] = [
    [400, BadRequestError, 'bad_request'],
    [401, UnauthorizedError, 'unauthorized'],
    [403, ForbiddenError, 'forbidden'],
    [404, NotFoundError, 'not_found'],
    [409, ConflictError, 'conflict'],
    [429, TooManyRequestsError, 'too_many_requests'],
    [500, ServerError, 'server_error'],
    [503, ServerError, 'server_error'],
    [599, ServerError, 'server_error'],
    [418, HttpError, 'http_error'],
    [300, HttpError, 'http_error'],
  ];
  for (const [status, Class, code] of cases) {
    const err = httpErrorFor(status, { service: 'glance' });
    assert.equal(err.constructor, Class, `${status}: ${Class.name}`);
    assert.equal(err.code, code, `${status}: code ${code}`);
    assert.equal(err.status, status, `${status}: the status is kept`);
    assert.ok(err instanceof UpstreamError, `${status}: an UpstreamError`);
  }
});

test('the message names the service and the status; every detail is kept', () => {
  const cause = new Error('x');
  const err = httpErrorFor(404, {
    service: 'glance',
    displayName: 'image service',
    requestId: 'req-1',
    method: 'GET',
    url: 'http://glance/v2/images',
    bodyExcerpt: 'not here',
    cause,
  });
  assert.equal(err.message, 'glance answered 404 Not Found', 'the service and the status with its phrase');
  assert.deepEqual(
    [err.name, err.displayName, err.requestId, err.method, err.url, err.bodyExcerpt, err.cause],
    ['NotFoundError', 'image service', 'req-1', 'GET', 'http://glance/v2/images', 'not here', cause],
    'the name of the class and every detail given',
  );
  assert.equal(httpErrorFor(499, {}).message, 'upstream answered 499', 'no service, no phrase: still a message');
});

test('a subclass has its own code and name, and is still an UpstreamError', () => {
  const err = new ProtocolError('bad JSON', { service: 'keystone' });
  assert.deepEqual([err.code, err.name, err.service], ['protocol_error', 'ProtocolError', 'keystone'], 'its fields');
  assert.ok(err instanceof UpstreamError, 'an UpstreamError');
  assert.equal(new UpstreamError('m').code, 'upstream_error', 'the base code');
});
