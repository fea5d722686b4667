// The mock Glance over real HTTP: version documents, listing parameters and errors, visibility rules.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_SEED_NAMES, startMocks, tokenFor, type Mocks } from '../helpers/mocks.js';
import { getJson } from '../helpers/http.js';

let mocks: Mocks;
const tokens: Record<string, string> = {};
before(async () => {
  mocks = await startMocks({ generate: 30 });
  for (const user of ['demo', 'alt', 'wile', 'admin'] as const) tokens[user] = await tokenFor(mocks.keystoneUrl, user);
});
after(() => mocks.close());

async function list(user: string, query = '') {
  return getJson(`${mocks.glance.url}/v2/images${query}`, {
    'x-auth-token': tokens[user]!,
    accept: 'application/json',
  });
}
async function names(user: string, query = '?limit=1000') {
  const res = await list(user, query);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body as any).images.map((i: any) => i.name).filter((n: string | null) => !n?.startsWith('generated-'));
}

describe('versions', () => {
  test('GET / is 300 and GET /versions 200, without a token', async () => {
    const root = await getJson(mocks.glance.url);
    assert.equal(root.status, 300, "GET / is Glance's 300 Multiple Choices");
    const current = (root.body as any).versions.find((v: any) => v.status === 'CURRENT');
    assert.equal(current.links[0].href, `${mocks.glance.url}/v2/`, 'the CURRENT version links to /v2/');
    const versions = await getJson(`${mocks.glance.url}/versions`);
    assert.equal(versions.status, 200, 'GET /versions is 200');
    assert.deepEqual(versions.body, root.body, 'with the same version document');
  });
});

describe('visibility for three projects', () => {
  test('demo: public, its own (any visibility), and shared with it and accepted', async () => {
    assert.deepEqual(
      await names('demo'),
      DEMO_SEED_NAMES,
      'demo sees public images, its own of any visibility, and accepted shares',
    );
  });
  test('alt: no pending shares of others, its own community image, demo-shared accepted', async () => {
    assert.deepEqual(
      await names('alt'),
      [
        'rocky-9-queued',
        'alt-community',
        'alt-shared-pending',
        'alt-shared-accepted',
        'alt-private',
        'demo-shared',
        'debian-12-genericcloud',
        'ubuntu-24.04-server',
        'cirros-0.6.2-x86_64-disk',
      ],
      "alt sees its pending share of its own image but nobody else's pending ones",
    );
  });
  test('wile (another domain): public and its own only', async () => {
    assert.deepEqual(
      await names('wile'),
      ['rocky-9-queued', 'dev-private', 'debian-12-genericcloud', 'ubuntu-24.04-server', 'cirros-0.6.2-x86_64-disk'],
      'wile, in another domain, sees public images and its own',
    );
  });
  test('community of others only with visibility=community; hidden only with os_hidden=true', async () => {
    assert.deepEqual(
      await names('demo', '?visibility=community'),
      ['alt-community', 'demo-community'],
      'visibility=community lists the community images',
    );
    assert.deepEqual(
      await names('demo', '?os_hidden=true'),
      ['hidden-rescue'],
      'os_hidden=true lists the hidden ones only',
    );
    assert.deepEqual(
      await names('demo', '?visibility=shared'),
      ['alt-shared-accepted', 'demo-shared'],
      'visibility=shared lists the accepted shares',
    );
    assert.deepEqual(
      await names('demo', '?visibility=private'),
      ['Ünïcødé 镜像 ☁', null, 'demo-private'],
      "visibility=private lists demo's private images",
    );
    assert.ok(
      (await names('demo', '?visibility=all')).includes('alt-community'),
      "visibility=all includes others' community images",
    );
    assert.ok((await names('admin')).includes('dev-private'), "admin sees every project's images");
  });
});

describe('listing parameters', () => {
  test('default limit 25 with first, schema and next; the last page has no next', async () => {
    const first = (await list('demo')).body as any;
    assert.equal(first.images.length, 25, '25 images by default');
    assert.equal(first.schema, '/v2/schemas/images', 'the schema link');
    assert.equal(first.first, '/v2/images', 'the first link');
    assert.match(first.next, /^\/v2\/images\?marker=[0-9a-f-]{36}$/, "a next link with the last image's id as marker");
    const second = (await list('demo', first.next.slice('/v2/images'.length))).body as any;
    assert.equal(second.images.length, 40 - 25, 'the second page holds the rest');
    assert.equal(second.next, undefined, 'the last page has no next');
  });

  test('limit caps at 1000; limit=0 is an empty page', async () => {
    assert.equal(
      ((await list('demo', '?limit=5000')).body as any).images.length,
      40,
      'limit above 1000 is capped: all 40 images',
    );
    const empty = (await list('demo', '?limit=0')).body as any;
    assert.deepEqual(empty.images, [], 'limit=0: no images');
    assert.equal(empty.next, undefined, 'and no next');
  });

  test('bad limit and unknown marker: 400', async () => {
    for (const q of ['?limit=abc', '?limit=-1', '?limit=1.5', '?marker=00000000-0000-0000-0000-000000000000']) {
      const res = await list('demo', q);
      assert.equal(res.status, 400, q);
      assert.equal((res.body as any).code, '400 Bad Request', `${q}: webob's 400 code`);
    }
    const tooLong = await list('demo', `?marker=${'a'.repeat(37)}`);
    assert.equal(tooLong.status, 400, "an id longer than Glance's 36-character column is not found: 400");
  });

  test("a marker of an image the caller may not see is Glance's 403, not a 400", async () => {
    const res = await list('demo', '?marker=1a2b3c4d-5e6f-4a0b-8c1d-000000000009');
    assert.equal(res.status, 403, "Glance's image_get raises Forbidden for an image that is not visible");
    assert.equal((res.body as any).code, '403 Forbidden', 'webob names the status');
  });

  test('a marker is a position in the sort order: it need not match the filters', async () => {
    const all = ((await list('demo', '?limit=1000')).body as any).images as { id: string; name: string | null }[];
    const evens = ((await list('demo', '?limit=1000&tag=even')).body as any).images as { id: string }[];
    const odd = all.findIndex((i) => i.name === 'generated-000011');
    const after = all.slice(odd + 1).filter((i) => evens.some((e) => e.id === i.id));
    const res = await list('demo', `?limit=1000&tag=even&marker=${all[odd]!.id}`);
    assert.equal(res.status, 200, 'an odd image is a valid marker for a listing of even ones');
    assert.deepEqual(
      (res.body as any).images.map((i: { id: string }) => i.id),
      after.map((i) => i.id),
      'the page holds the even images that sort after the odd marker',
    );
  });

  test('a full last page still has a next (Glance does not look ahead); the page after it is empty, without one', async () => {
    const total = ((await list('demo', '?limit=1000')).body as any).images.length as number;
    const full = (await list('demo', `?limit=${total}`)).body as any;
    assert.equal(full.images.length, total, 'every image on one page');
    assert.match(full.next, /^\/v2\/images\?limit=\d+&marker=[0-9a-f-]{36}$/, 'a full page gets a next link');
    const after = (await list('demo', full.next.slice('/v2/images'.length))).body as any;
    assert.deepEqual(after.images, [], 'nothing after the last image');
    assert.equal(after.next, undefined, 'an empty page has no next');
  });

  test('sorting: sort=key:dir, sort_key/sort_dir, and their errors', async () => {
    const byName = await names('wile', '?sort=name:asc');
    assert.deepEqual(
      byName,
      ['cirros-0.6.2-x86_64-disk', 'debian-12-genericcloud', 'dev-private', 'rocky-9-queued', 'ubuntu-24.04-server'],
      'sort=name:asc',
    );
    assert.deepEqual(
      await names('wile', '?sort_key=name&sort_dir=desc'),
      [...byName].reverse(),
      'sort_key and sort_dir, descending',
    );
    assert.deepEqual(
      await names('wile', '?sort_key=created_at&sort_dir=asc'),
      ['cirros-0.6.2-x86_64-disk', 'ubuntu-24.04-server', 'debian-12-genericcloud', 'dev-private', 'rocky-9-queued'],
      'by created_at, oldest first',
    );
    assert.equal((await list('wile', '?sort=bogus:asc')).status, 400, 'an unknown sort key: 400');
    assert.equal((await list('wile', '?sort=name:up')).status, 400, 'an unknown direction: 400');
    assert.equal((await list('wile', '?sort=name&sort_key=id')).status, 400, 'sort with sort_key: 400');
  });

  test('filters: name, status, owner, repeated tags, visibility errors', async () => {
    assert.deepEqual(await names('demo', '?name=demo-private'), ['demo-private'], 'name filter');
    assert.deepEqual(await names('demo', '?status=queued'), ['rocky-9-queued'], 'status filter');
    assert.deepEqual(
      await names('demo', '?owner=c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4'),
      ['alt-shared-accepted'],
      'owner filter',
    );
    assert.deepEqual(
      await names('demo', '?tag=ubuntu&tag=lts'),
      ['ubuntu-24.04-server'],
      'repeated tags: images with both',
    );
    assert.deepEqual(await names('demo', '?tag=ubuntu&tag=cirros'), [], 'no image has both tags');
    assert.equal((await list('demo', '?visibility=everyone')).status, 400, 'an unknown visibility: 400');
    assert.equal((await list('demo', '?os_hidden=maybe')).status, 400, 'os_hidden neither true nor false: 400');
  });

  test('image fields, single image, schemas', async () => {
    const image = ((await list('demo', '?name=demo-private')).body as any).images[0];
    for (const field of [
      'id',
      'name',
      'status',
      'visibility',
      'owner',
      'os_hidden',
      'protected',
      'tags',
      'created_at',
      'updated_at',
      'size',
      'disk_format',
      'container_format',
      'checksum',
      'self',
      'file',
      'schema',
    ]) {
      assert.ok(field in image, field);
    }
    assert.equal(image.self, `/v2/images/${image.id}`, "self is the image's own path");
    const one = await getJson(`${mocks.glance.url}/v2/images/${image.id}`, { 'x-auth-token': tokens.demo! });
    assert.equal((one.body as any).name, 'demo-private', 'GET /v2/images/{id} returns the image');
    assert.equal(
      (await getJson(`${mocks.glance.url}/v2/images/${image.id}`, { 'x-auth-token': tokens.alt! })).status,
      404,
      "another project's private image: 404",
    );
    assert.equal(
      ((await getJson(`${mocks.glance.url}/v2/schemas/image`, { 'x-auth-token': tokens.demo! })).body as any).name,
      'image',
      'the image schema',
    );
    assert.equal(
      ((await getJson(`${mocks.glance.url}/v2/schemas/images`, { 'x-auth-token': tokens.demo! })).body as any).name,
      'images',
      'the images schema',
    );
  });

  test("no token or a bad token: Glance's webob 401 (auth_token runs with delay_auth_decision)", async () => {
    for (const headers of [{}, { 'x-auth-token': 'gAAAAAbogus' }] as Record<string, string>[]) {
      const res = await getJson(`${mocks.glance.url}/v2/images`, { ...headers, accept: 'application/json' });
      assert.equal(res.status, 401, 'no or bad token: 401');
      assert.equal((res.body as any).code, '401 Unauthorized', "webob's 401 code");
      assert.match(
        (res.body as any).message,
        /^This server could not verify that you are authorized/,
        "webob's message",
      );
      assert.equal(
        res.headers.get('www-authenticate'),
        `Keystone uri="${mocks.keystoneUrl}"`,
        "Keystone's challenge, as keystonemiddleware adds it",
      );
    }
  });

  test('errors are HTML unless the client asks for JSON', async () => {
    const res = await getJson(`${mocks.glance.url}/v2/images?limit=abc`, { 'x-auth-token': tokens.demo! });
    assert.equal(res.status, 400, 'a bad limit: 400');
    assert.match(res.headers.get('content-type')!, /text\/html/, 'as HTML, since the client did not ask for JSON');
    assert.match(
      String(res.body),
      /<h1>400 Bad Request<\/h1>\n {2}limit param must be an integer/,
      "webob's HTML body",
    );
  });

  test("next keeps the request's parameters (repeats collapsed) and puts the marker last", async () => {
    const body = (await list('demo', '?limit=2&tag=generated&tag=even')).body as any;
    assert.equal(
      body.first,
      '/v2/images?limit=2&tag=even',
      'first keeps the parameters, the repeated tag collapsed as Glance does',
    );
    assert.match(body.next, /^\/v2\/images\?limit=2&tag=even&marker=[0-9a-f-]{36}$/, 'next adds the marker last');
  });
});
