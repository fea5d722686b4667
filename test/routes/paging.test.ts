// Paging GET / and GET /images end to end against the mock Glance, walking every page by its Link until there is
// none (parsing and the Link header as units: paging.unit.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { getJson } from '../helpers/http.js';
import { parseLink } from '../helpers/link.js';
import { startMocks, stats, tokenFor, type Mocks } from '../helpers/mocks.js';
import { build, serviceOptions, startApp, type Service } from '../helpers/service.js';

const ID = '1a2b3c4d-5e6f-4a0b-8c1d-000000000001';

describe('GET / and /images with limit and marker, against the mock Glance', () => {
  let mocks: Mocks;
  let service: Service;
  let token: string;

  before(async () => {
    mocks = await startMocks({ generate: 53 });
    service = await startApp(serviceOptions(mocks.keystoneUrl));
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
