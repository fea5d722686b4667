// The mock Glance's access-rule patterns: upstream's semantics without upstream's regex, so that a hostile rule
// reaching the mock cannot hang a test run either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatches } from '../../src/mocks/glance/identity.js';
import { pathMatches } from '../../src/auth-token/path-pattern.js';

test("keystonemiddleware's cases", () => {
  const cases: [pattern: string, path: string, expected: boolean][] = [
    ['/v2/images', '/v2/images', true],
    ['/v2/images/{image_id}', '/v2/images/123', true],
    ['/v2/images/{image_id}', '/v2/images/123/', false],
    ['/v2/images/*', '/v2/images/', false],
    ['/v2/images/**', '/v2/images/', true],
    ['/v2/images/**', '/v2/images/1/file', true],
    ['/v2/*/*/*', '/v2/images/1/file', true],
    ['/v2/*/*/*', '/v2/images/1', false],
    ['**', '', true],
    ['/a/***', '/a/b/c', true],
    ['/a/***', '/a/b/', false],
    ['/a{b', '/a{b', true],
  ];
  for (const [pattern, path, expected] of cases)
    assert.equal(globMatches(pattern, path), expected, `${pattern} on ${path}: expected ${expected}`);
});

test('the rule that hangs a regex finishes on a 4 KiB path (the test timeout is the bound)', () => {
  const hostile = '/' + '**'.repeat(100) + '!';
  assert.equal(globMatches(hostile, '/' + 'a'.repeat(4095)), false, 'no ! at the end');
  assert.equal(globMatches(hostile, '/' + 'a'.repeat(4094) + '!'), true, 'a ! at the end');
});

test("the same answers as the service's matcher (another algorithm) on 5,000 generated pairs", () => {
  let seed = 99;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pieces = ['a', '/', '*', '**', '{x}', '{', '}', 'b/'];
  const fills: Record<string, string[]> = { '*': ['a', 'ab'], '{x}': ['b'], '**': ['', 'a/', '/b/a', '/'] };
  let matched = 0;
  for (let i = 0; i < 5000; i++) {
    const tokens = Array.from({ length: 1 + rnd(30) }, () => pieces[rnd(pieces.length)]!);
    const pattern = tokens.join('');
    // Paths from the pattern, so that many match; every other one mutated.
    let path = tokens.map((t) => fills[t]?.[rnd(fills[t].length)] ?? t).join('');
    if (i % 2 && path.length > 0) path = path.slice(0, rnd(path.length)) + ['a', '/', '{'][rnd(3)]!;
    const expected = pathMatches(path, pattern);
    if (expected) matched++;
    assert.equal(globMatches(pattern, path), expected, `${JSON.stringify(pattern)} on ${JSON.stringify(path)}`);
  }
  assert.ok(matched > 500, `a fair share of the pairs match (${matched}), so both answers are exercised`);
});
