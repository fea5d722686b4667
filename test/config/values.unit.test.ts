// The strict readings of operator-written values: oslo.config's booleans, plain numbers, base URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBoolean, parseDecimal, parseInteger, urlProblem } from '../../src/config/values.js';

/** Every case spelling of a word: "on" gives on, oN, On, ON. */
function spellings(word: string): string[] {
  return Array.from({ length: 2 ** word.length }, (_, mask) =>
    [...word].map((c, i) => (mask & (1 << i) ? c.toUpperCase() : c)).join(''),
  );
}

test("booleans: oslo.config's words in any case, and nothing else", () => {
  for (const word of ['true', 'yes', 'on', '1'])
    for (const text of spellings(word)) assert.equal(parseBoolean(text), true, `${text} should be true`);
  for (const word of ['false', 'no', 'off', '0'])
    for (const text of spellings(word)) assert.equal(parseBoolean(text), false, `${text} should be false`);
  for (const text of ['', ' true', 'true ', 'y', 'n', 't', 'f', '2', '-1', 'enabled', 'none', 'null', 'ja', 'tru'])
    assert.equal(parseBoolean(text), undefined, `${JSON.stringify(text)} should be refused`);
});

test('integers: digits with an optional minus, as JSON writes them', () => {
  const plain: [string, number][] = [
    ['0', 0],
    ['7', 7],
    ['65535', 65535],
    ['-3', -3],
  ];
  for (const [text, value] of plain) assert.equal(parseInteger(text), value, `${text} should read as ${value}`);
  for (const text of [
    '',
    ' 1',
    '1 ',
    '+1',
    '01',
    '0x10',
    '0o7',
    '0b1',
    '1e3',
    '1.0',
    '1_000',
    '1,000',
    '--1',
    'Infinity',
  ])
    assert.equal(parseInteger(text), undefined, `${JSON.stringify(text)} should be refused`);
  assert.ok(Object.is(parseInteger('-0'), 0), '"-0" reads as 0, not -0');
});

test('decimals: an integer with an optional decimal part', () => {
  const plain: [string, number][] = [
    ['0', 0],
    ['0.5', 0.5],
    ['30', 30],
    ['2147483.647', 2147483.647],
  ];
  for (const [text, value] of plain) assert.equal(parseDecimal(text), value, `${text} should read as ${value}`);
  for (const text of ['', '.5', '5.', '1e3', '1E-3', '0x1', ' 1', '1 ', '+1', '00.5', 'NaN', '-Infinity', '1.2.3'])
    assert.equal(parseDecimal(text), undefined, `${JSON.stringify(text)} should be refused`);
});

test('base URLs: used as written, so written as read, without credentials, query or fragment', () => {
  for (const text of ['http://k:5000/v3', 'https://keystone.example.org/v3/', 'http://[::1]:5000', 'http://k'])
    assert.equal(urlProblem(text), undefined, `${text} should be accepted`);
  const refused: [string, RegExp][] = [
    ['keystone:5000', /http\(s\) URL/],
    ['/v3', /absolute/],
    ['http://u@k/v3', /user name or password/],
    ['http://k/v3?a', /query or fragment/],
    ['http://k/v3?', /query or fragment/],
    ['http://k/v3#', /query or fragment/],
    ['http://K/v3', /written as it is read: http:\/\/k\/v3/],
    ['http://k:80/v3', /written as it is read: http:\/\/k\/v3/],
    ['http://k/a/../v3', /written as it is read: http:\/\/k\/v3/],
    ['http://k/v3\n', /written as it is read/],
    ['http://k/a"b', /written as it is read: http:\/\/k\/a%22b/],
    ['http://0x7f.1/v3', /written as it is read: http:\/\/127\.0\.0\.1\/v3/],
  ];
  for (const [text, reason] of refused)
    assert.match(urlProblem(text) ?? 'accepted', reason, `${JSON.stringify(text)} should be refused`);
});
