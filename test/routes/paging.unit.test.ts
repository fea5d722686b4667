// Paging GET / and GET /images as units: parsePage (limit and marker) and the Link header
// nextPageLink builds (the service end to end against the mock Glance: paging.test.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nextPageLink, parsePage } from '../../src/routes/paging.js';
import { parseLink } from '../helpers/link.js';
import { assertBadQuery as assertBad, IMAGE_ID as ID, LIMITS, search } from '../helpers/query.js';

describe('parsePage', () => {
  test('neither limit nor marker: no page, every image is listed', () => {
    assert.equal(parsePage(search('name=x'), LIMITS), undefined, 'filters alone ask for every image');
  });

  test('a limit of decimal digits, at least 1; above max_limit it is lowered, not refused', () => {
    assert.deepEqual(parsePage(search('limit=25'), LIMITS), { limit: 25 }, 'a plain limit');
    assert.deepEqual(parsePage(search('limit=007'), LIMITS), { limit: 7 }, 'leading zeros are still digits');
    assert.deepEqual(parsePage(search('limit=1001'), LIMITS), { limit: 1000 }, 'capped at max_limit');
    assert.deepEqual(parsePage(search(`limit=${'9'.repeat(255)}`), LIMITS), { limit: 1000 }, 'a huge limit is capped');
  });

  test('a limit that is not a whole number of at least 1 is a 400 naming limit', () => {
    for (const raw of [
      '0',
      '000',
      '-1',
      '+5',
      '5.0',
      '1e3',
      ' 5',
      '5 ',
      '0x10',
      'abc',
      '',
      '٣',
      '１',
      '9'.repeat(256),
    ]) {
      assertBad(() => parsePage(search(`limit=${encodeURIComponent(raw)}`), LIMITS), 'limit', JSON.stringify(raw));
    }
    assertBad(() => parsePage(search('limit=5&limit=6'), LIMITS), 'limit', 'a repeated limit');
  });

  test('a marker is an image id; alone it gets a page of the default size, capped too', () => {
    assert.deepEqual(parsePage(search(`marker=${ID}`), LIMITS), { limit: 1000, marker: ID }, 'a marker alone');
    assert.deepEqual(
      parsePage(search(`marker=${ID}`), { maxLimit: 50, defaultLimit: 1000 }),
      { limit: 50, marker: ID },
      'the default page is capped at max_limit as well',
    );
    assert.deepEqual(parsePage(search(`limit=3&marker=${ID}`), LIMITS), { limit: 3, marker: ID }, 'both');
  });

  test('hostile markers are a 400 naming marker, each in bounded time', () => {
    for (const marker of [
      `${ID}\r\nSet-Cookie: a=b`,
      `${ID.slice(0, -2)}\r\n`,
      `${ID.slice(0, -1)}>`,
      `${ID.slice(0, -1)};`,
      `${ID.slice(0, -1)}é`,
      `${ID}, <http://evil.example/>; rel="next"`,
      '../../v3/auth/tokens',
      '',
      'x'.repeat(1_000_000),
    ]) {
      assertBad(
        () => parsePage(search(`limit=2&marker=${encodeURIComponent(marker)}`), LIMITS),
        'marker',
        JSON.stringify(marker.slice(0, 40)),
      );
    }
    assertBad(() => parsePage(search(`marker=${ID}&marker=${ID}`), LIMITS), 'marker', 'a repeated marker');
  });
});

describe('nextPageLink', () => {
  test('a relative reference to the route path with the filters, the limit and the marker, rel="next"', () => {
    assert.equal(
      nextPageLink('/images', { visibility: 'public', tag: ['a', 'b'] }, 10, ID),
      `</images?visibility=public&tag=a&tag=b&limit=10&marker=${ID}>; rel="next"`,
      'the caller filters first, then limit, then the marker, as Glance orders its next link',
    );
    assert.equal(nextPageLink('/', {}, 1, ID), `</?limit=1&marker=${ID}>; rel="next"`, 'on GET / too');
    assert.equal(
      nextPageLink('/', { os_hidden: true }, 1, ID),
      `</?os_hidden=true&limit=1&marker=${ID}>; rel="next"`,
      'os_hidden is carried to the next page, or it would list the other images',
    );
  });

  test('hostile filter values are percent-encoded: one link, visible ASCII only, and they read back unchanged', () => {
    const filters = {
      name: 'a>; rel="prev", <http://evil.example/>\r\nSet-Cookie: x=1',
      owner: 'Ünïcødé 镜像 ☁ %41 + &marker=x',
      tag: ['t,1', 't;2', '"3"', 'x'.repeat(255)],
      sort: 'name:asc',
    };
    const value = nextPageLink('/images', filters, 1000, ID);
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      assert.ok(code >= 0x20 && code <= 0x7e, `character ${i} (${code}) of the header is visible ASCII or a space`);
    }
    const { target, rel } = parseLink(value);
    assert.equal(rel, 'next', 'rel is next');
    assert.ok(target.startsWith('/images?'), 'the target is the route path and a query: no scheme, no host');
    const url = new URL(target, 'http://service.invalid');
    assert.equal(url.origin, 'http://service.invalid', 'it resolves against the host the caller called');
    assert.deepEqual(
      [...url.searchParams],
      [
        ['name', filters.name],
        ['owner', filters.owner],
        ['sort', 'name:asc'],
        ...filters.tag.map((t) => ['tag', t]),
        ['limit', '1000'],
        ['marker', ID],
      ],
      'every value reads back exactly as given, and only one marker is there',
    );
    assert.doesNotThrow(() => new Headers({ Link: value }), 'a valid header value');
  });

  test('a marker that is not an image id, or a path that is not plain, is a bug and throws', () => {
    assert.throws(() => nextPageLink('/images', {}, 1, `${ID}>`), TypeError, 'a marker that is not an id');
    assert.throws(() => nextPageLink('//evil.example/x', {}, 1, ID), TypeError, 'a scheme-relative reference');
    assert.throws(() => nextPageLink('/images>', {}, 1, ID), TypeError, 'a path with a character to encode');
  });
});
