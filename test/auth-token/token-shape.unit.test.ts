// The shape a token must have before anyone is asked about it, for a caller's header and a deserialized plugin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TOKEN_LENGTH, isWellFormedToken } from '../../src/auth-token/token-shape.js';

test('printable ASCII up to MAX_TOKEN_LENGTH is a token; anything else is not', () => {
  for (const good of ['gAAAAABk-_x', 'a', '!~', 't'.repeat(MAX_TOKEN_LENGTH)])
    assert.equal(isWellFormedToken(good), true, `${JSON.stringify(good.slice(0, 20))} has a token's shape`);
  for (const bad of ['', 'a b', 'a\tb', 'a\r\nX-Injected: 1', 'tök', 'a\u0000', 't'.repeat(MAX_TOKEN_LENGTH + 1)])
    assert.equal(isWellFormedToken(bad), false, `${JSON.stringify(bad.slice(0, 20))} is not a token`);
});
