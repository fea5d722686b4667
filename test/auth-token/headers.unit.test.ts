// The identity headers auth_token strips: every spoofable name in every spelling (stripping them from real
// requests, in every view a route reads: headers.test.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SPOOFABLE_HEADERS, isSpoofable } from '../../src/auth-token/headers.js';

describe('isSpoofable', () => {
  test('every spoofable name, and every spelling with _ for any -', () => {
    for (const name of SPOOFABLE_HEADERS) {
      assert.ok(isSpoofable(name), `${name} is spoofable`);
      assert.ok(isSpoofable(name.replaceAll('-', '_')), `${name} with underscores is spoofable`);
      assert.ok(isSpoofable(name.replace('-', '_')), `${name} with one underscore is spoofable`);
    }
    for (const name of ['x-auth-token', 'x-service-token', 'x_auth_token', 'x-custom', 'x_custom', 'x-roles-'])
      assert.equal(isSpoofable(name), false, `${name} is not an identity header`);
  });
});
