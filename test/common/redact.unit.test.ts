// Tokens as keystoneauth logs them, {SHA256}<hex>: the fingerprint, the token headers of a log line, and what
// util.inspect shows of an object that holds a token (through the logger end to end: logger.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { inspectLoggable, redactHeaders, redactToken, sha256Hex, TOKEN_HEADERS } from '../../src/common/redact.js';

test('a token is logged as {SHA256} and the hex SHA-256 of its UTF-8 bytes, as keystoneauth does', () => {
  const expected = createHash('sha256').update('gAAAA-token', 'utf8').digest('hex');
  assert.equal(sha256Hex('gAAAA-token'), expected, 'sha256Hex is the SHA-256 of the UTF-8 bytes, in hex');
  assert.equal(redactToken('gAAAA-token'), `{SHA256}${expected}`, 'redactToken prefixes it with {SHA256}');
  assert.equal(sha256Hex('Ünï'), createHash('sha256').update('Ünï', 'utf8').digest('hex'), 'non-ASCII as UTF-8');
});

test('redactHeaders fingerprints the token headers, in any case, and leaves the others and the input alone', () => {
  const headers = {
    'X-Auth-Token': 'a',
    'x-subject-token': 'b',
    'X-Service-Token': 'c',
    authorization: 'Bearer d',
    'content-type': 'application/json',
    'x-token-list': ['e', 'f'],
    'x-absent': undefined,
  };
  const out = redactHeaders(headers);
  assert.deepEqual(
    out,
    {
      'X-Auth-Token': redactToken('a'),
      'x-subject-token': redactToken('b'),
      'X-Service-Token': redactToken('c'),
      authorization: redactToken('Bearer d'),
      'content-type': 'application/json',
      'x-token-list': ['e', 'f'],
      'x-absent': undefined,
    },
    'token values fingerprinted by name, case-insensitively; every other header as it was',
  );
  assert.equal(headers['X-Auth-Token'], 'a', 'the input is not changed');
  for (const name of ['x-auth-token', 'x-subject-token', 'x-service-token', 'x-storage-token', 'authorization'])
    assert.ok(TOKEN_HEADERS.has(name), `${name} is a token header`);
});

test("inspectLoggable: the class name and the loggable form, within the caller's depth", () => {
  const holder = {
    [inspect.custom]: (depth: number, options: object) =>
      inspectLoggable('Holder', { token: '{SHA256}ab', nested: { deeper: { deepest: 1 } } }, depth, options),
  };
  assert.equal(
    inspect(holder, { depth: 5 }),
    "Holder { token: '{SHA256}ab', nested: { deeper: { deepest: 1 } } }",
    'the name, then the loggable form',
  );
  assert.equal(inspect({ holder }, { depth: 0 }), '{ holder: [Holder] }', 'beyond the depth: the name alone');
  assert.equal(
    inspect(holder, { depth: 1 }),
    "Holder { token: '{SHA256}ab', nested: { deeper: [Object] } }",
    'its own fields count against the depth as a plain object would',
  );
});
