// shorten: the bound on a caller's text repeated in an answer or a log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shorten } from '../../src/common/shorten.js';

test('text within the bound is kept as it is; longer text is cut to the bound and an ellipsis', () => {
  assert.equal(shorten('abc', 3), 'abc', 'exactly the bound: unchanged');
  assert.equal(shorten('', 3), '', 'empty: unchanged');
  assert.equal(shorten('abcd', 3), 'abc…', 'one over: the first three and an ellipsis');
  assert.equal(shorten('x'.repeat(10_000), 64).length, 65, 'a long text: 64 characters and the ellipsis');
});
