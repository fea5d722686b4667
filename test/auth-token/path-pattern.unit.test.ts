// Access-rule path patterns: upstream's semantics (its own test table, and the regex this code used before as
// an oracle on small inputs) in time linear in path x pattern, whatever the pattern.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { oldPathRegExp } from '../helpers/path-regexp.js';
import {
  compilePathPattern,
  matchPathPattern,
  pathMatches,
  runPathProgram,
} from '../../src/auth-token/path-pattern.js';

describe("keystonemiddleware's test table (tests/unit/test_access_rules.py)", () => {
  // [request path, pattern], as upstream lists them.
  const good: [string, string][] = [
    ['/v2/servers', '/v2/servers'],
    ['/v2/servers/123', '/v2/servers/{server_id}'],
    ['/v2/servers/123/', '/v2/servers/{server_id}/'],
    ['/v2/servers/123', '/v2/servers/*'],
    ['/v2/servers/123/', '/v2/servers/*/'],
    ['/v2/servers/123', '/v2/servers/**'],
    ['/v2/servers/123/', '/v2/servers/**'],
    ['/v2/servers/123/456', '/v2/servers/**'],
    ['/v2/servers', '**'],
    ['/v2/servers/', '**'],
    ['/v2/servers/123', '**'],
    ['/v2/servers/123/456', '**'],
    ['/v2/servers/123/volume/456', '**'],
    ['/v2/servers/123/456', '/v2/*/*/*'],
    ['/v2/123/servers/466', '/v2/{project_id}/servers/{server_id}'],
  ];
  const bad: [string, string][] = [
    ['/v2/servers/someuuid', '/v2/servers'],
    ['/v2/servers//', '/v2/servers/{server_id}'],
    ['/v2/servers/123/', '/v2/servers/{server_id}'],
    ['/v2/servers/123/456', '/v2/servers/{server_id}'],
    ['/v2/servers/123/456', '/v2/servers/*'],
    ['/v2/servers', 'v2/servers'],
    ['/v2/servers/123/456/789', '/v2/*/*/*'],
    ['/v2/servers/123/', '/v2/*/*/*'],
    ['/v2/servers/', '/v2/servers/{server_id}'],
    ['/v2/servers', '/v2/servers/{server_id}'],
  ];

  test('15 good pairs match', () => {
    assert.equal(good.length, 15, 'the table has upstream’s 15 good pairs');
    for (const [path, pattern] of good) assert.ok(pathMatches(path, pattern), `${pattern} should match ${path}`);
  });

  test('10 bad pairs do not', () => {
    assert.equal(bad.length, 10, 'the table has upstream’s 10 bad pairs');
    for (const [path, pattern] of bad) assert.ok(!pathMatches(path, pattern), `${pattern} should not match ${path}`);
  });
});

describe('the semantics kept from before', () => {
  const cases: [pattern: string, path: string, expected: boolean, why: string][] = [
    ['/v2.1/servers/{server_id}', '/v2.1/servers/foobar', true, '{x} is one segment'],
    ['/v2.1/servers/{server_id}', '/v2.1/servers/foobar/barfoo', false, '{x} stops at a slash'],
    ['/v1/*/*/*', '/v1/1/2/3', true, 'three segments'],
    ['/v1/*/*/*', '/v1/1/2', false, 'two segments are not three'],
    ['/v3/{project_id}/types/{volume_type_id}', '/v3/123/types', false, 'a missing segment'],
    ['/images/*', '/images/a', true, '* is one segment'],
    ['/images/*', '/images/', false, '* is never empty'],
    ['/images/*', '/images', false, '* needs its slash'],
    ['/images/*', '/images/a/b', false, '* stops at a slash'],
    ['/images/**', '/images/', true, '** may be empty'],
    ['/images/**', '/images/a', true, '** is one segment'],
    ['/images/**', '/images/a/b', true, '** crosses slashes'],
    ['/images/**', '/images', false, 'the slash before ** is literal'],
    ['**', '', true, '** matches the empty path'],
    ['**', '/anything/at/all', true, '** matches anything'],
    ['', '', true, 'the empty pattern matches the empty path'],
    ['', '/', false, 'the empty pattern matches only the empty path'],
    ['/a/***', '/a/b/c', true, '*** is ** then *'],
    ['/a/***', '/a/', false, '*** ends in a non-empty segment'],
    ['/a/***', '/a/b/', false, '*** ends in a segment, not a slash'],
    ['/a/{}', '/a/b', true, '{} is a segment too'],
    ['/a/{x/y}', '/a/b', true, 'a brace pair is a segment whatever is inside'],
    ['/a{b', '/a{b', true, 'a { with no } after it is literal'],
    ['/a}b', '/a}b', true, 'a lone } is literal'],
    ['/a{b/{c}', '/axyz', true, 'a { before a } opens one segment up to the first }'],
    ['/a{b/{c}', '/a/x', false, 'a { before a } opens one segment, slashes inside or not'],
    ['/v2.1/servers', '/v2.1/servers/', false, 'no trailing-slash tolerance'],
    ['/images', '/Images', false, 'case matters'],
    ['/v2.1/servers', '/v2x1/servers', false, 'a . is literal (upstream: any character)'],
    ['/a+b(c)[d]$^|?\\', '/a+b(c)[d]$^|?\\', true, 'regex metacharacters are literal'],
    ['/a+b', '/aab', false, 'a + is literal'],
    ['/a/*', '/a/b\nc', true, 'a segment holds any character but a slash'],
    ['/a/**', '/a/\n/\n', true, '** holds newlines'],
  ];
  for (const [pattern, path, expected, why] of cases) {
    test(`${JSON.stringify(pattern)} on ${JSON.stringify(path)}: ${why}`, () => {
      assert.equal(pathMatches(path, pattern), expected, `${pattern} on ${path}: expected ${expected} (${why})`);
    });
  }
});

/** A seeded generator (the same cases every run). */
function random(seed: number) {
  return (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
}

test('the same answers as the regex it replaces, on 20,000 generated pairs', () => {
  const rnd = random(2024);
  const pieces = ['a', 'b', '/', '*', '**', '{x}', '{', '}', '.', '\n', 'ab/'];
  const fills: Record<string, string[]> = { '*': ['a', 'ab'], '{x}': ['b', 'ba'], '**': ['', 'a/', '/b/a', '/'] };
  let matched = 0;
  for (let i = 0; i < 20_000; i++) {
    const tokens = Array.from({ length: 1 + rnd(40) }, () => pieces[rnd(pieces.length)]!);
    if (tokens.filter((t) => t === '**').length > 4) continue; // the oracle itself backtracks
    const pattern = tokens.join('');
    // Paths built from the pattern (so that many match, states spanning several words), some of them mutated.
    let path = tokens.map((t) => fills[t]?.[rnd(fills[t].length)] ?? t).join('');
    if (rnd(2) === 0 && path.length > 0) {
      const at = rnd(path.length);
      path = path.slice(0, at) + ['', 'a', '/', 'ba'][rnd(4)]! + path.slice(at + 1);
    }
    const expected = oldPathRegExp(pattern).test(path);
    if (expected) matched++;
    assert.equal(pathMatches(path, pattern), expected, `${JSON.stringify(pattern)} on ${JSON.stringify(path)}`);
  }
  assert.ok(matched > 2000, `a fair share of the pairs match (${matched}), so both answers are exercised`);
});

describe('hostile patterns finish (the test timeout is the bound)', () => {
  const path4k = '/' + 'a'.repeat(4095);
  const slashes4k = '/a'.repeat(2048);
  const cases: [name: string, pattern: string, path: string, expected: boolean][] = [
    ['/ + ** x 100 + ! (the issue: pinned the event loop)', '/' + '**'.repeat(100) + '!', path4k, false],
    ['/ + ** x 100 + !, on a path ending in !', '/' + '**'.repeat(100) + '!', path4k.slice(0, -1) + '!', true],
    ['* x 100 (** x 50)', '*'.repeat(100), path4k, true],
    ['/ + * x 101 (** x 50 then *)', '/' + '*'.repeat(101), slashes4k, true],
    ['alternating /**/*, then !', '/**/*'.repeat(44) + '!', slashes4k, false],
    ['alternating /**/*', '/**/*'.repeat(44), slashes4k, true],
    ['alternating /**/*, one segment too few', '/**/*'.repeat(44), '/a'.repeat(87), false],
    ['**/* run together (*** inside)', '/' + '**/*'.repeat(50), slashes4k, true],
    ['many {x}', '/' + '{x}'.repeat(74), path4k, true],
    ['many {x}, one segment too few', '/' + '{x}'.repeat(74), '/' + 'a'.repeat(73), false],
    ['many /{x}', '/{x}'.repeat(56), slashes4k, false],
    ['many /*, on 56 segments', '/*'.repeat(56), '/a'.repeat(56), true],
  ];
  for (const [name, pattern, path, expected] of cases) {
    test(name, () => {
      assert.ok(pattern.length <= 225, `${name}: within Keystone's 225 characters (${pattern.length})`);
      assert.equal(pathMatches(path, pattern), expected, `${name} on a ${path.length}-character path`);
    });
  }

  test('a rule path far beyond what Keystone allows is refused by the budget before compiling', () => {
    const huge = '/' + '*/'.repeat(500_000);
    assert.deepEqual(
      matchPathPattern(huge, '/a/', 1 << 20),
      { result: 'over_budget', steps: 1 },
      'compiling it would cost more than the budget (the one character of its literal prefix was compared)',
    );
  });
});

describe('work is counted in steps: path characters x state words', () => {
  test('the pathological rule costs one word per character of a 4 KiB path', () => {
    const program = compilePathPattern('/' + '**'.repeat(100) + '!');
    assert.equal(program.words, 1, 'runs of ** collapse: / then ** then ! is three states and an accept');
    assert.deepEqual(runPathProgram(program, '/' + 'a'.repeat(4095)), { result: 'no_match', steps: 4096 }, '4096');
  });

  test('more than 32 states take more words, and each character costs all of them', () => {
    const program = compilePathPattern('/*'.repeat(20));
    assert.equal(program.words, 2, '60 states and an accept need two words');
    assert.deepEqual(runPathProgram(program, '/a'.repeat(20)), { result: 'match', steps: 80 }, '40 chars x 2');
  });

  test('a budget smaller than the path needs stops the run, deterministically', () => {
    const program = compilePathPattern('/**!');
    const path = '/' + 'a'.repeat(999);
    assert.deepEqual(runPathProgram(program, path, 500), { result: 'over_budget', steps: 500 }, 'stops at 500');
    assert.deepEqual(runPathProgram(program, path, 1000), { result: 'no_match', steps: 1000 }, 'the whole path');
  });

  test('a literal prefix that differs answers without compiling, a step per character compared', () => {
    assert.deepEqual(matchPathPattern('/v2/servers/**', '/images', 2), { result: 'no_match', steps: 2 }, '/v vs /i');
    assert.deepEqual(matchPathPattern('/images', '/images/', 7), { result: 'no_match', steps: 7 }, 'no wildcard');
    assert.deepEqual(matchPathPattern('x', '/images', 1), { result: 'no_match', steps: 1 }, 'the first character');
    assert.deepEqual(matchPathPattern('**', '/images', 0), { result: 'over_budget', steps: 1 }, 'one step at least');
  });

  test('a long literal prefix the path shares costs its length, and stops at the budget', () => {
    const prefix = '/images' + 'x'.repeat(217);
    const [pattern, path] = [`${prefix}y`, `${prefix}z`];
    assert.deepEqual(matchPathPattern(pattern, path), { result: 'no_match', steps: 225 }, '225 characters compared');
    assert.deepEqual(
      matchPathPattern(pattern, path, 100),
      { result: 'over_budget', steps: 100 },
      'no more characters are compared than the budget allows',
    );
    const wildcard = matchPathPattern(`${prefix}/*`, `${prefix}/a`);
    assert.equal(wildcard.result, 'match', 'a prefix that fits goes on to the automaton');
    assert.ok(wildcard.steps > 224, `the compared prefix counts there too (${wildcard.steps} steps)`);
  });

  test('a dead state set stops the run early', () => {
    const outcome = runPathProgram(compilePathPattern('/a/*'), '/b' + 'c'.repeat(1000));
    assert.deepEqual(outcome, { result: 'no_match', steps: 2 }, 'no state left after /b');
  });
});
