// The mock Glance's reading of GET /v2/images's query (src/mocks/glance/routes/list-query.ts): Glance's
// defaults, both sort syntaxes and Glance's own 400 texts (which the contract tests compare with the real
// Glance's). The listing end to end: glance.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockError } from '../../src/mocks/control.js';
import { parseLimit, parseListQuery, parseSort } from '../../src/mocks/glance/routes/list-query.js';

const search = (query: string) => new URLSearchParams(query);

/** `fn` throws Glance's 400 with this text. */
function assertRefused(fn: () => unknown, message: string) {
  assert.throws(
    fn,
    (err: unknown) => err instanceof MockError && err.status === 400 && err.message === message,
    `a 400 saying: ${message}`,
  );
}

test("limit: 25 by default, at most 1000, Glance's texts for what is not a whole number of at least 0", () => {
  assert.equal(parseLimit(undefined), 25, "Glance's default page size");
  assert.equal(parseLimit('0'), 0, '0 is a limit');
  assert.equal(parseLimit('5000'), 1000, "lowered to Glance's api_limit_max");
  assertRefused(() => parseLimit('1.5'), 'limit param must be an integer');
  assertRefused(() => parseLimit('abc'), 'limit param must be an integer');
  assertRefused(() => parseLimit('-1'), 'limit param must be positive');
});

test('sort: key[:dir],... (desc unless given), or sort_key with sort_dir, never both', () => {
  assert.deepEqual(
    parseSort(search('sort=name:asc, size')),
    [
      { key: 'name', dir: 'asc' },
      { key: 'size', dir: 'desc' },
    ],
    'the new syntax, spaces trimmed',
  );
  assert.deepEqual(
    parseSort(search('sort_key=name&sort_key=id&sort_dir=asc')),
    [
      { key: 'name', dir: 'asc' },
      { key: 'id', dir: 'asc' },
    ],
    'the old syntax: a missing direction takes the first one',
  );
  assert.deepEqual(parseSort(search('sort_dir=asc')), [{ key: 'created_at', dir: 'asc' }], 'a direction alone');
  assert.deepEqual(parseSort(search('')), [], "no sort: the store's default order");
  assertRefused(() => parseSort(search('sort=name&sort_key=id')), 'Old and new sorting syntax cannot be combined');
  assertRefused(() => parseSort(search('sort=name:up')), 'Invalid sort direction: up');
  assert.throws(
    () => parseSort(search('sort=bogus')),
    (err: unknown) => err instanceof MockError && err.message.startsWith('Invalid sort key: bogus.'),
    'an unknown key, named',
  );
});

test('filters: visibility and os_hidden checked, the last of repeated values, tags all, other names as extra', () => {
  assert.deepEqual(
    parseListQuery(search('visibility=shared&os_hidden=True&name=a&name=b&tag=x&tag=y&owner=o&marker=m&foo=1')),
    {
      query: { visibility: 'shared', osHidden: true, name: 'b', owner: 'o', tags: ['x', 'y'], sort: [] },
      limit: 25,
      marker: 'm',
      extra: [['foo', '1']],
    },
    'the last name, every tag, os_hidden as a boolean, an unknown parameter as an extra filter',
  );
  assertRefused(() => parseListQuery(search('visibility=everyone')), 'Invalid visibility value: everyone');
  assertRefused(
    () => parseListQuery(search('os_hidden=maybe')),
    "Invalid value 'maybe' for 'os_hidden' filter. Valid values are 'true' or 'false'.",
  );
  assertRefused(() => parseListQuery(search('limit=x&visibility=everyone')), 'limit param must be an integer');
});
