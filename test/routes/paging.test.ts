// Paging GET / and GET /images: the parsing and the Link header as units, then the service end to end against
// the mock Glance, walking every page by its Link until there is none.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { ApiError } from '../../src/common/api-error.js';
import { nextPageLink, parsePage } from '../../src/routes/paging.js';
import { parseImageQuery } from '../../src/routes/images.js';
import { getJson } from '../helpers/http.js';
import { startMocks, stats, tokenFor, type Mocks } from '../helpers/mocks.js';
import { build, serviceOptions, startService, type Service } from '../helpers/service.js';

const ID = '1a2b3c4d-5e6f-4a0b-8c1d-000000000001';
const LIMITS = { maxLimit: 1000, defaultLimit: 1000 };
const search = (query: string) => new URLSearchParams(query);

/** `fn` throws a 400 ApiError naming `parameter`. */
function assertBad(fn: () => unknown, parameter: string, what: string) {
  assert.throws(
    fn,
    (err: unknown) =>
      err instanceof ApiError &&
      err.status === 400 &&
      err.parameter === parameter &&
      err.message.startsWith(`Invalid query parameter ${parameter}:`),
    `${what}: a 400 naming ${parameter}`,
  );
}

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

describe('parseImageQuery', () => {
  test('filters and page apart; anything else is still a 400 naming it', () => {
    assert.deepEqual(
      parseImageQuery(search(`tag=a&limit=2&marker=${ID}&sort=name:asc`), LIMITS),
      { filters: { tag: ['a'], sort: 'name:asc' }, page: { limit: 2, marker: ID } },
      'tag and sort are filters; limit and marker the page',
    );
    assertBad(() => parseImageQuery(search('limit=2&page=3'), LIMITS), 'page', 'an unknown parameter');
  });
});

/** The target and the rel of a Link header value `<target>; rel="next"`. */
function parseLink(value: string): { target: string; rel: string } {
  const match = /^<([^<>]*)>; rel="([a-z]+)"$/.exec(value);
  assert.ok(match, `a single link-value with a rel: ${value}`);
  return { target: match[1]!, rel: match[2]! };
}

describe('nextPageLink', () => {
  test('a relative reference to the route path with the filters, the limit and the marker, rel="next"', () => {
    assert.equal(
      nextPageLink('/images', { visibility: 'public', tag: ['a', 'b'] }, 10, ID),
      `</images?visibility=public&tag=a&tag=b&limit=10&marker=${ID}>; rel="next"`,
      'the caller filters first, then limit, then the marker, as Glance orders its next link',
    );
    assert.equal(nextPageLink('/', {}, 1, ID), `</?limit=1&marker=${ID}>; rel="next"`, 'on GET / too');
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

describe('GET / and /images with limit and marker, against the mock Glance', () => {
  let mocks: Mocks;
  let service: Service;
  let token: string;

  before(async () => {
    mocks = await startMocks({ generate: 53 });
    service = await startService(serviceOptions(mocks.keystoneUrl));
    token = await tokenFor(mocks.keystoneUrl, 'demo');
  });
  after(async () => {
    await service.close();
    await mocks.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    getJson(`${service.url}${path}`, { 'X-Auth-Token': token, ...headers });

  /** Every page from `path` on, following Link until there is none: the names of each page, in order. */
  async function walk(path: string): Promise<(string | null)[][]> {
    const pages: (string | null)[][] = [];
    let url: string | undefined = `${service.url}${path}`;
    while (url !== undefined) {
      assert.ok(pages.length < 100, 'the walk ends');
      const res = await getJson(url, { 'X-Auth-Token': token });
      assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
      pages.push(res.body as (string | null)[]);
      const link = res.headers.get('link');
      url = link === null ? undefined : new URL(parseLink(link).target, url).href;
    }
    return pages;
  }

  for (const [path, limit] of [
    ['/', 10],
    ['/images', 7],
    ['/images', 63],
    ['/', 1000],
  ] as const) {
    test(`${path}?limit=${limit}: walking the Links gives exactly the full list, in order`, async () => {
      const all = (await get(path)).body as (string | null)[];
      assert.equal(all.length, 63, 'demo sees 53 generated and 10 seeded images');
      const pages = await walk(`${path}?limit=${limit}`);
      assert.deepEqual(pages.flat(), all, 'the pages together are the full list');
      for (const page of pages) assert.ok(page.length <= limit, `no page is longer than ${limit}`);
      // Glance does not look ahead: a full last page still has a next, and the page after it is empty.
      const expected = Math.floor(63 / limit) + 1;
      assert.equal(pages.length, expected, `${expected} pages of at most ${limit}`);
    });
  }

  test('filters and sort are kept on every page', async () => {
    const query = 'tag=generated&tag=even&sort=name:asc';
    const all = (await get(`/images?${query}`)).body as string[];
    assert.equal(all.length, 27, 'the even generated images');
    const pages = await walk(`/images?${query}&limit=4`);
    assert.deepEqual(pages.flat(), all, 'the filtered list, in its order, page by page');
  });

  test('the Link names the route path, never the Host or X-Forwarded-* the caller sent', async () => {
    const res = await request(`${service.url}/images/?limit=2`, {
      headers: {
        'x-auth-token': token,
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'javascript',
        'x-forwarded-prefix': '//evil.example',
      },
    });
    await res.body.dump();
    assert.equal(res.statusCode, 200, 'a page');
    const { target } = parseLink(String(res.headers.link));
    assert.match(target, /^\/images\?limit=2&marker=[0-9a-f-]{36}$/, 'the canonical route path and the query only');
  });

  test('without limit and marker nothing changes: every name, no Link', async () => {
    const res = await get('/?sort=name:asc');
    assert.equal((res.body as string[]).length, 63, 'every name');
    assert.equal(res.headers.get('link'), null, 'no Link when nothing was paged');
  });

  test('a limit above [image] max_limit is lowered to it; a marker alone gets [image] page_size', async (t) => {
    const small = await build(t, serviceOptions(mocks.keystoneUrl, { image: { max_limit: 5, page_size: 3 } }));
    const capped = await getJson(`${small.url}/?limit=1000`, { 'X-Auth-Token': token });
    assert.equal((capped.body as string[]).length, 5, 'five names, not an error');
    assert.match(String(capped.headers.get('link')), /[?&]limit=5&/, 'the Link carries the limit in force');
    const first = await walk('/?limit=3');
    const fromSecond = await getJson(`${small.url}/?marker=${encodeURIComponent(await idOf(first[0]!.at(-1)!))}`, {
      'X-Auth-Token': token,
    });
    assert.deepEqual(fromSecond.body, first[1], 'a marker alone: a page of page_size (3) after it');
  });

  /** The id of the image named `name` in the mock Glance. */
  async function idOf(name: string | null): Promise<string> {
    const image = mocks.glance.store.images.find((i) => i.name === name);
    assert.ok(image, `an image named ${name}`);
    return image.id;
  }

  test('an unknown marker, or one the caller may not see: 400 naming marker, not 502', async () => {
    for (const [what, marker] of [
      ['unknown', '00000000-0000-4000-8000-000000000000'],
      ['not visible to demo (Glance says 403)', '1a2b3c4d-5e6f-4a0b-8c1d-000000000009'],
    ] as const) {
      const res = await get(`/images?limit=2&marker=${marker}`);
      assert.equal(res.status, 400, `${what}: the caller's bad marker`);
      const body = res.body as { error: { parameter: string; message: string }; upstream_request_id?: string };
      assert.equal(body.error.parameter, 'marker', `${what}: names the parameter`);
      assert.equal(
        body.error.message,
        'Invalid query parameter marker: no image with this id is visible to you.',
        `${what}: the same message either way`,
      );
      assert.match(String(body.upstream_request_id), /^req-/, `${what}: Glance's request id for the operator`);
    }
  });

  test('a marker without an image id shape is refused before Glance is asked', async () => {
    const before = (await stats(mocks.glance.url)).counters.list_requests ?? 0;
    for (const marker of ['%0D%0ALink:%20x', `${ID}%3E`, 'x'.repeat(2000), '%E2%98%81']) {
      const res = await get(`/?limit=2&marker=${marker}`);
      assert.equal(res.status, 400, `${marker.slice(0, 20)}: 400`);
      assert.equal((res.body as { error: { parameter: string } }).error.parameter, 'marker', 'names marker');
    }
    assert.equal((await stats(mocks.glance.url)).counters.list_requests ?? 0, before, 'Glance was never asked');
  });
});
