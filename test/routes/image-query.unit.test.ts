// The query of GET / and GET /images as units: parseImageFilters (the filters a caller may set) and
// parseImageQuery (filters and page apart). The route end to end: images.test.ts and paging.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_NAME_SHOWN,
  MAX_TAGS,
  MAX_TEXT,
  parseImageFilters,
  parseImageQuery,
} from '../../src/routes/image-query.js';
import { assertBadQuery as assertBad, IMAGE_ID as ID, LIMITS, search } from '../helpers/query.js';

describe('parseImageFilters', () => {
  test('an unknown parameter of any length is named shortened, to MAX_NAME_SHOWN characters and an ellipsis', () => {
    const name = 'x'.repeat(10_000);
    const shown = `${'x'.repeat(MAX_NAME_SHOWN)}…`;
    assertBad(() => parseImageFilters(search(`${name}=1`)), shown, 'a 10,000-character name');
    assertBad(() => parseImageFilters(search('colour=red')), 'colour', 'a short name, as it is');
  });
  test('accepts the documented filters', () => {
    assert.deepEqual(
      parseImageFilters(search('visibility=all&status=active&tag=a&tag=b&sort=name:asc,created_at&name=n&owner=o')),
      { visibility: 'all', status: 'active', sort: 'name:asc,created_at', name: 'n', owner: 'o', tag: ['a', 'b'] },
      'the documented filters, parsed',
    );
    assert.deepEqual(parseImageFilters(search('')), {}, 'no query: no filters');
  });

  test("os_hidden is Glance's boolean filter: true or false, nothing else", () => {
    assert.deepEqual(parseImageFilters(search('os_hidden=true')), { os_hidden: true }, 'true: the hidden images');
    assert.deepEqual(parseImageFilters(search('os_hidden=false')), { os_hidden: false }, 'false: the others');
    for (const raw of ['', 'yes', '1', 'TRUE', 'true ', 'maybe']) {
      assertBad(() => parseImageFilters(search(`os_hidden=${raw}`)), 'os_hidden', JSON.stringify(raw));
    }
    assertBad(() => parseImageFilters(search('os_hidden=true&os_hidden=false')), 'os_hidden', 'given twice');
  });

  test('a parameter that is no filter is a 400 naming it', () => {
    assertBad(() => parseImageFilters(search('marker=x')), 'marker', 'marker is not a filter a caller may set');
    assertBad(() => parseImageFilters(search('member_status=all')), 'member_status', 'an unsupported Glance filter');
  });

  test('enums, sort keys and directions are checked', () => {
    assertBad(() => parseImageFilters(search('visibility=everything')), 'visibility', 'an unknown visibility');
    assertBad(() => parseImageFilters(search('status=gone')), 'status', 'an unknown status');
    for (const sort of ['owner', 'name:up', 'name:asc:x', ',name', 'name,']) {
      assertBad(() => parseImageFilters(search(`sort=${sort}`)), 'sort', JSON.stringify(sort));
    }
  });

  test('each value is bounded: given once, 1 to MAX_TEXT characters, at most MAX_TAGS tags', () => {
    assertBad(() => parseImageFilters(search('name=a&name=b')), 'name', 'a repeated name');
    assertBad(() => parseImageFilters(search('owner=')), 'owner', 'an empty owner');
    assertBad(() => parseImageFilters(search(`name=${'x'.repeat(MAX_TEXT + 1)}`)), 'name', 'a name that is too long');
    assert.deepEqual(
      parseImageFilters(search(`name=${'x'.repeat(MAX_TEXT)}`)),
      { name: 'x'.repeat(MAX_TEXT) },
      'a name of exactly MAX_TEXT characters is accepted',
    );
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `tag=t${i}`).join('&');
    assert.equal(parseImageFilters(search(tags(MAX_TAGS))).tag?.length, MAX_TAGS, 'MAX_TAGS tags are accepted');
    assertBad(() => parseImageFilters(search(tags(MAX_TAGS + 1))), 'tag', 'one tag too many');
    assertBad(() => parseImageFilters(search('tag=a&tag=')), 'tag', 'an empty tag');
  });
});

describe('parseImageQuery', () => {
  test('filters and page apart; anything else is still a 400 naming it', () => {
    assert.deepEqual(
      parseImageQuery(search(`tag=a&limit=2&marker=${ID}&sort=name:asc`), LIMITS),
      { filters: { tag: ['a'], sort: 'name:asc' }, page: { limit: 2, marker: ID } },
      'tag and sort are filters; limit and marker the page',
    );
    assert.deepEqual(
      parseImageQuery(search('name=x'), LIMITS),
      { filters: { name: 'x' }, page: undefined },
      'no limit and no marker: no page',
    );
    assertBad(() => parseImageQuery(search('limit=2&page=3'), LIMITS), 'page', 'an unknown parameter');
  });
});
