// ApiError, what this service answers its caller: the status, its reason phrase as the title, the headers and
// the query parameter at fault (the JSON body it becomes: test/middleware/error-handler.unit.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/common/api-error.js';

test("the title is the status's reason phrase; 'Error' for a status Node does not name", () => {
  assert.equal(new ApiError(400, 'm').title, 'Bad Request', '400 is Bad Request');
  assert.equal(new ApiError(503, 'm').title, 'Service Unavailable', '503 is Service Unavailable');
  assert.equal(new ApiError(499, 'm').title, 'Error', 'a status with no reason phrase is titled Error');
});

test('headers, parameter and cause are kept; none by default', () => {
  const cause = new Error('upstream');
  const err = new ApiError(400, 'Invalid query parameter limit.', {
    headers: { 'Retry-After': '1' },
    parameter: 'limit',
    cause,
  });
  assert.deepEqual(
    [err.status, err.message, err.headers, err.parameter, err.cause, err.name],
    [400, 'Invalid query parameter limit.', { 'Retry-After': '1' }, 'limit', cause, 'ApiError'],
    'every field as given',
  );
  const bare = new ApiError(404, 'm');
  assert.deepEqual([bare.headers, bare.parameter, bare.cause], [{}, undefined, undefined], 'no headers, no parameter');
  assert.ok(bare instanceof Error, 'an Error, with a stack for the log');
});
