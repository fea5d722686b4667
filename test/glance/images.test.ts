// ImageClient against the mock Glance: every page size that matters, Glance's odd pages, catalog choices
// and each failure as a typed error.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { AccessInfo } from '../../src/keystoneauth/access-info.js';
import { UserAuthPlugin } from '../../src/auth-token/user-plugin.js';
import {
  IMAGE_SERVICE,
  ImageClient,
  ListingTooLargeError,
  type Image,
  type ImageFilters,
} from '../../src/glance/images.js';
import { Adapter, type EndpointOptions } from '../../src/keystoneauth/adapter.js';
import { defaultConfig } from '../../src/config/load.js';
import {
  ConnectionError,
  EndpointNotFoundError,
  ForbiddenError,
  HttpError,
  ProtocolError,
  ServerError,
  TimeoutError,
  UnauthorizedError,
} from '../../src/keystoneauth/errors.js';
import { loadMockConfig } from '../../src/mocks/config.js';
import { startMockGlance, type RunningMockGlance } from '../../src/mocks/glance/main.js';
import { RequestScope } from '../../src/common/request-scope.js';
import { Session } from '../../src/keystoneauth/session.js';
import { sessionOptionsFromConfig } from '../../src/keystoneauth/conf.js';
import { captureLogger } from '../helpers/logs.js';
import { setFaults, startMocks, tokenFor, type Mocks } from '../helpers/mocks.js';
import { closedUrl, listen } from '../helpers/net.js';
import type { AuthPlugin, EndpointFilter, PluginSession } from '../../src/keystoneauth/plugin.js';

const DEMO_PROJECT = '7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e';
const SEED_VISIBLE_TO_DEMO = 10;

let mocks: Mocks;
let token: string;
let session: Session;
const glances: RunningMockGlance[] = [];

/** A session with the config's communication options, but for `timeout` (seconds) and a short retry delay. */
const sessionWith = (timeout: number) =>
  new Session(
    sessionOptionsFromConfig({ ...defaultConfig().communication, timeout, retry_delay: 0.01 }),
    new RequestScope(captureLogger('silent').logger),
  );

before(async () => {
  mocks = await startMocks();
  token = await tokenFor(mocks.keystoneUrl, 'demo');
  // The default 30 s timeout: thousands of images on a loaded machine must never meet a deadline here. The
  // one test about the timeout has a session of its own.
  session = sessionWith(defaultConfig().communication.timeout);
});
after(async () => {
  await Promise.all(glances.map((g) => g.close()));
  await session.close();
  await mocks.close();
});

/** A plugin for the demo user whose catalog points the image service wherever the test wants. */
function demoAuth(endpoints: { url: string; interface?: string; region?: string }[]): UserAuthPlugin {
  const body = {
    token: {
      user: { id: 'u', name: 'demo', domain: { id: 'default', name: 'Default' } },
      project: { id: DEMO_PROJECT, name: 'demo', domain: { id: 'default', name: 'Default' } },
      roles: [{ name: 'member' }],
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      catalog: [
        {
          type: 'image',
          name: 'glance',
          endpoints: endpoints.map((e, i) => ({
            id: String(i),
            interface: e.interface ?? 'public',
            region_id: e.region ?? 'RegionOne',
            region: e.region ?? 'RegionOne',
            url: e.url,
          })),
        },
      ],
    },
  };
  return new UserAuthPlugin(AccessInfo.fromBody(body, token), undefined);
}

async function glanceWith(generate: number): Promise<RunningMockGlance> {
  const config = loadMockConfig(
    {},
    { mock_glance: { port: 0, control: true, generate, generate_owner: DEMO_PROJECT, auth_url: mocks.keystoneUrl } },
  );
  const g = await startMockGlance(config.mock_glance);
  glances.push(g);
  return g;
}

async function collect(client: ImageClient, filters?: ImageFilters): Promise<Image[]> {
  const out: Image[] = [];
  for await (const page of client.pages(filters)) out.push(...page);
  return out;
}

/** How an ImageClient is built beyond its page size: the listing bounds, its clock and the session it sends through. */
interface ClientOptions {
  maxImages?: number;
  listTimeoutMs?: number;
  now?: () => number;
  through?: Session;
}

/** An ImageClient acting as `auth`, the way createServices' factory builds one. */
const imageClient = (
  auth: AuthPlugin,
  pageSize = 1000,
  endpoint: EndpointOptions = {},
  // The default list_timeout: paging thousands of images on a loaded machine never meets it.
  { maxImages = 100_000, listTimeoutMs = 60_000, now, through = session }: ClientOptions = {},
) =>
  new ImageClient(new Adapter(through, auth, { ...IMAGE_SERVICE, interface: 'public', ...endpoint }), {
    pageSize,
    maxImages,
    listTimeoutMs,
    now,
  });

const client = (url: string, pageSize = 1000, options: ClientOptions = {}) =>
  imageClient(demoAuth([{ url }]), pageSize, {}, options);

describe('pagination', () => {
  for (const generated of [0, 1, 25, 1000, 1001, 5000]) {
    test(`${generated} generated images (+${SEED_VISIBLE_TO_DEMO} seeded), in Glance's order`, async () => {
      const g = await glanceWith(generated);
      const before = ((await fetch(`${g.url}/__mock/stats`).then((r) => r.json())) as any).counters.list_requests ?? 0;
      const images = await collect(client(g.url));
      assert.equal(
        images.length,
        generated + SEED_VISIBLE_TO_DEMO,
        'every image once: the generated and the seeded ones',
      );
      assert.equal(new Set(images.map((i) => i.id)).size, images.length, 'an image came twice');
      const gen = images.filter((i) => i.name?.startsWith('generated-')).map((i) => i.name);
      assert.deepEqual(
        gen,
        Array.from({ length: generated }, (_, k) => `generated-${String(generated - 1 - k).padStart(6, '0')}`),
        'the generated images newest first, as Glance orders them',
      );
      const pages =
        ((await fetch(`${g.url}/__mock/stats`).then((r) => r.json())) as any).counters.list_requests - before;
      assert.equal(
        pages,
        Math.max(1, Math.ceil((generated + SEED_VISIBLE_TO_DEMO) / 1000)),
        'one list call per page of 1000',
      );
    });
  }

  test('small pages, and repeated tags that the next link collapses are re-applied', async () => {
    const g = await glanceWith(30);
    assert.equal((await collect(client(g.url, 7))).length, 40, 'pages of 7: all 40 images');
    const evens = await collect(client(g.url, 4), { tag: ['even', 'generated'] });
    assert.equal(evens.length, 15, 'the 15 images tagged both even and generated, over pages of 4');
    assert.ok(
      evens.every((i) => (i.tags as string[]).includes('even')),
      'every image listed has the even tag: the repeated tag filter is applied on every page',
    );
  });

  test('short pages and empty pages that carry a next link are not the end', async () => {
    const g = await glanceWith(60);
    await setFaults(g.url, { shortPages: true });
    const images = await collect(client(g.url, 10));
    assert.equal(images.length, 70, 'short and empty pages with a next link: all 70 images');
    assert.equal(new Set(images.map((i) => i.id)).size, 70, 'none twice');
  });

  test('a next link that repeats a page stops with a ProtocolError', async () => {
    const g = await glanceWith(30);
    await setFaults(g.url, { loopNext: true });
    await assert.rejects(
      collect(client(g.url, 10)),
      ProtocolError,
      'a next link back to the same page stops with a ProtocolError',
    );
  });

  test('markers are percent-encoded', async () => {
    const g = await glanceWith(3);
    const [first] = g.store.images;
    first!.id = 'odd id/with&chars?=#';
    const images = await collect(client(g.url, 1));
    assert.equal(images.length, 13, 'a marker with /, &, ?, = and # still pages through all 13');
  });
});

describe('endpoint from the catalog', () => {
  test('an unversioned root, a versioned /v2 and /v2/ all give /v2/images once', async () => {
    const g = await glanceWith(0);
    for (const url of [g.url, `${g.url}/`, `${g.url}/v2`, `${g.url}/v2/`]) {
      assert.equal((await collect(client(url))).length, SEED_VISIBLE_TO_DEMO, url);
    }
  });

  test('interface and region select the endpoint; a miss is a clear error', async () => {
    const g = await glanceWith(2);
    const auth = demoAuth([
      { url: 'http://127.0.0.1:9/public-region-one', interface: 'public', region: 'RegionOne' },
      { url: g.url, interface: 'internal', region: 'RegionTwo' },
      { url: 'http://127.0.0.1:9/public-region-two', interface: 'public', region: 'RegionTwo' },
    ]);
    const internal = imageClient(auth, 1000, { interface: 'internalURL', regionName: 'RegionTwo' });
    assert.equal((await collect(internal)).length, 12, 'the internal endpoint in RegionTwo, where this Glance is');
    const missing = imageClient(auth, 1000, { interface: 'admin', regionName: 'RegionThree' });
    await assert.rejects(
      collect(missing),
      (err: Error) =>
        err instanceof EndpointNotFoundError &&
        /admin endpoint for image service in region RegionThree not found/.test(err.message),
      'no admin endpoint in RegionThree: a typed error naming interface, service and region',
    );
  });

  test('construction does no I/O: neither the session, the auth plugin nor fetch is called', async (t) => {
    const g = await glanceWith(0);
    const user: AuthPlugin = demoAuth([{ url: g.url }]); // frozen: spied on through a plugin that hands every call to it
    const auth = {
      getHeaders: t.mock.fn((s: PluginSession, signal?: AbortSignal) => user.getHeaders(s, signal)),
      getEndpoint: t.mock.fn((s: PluginSession, filter: EndpointFilter, signal?: AbortSignal) =>
        user.getEndpoint(s, filter, signal),
      ),
      invalidate: t.mock.fn(() => user.invalidate()),
    } satisfies AuthPlugin;
    // Spies that still call through: every way an ImageClient could reach the network.
    const request = t.mock.method(session, 'request');
    const fetchSpy = t.mock.method(globalThis, 'fetch');
    const spies = [request, fetchSpy, auth.getHeaders, auth.getEndpoint, auth.invalidate];
    const calls = () => spies.reduce((n, spy) => n + spy.mock.callCount(), 0);
    const images = imageClient(auth);
    assert.equal(calls(), 0, 'the constructor did I/O');
    // The spies do see I/O: listing asks the plugin for the endpoint and the session for a page.
    assert.equal((await collect(images)).length, SEED_VISIBLE_TO_DEMO, 'the spies see the listing: the seeded images');
    assert.ok(
      auth.getEndpoint.mock.callCount() > 0 && request.mock.callCount() > 0,
      'listing asked the plugin for the endpoint and the session for a page',
    );
  });
});

describe('failures are typed, with the upstream request id', () => {
  test('401, 403 and 500 from Glance', async () => {
    const g = await glanceWith(0);
    const badToken = imageClient(
      new UserAuthPlugin(
        AccessInfo.fromBody(
          {
            token: {
              user: { id: 'x' },
              expires_at: new Date(Date.now() + 60_000).toISOString(),
              catalog: [{ type: 'image', endpoints: [{ interface: 'public', url: g.url }] }],
            },
          },
          'gAAAAAbogus',
        ),
        undefined,
      ),
      10,
    );
    await assert.rejects(collect(badToken), UnauthorizedError, "Glance's 401: UnauthorizedError");
    await setFaults(g.url, { failStatus: 403 });
    await assert.rejects(collect(client(g.url)), ForbiddenError, "Glance's 403: ForbiddenError");
    await setFaults(g.url, { failStatus: 500 });
    await assert.rejects(
      collect(client(g.url)),
      (err: Error) =>
        err instanceof ServerError &&
        err.status === 500 &&
        err.service === 'glance' &&
        err.displayName === 'image service',
      "a 500, named glance in logs and 'image service' to callers",
    );
  });

  test("a next link to another origin is refused: the caller's token never follows it", async (t) => {
    const elsewhere: string[] = [];
    const other = await listen((req, res) => {
      elsewhere.push(String(req.headers['x-auth-token']));
      res.end('{"images":[]}');
    });
    t.after(() => other.close());
    const glance = await listen((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ images: [{ id: '1', name: 'one' }], next: `${other.url}/v2/images?marker=1` }));
    });
    t.after(() => glance.close());
    await assert.rejects(
      collect(client(glance.url)),
      (err: Error) =>
        err instanceof ProtocolError && /another origin/.test(err.message) && err.displayName === 'image service',
      'a ProtocolError naming the image service',
    );
    assert.deepEqual(elsewhere, [], 'nothing reached the other origin');
  });

  test('Glance too slow, hanging, or not listening', async (t) => {
    const g = await glanceWith(0);
    // A 1 s timeout; Glance's latency is 60 times that, so no stall of a loaded machine lets its answer arrive
    // first (the mock drops the wait when the session hangs up). The message names the deadline that fired.
    const quick = sessionWith(1);
    t.after(() => quick.close());
    const timedOut = (err: Error) => err instanceof TimeoutError && /did not answer within 1000 ms/.test(err.message);
    await setFaults(g.url, { latencyMs: 60_000 });
    await assert.rejects(
      collect(client(g.url, 1000, { through: quick })),
      timedOut,
      'slow Glance: the 1 s timeout ends the call',
    );
    await setFaults(g.url, { hang: true });
    await assert.rejects(
      collect(client(g.url, 1000, { through: quick })),
      timedOut,
      'hanging Glance: the 1 s timeout ends it',
    );
    await assert.rejects(collect(client(await closedUrl())), ConnectionError, 'nothing listening: a ConnectionError');
  });
});

describe('a listing of every page is bounded by maxImages ([image] max_images)', () => {
  test('a listing of exactly maxImages images is whole; one more is a ListingTooLargeError', async () => {
    const g = await glanceWith(30);
    const all = await collect(client(g.url, 7, { maxImages: 30 + SEED_VISIBLE_TO_DEMO }));
    assert.equal(all.length, 30 + SEED_VISIBLE_TO_DEMO, 'every image when the listing fits max_images exactly');
    await assert.rejects(
      collect(client(g.url, 7, { maxImages: 30 + SEED_VISIBLE_TO_DEMO - 1 })),
      (err: unknown) => err instanceof ListingTooLargeError && err.maxImages === 30 + SEED_VISIBLE_TO_DEMO - 1,
      'one image over max_images ends the listing with the limit named',
    );
  });

  test('a Glance sending empty pages with fresh next links forever is stopped after maxImages pages', async (t) => {
    let pages = 0;
    const glance = await listen((_req, res) => {
      pages++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ images: [], next: `/v2/images?marker=m${pages}` }));
    });
    t.after(() => glance.close());
    await assert.rejects(
      collect(client(glance.url, 1000, { maxImages: 50 })),
      ListingTooLargeError,
      'endless empty pages end as a ListingTooLargeError',
    );
    assert.equal(pages, 51, 'each empty page costs one: max_images pages are read, then the next one ends it');
  });
});

describe('what one listing may cost, whatever Glance sends', () => {
  const ID = '1a2b3c4d-5e6f-4a0b-8c1d-00000000000a';
  /** A Glance on a loopback port answering each listing call with `answer(n)` (n counts from 1); its calls' URLs. */
  async function lyingGlance(t: TestContext, answer: (n: number) => unknown) {
    const urls: string[] = [];
    const glance = await listen((req, res) => {
      urls.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer(urls.length)));
    });
    t.after(() => glance.close());
    return { url: glance.url, urls };
  }

  test('one page (page()) against empty pages with fresh next links forever ends too', async (t) => {
    const glance = await lyingGlance(t, (n) => ({ images: [], next: `/v2/images?limit=5&marker=m${n}` }));
    await assert.rejects(
      client(glance.url, 1000, { maxImages: 50 }).page({}, { limit: 5 }),
      ListingTooLargeError,
      'endless empty pages before the page asked for end as a ListingTooLargeError',
    );
    assert.equal(
      glance.urls.length,
      56,
      'each empty page costs one of max_images + limit (55): 55 pages are read, then the next one ends it',
    );
  });

  for (const how of ['every page', 'one page'] as const) {
    test(`${how}: a page holding more images than the limit asked is a ProtocolError`, async (t) => {
      const images = Array.from({ length: 6 }, (_, i) => ({ id: `${ID.slice(0, -1)}${i}`, name: `n${i}` }));
      const glance = await lyingGlance(t, () => ({ images }));
      const glanceClient = client(glance.url, 5);
      const listing = how === 'every page' ? collect(glanceClient) : glanceClient.page({}, { limit: 5 });
      await assert.rejects(
        listing,
        (err: unknown) =>
          err instanceof ProtocolError &&
          /a page of 6 images where at most 5 were asked/.test(err.message) &&
          err.url === `${glance.url}/v2/images`,
        'six images where five were asked: a ProtocolError naming both, its URL without the query',
      );
    });
  }

  for (const [what, image] of [
    ['null', null],
    ['a number', 5],
    ['a list', []],
    ['a name that is a number', { id: ID, name: 42 }],
    ['a name that is an object', { id: ID, name: { nested: true } }],
  ] as const) {
    test(`an image that is ${what} is a ProtocolError naming it, on either path`, async (t) => {
      const glance = await lyingGlance(t, () => ({ images: [{ id: ID, name: 'fine' }, image] }));
      for (const listing of [collect(client(glance.url)), client(glance.url).page({}, { limit: 5 })]) {
        await assert.rejects(
          listing,
          (err: unknown) => err instanceof ProtocolError && /images\[1\] that is not an image/.test(err.message),
          `${what}: a ProtocolError naming images[1]`,
        );
      }
    });
  }

  test('an image without a name, or with a null one, is an image (its name is null)', async (t) => {
    const glance = await lyingGlance(t, () => ({ images: [{ id: ID }, { id: ID, name: null }] }));
    assert.equal((await collect(client(glance.url))).length, 2, 'both are images');
  });

  test('a next link cannot raise the limit: the limit asked is restored on every page', async (t) => {
    const glance = await lyingGlance(t, (n) =>
      n < 3 ? { images: [{ id: ID, name: 'one' }], next: `/v2/images?limit=100000&marker=m${n}` } : { images: [] },
    );
    await collect(client(glance.url, 5));
    assert.deepEqual(
      glance.urls.map((u) => new URL(u, 'http://x').searchParams.getAll('limit')),
      [['5'], ['5'], ['5']],
      'every call asked for 5 images, whatever the next link said',
    );
  });

  test('a listing ends at list_timeout, however many pages Glance still offers', async (t) => {
    // The listing's clock moves one second per Glance call: list_timeout (10 s) allows ten.
    let clock = 0;
    const glance = await lyingGlance(t, (n) => {
      clock += 1000;
      return { images: [{ id: ID, name: 'one' }], next: `/v2/images?marker=m${n}` };
    });
    await assert.rejects(
      collect(client(glance.url, 1000, { listTimeoutMs: 10_000, now: () => clock })),
      (err: unknown) =>
        err instanceof TimeoutError &&
        /list_timeout \(10000 ms\)/.test(err.message) &&
        err.displayName === 'image service',
      'a TimeoutError naming list_timeout and the image service',
    );
    assert.equal(glance.urls.length, 10, 'ten calls of a second each fit in ten seconds; the eleventh is not made');
  });

  test('each Glance call gets what is left of list_timeout when that is shorter than the session timeout', async (t) => {
    // Glance never answers; the session's timeout is 30 s. The message names the deadline that ended the wait.
    const glance = await listen(() => undefined);
    t.after(() => glance.close());
    await assert.rejects(
      collect(client(glance.url, 1000, { listTimeoutMs: 300 })),
      (err: unknown) => {
        const ms = /did not answer within (\d+) ms/.exec((err as Error).message)?.[1];
        return err instanceof TimeoutError && ms !== undefined && Number(ms) <= 300;
      },
      'the call timed out at what was left of the 300 ms listing deadline, not at the 30 s session timeout',
    );
  });
});

describe('one page (ImageClient.page): what a caller who pages gets', () => {
  /** A Glance on a loopback port that answers every listing with `body`. */
  async function glanceSending(t: TestContext, body: unknown) {
    const glance = await listen((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    });
    t.after(() => glance.close());
    return client(glance.url);
  }
  const ID = '1a2b3c4d-5e6f-4a0b-8c1d-00000000000a';

  test("limit and marker go to Glance as given; the next page's marker comes from Glance's next link", async () => {
    const g = await glanceWith(30);
    const all = await collect(client(g.url));
    const first = await client(g.url).page({}, { limit: 7 });
    assert.deepEqual(
      first.images.map((i) => i.id),
      all.slice(0, 7).map((i) => i.id),
      'the first seven, in order',
    );
    assert.equal(first.nextMarker, all[6]!.id, 'the next marker is the last image of the page');
    const second = await client(g.url).page({}, { limit: 7, marker: first.nextMarker });
    assert.deepEqual(
      second.images.map((i) => i.id),
      all.slice(7, 14).map((i) => i.id),
      'the next seven',
    );
    const last = await client(g.url).page({}, { limit: 1000, marker: all.at(-3)!.id });
    assert.deepEqual(
      last.images.map((i) => i.id),
      all.slice(-2).map((i) => i.id),
      'the two after the marker',
    );
    assert.equal(last.nextMarker, undefined, 'a page short of its limit has no next');
  });

  test('an empty page that carries a next link is skipped to the first page with images', async () => {
    const g = await glanceWith(30);
    const all = await collect(client(g.url));
    await setFaults(g.url, { shortPages: true });
    const page = await client(g.url).page({}, { limit: 10 });
    assert.ok(page.images.length > 0, 'the empty first page was not handed back');
    assert.deepEqual(
      page.images.map((i) => i.id),
      all.slice(0, page.images.length).map((i) => i.id),
      'in order',
    );
    assert.equal(page.nextMarker, page.images.at(-1)!.id, 'the next marker is the last image shown');
  });

  test("Glance's 400 for an unknown marker and 403 for an invisible one reach the caller typed", async () => {
    const g = await glanceWith(0);
    await assert.rejects(
      client(g.url).page({}, { limit: 5, marker: '00000000-0000-4000-8000-000000000000' }),
      (err: Error) => err instanceof HttpError && err.status === 400,
      'an unknown marker is a 400 from Glance',
    );
    await assert.rejects(
      client(g.url).page({}, { limit: 5, marker: '1a2b3c4d-5e6f-4a0b-8c1d-000000000009' }),
      ForbiddenError,
      'a marker the caller may not see is a 403 from Glance',
    );
  });

  for (const [what, next] of [
    ['no marker', '/v2/images?limit=1&page=2'],
    ['a marker that is not an image id', '/v2/images?limit=1&marker=%3E%0D%0ALink%3A%20x'],
    ['two markers, the first not an id', `/v2/images?limit=1&marker=x&marker=${ID}`],
  ] as const) {
    test(`a next link with ${what} is a ProtocolError, never a Link to the caller`, async (t) => {
      const glanceClient = await glanceSending(t, { images: [{ id: ID, name: 'one' }], next });
      await assert.rejects(
        glanceClient.page({}, { limit: 1 }),
        (err: Error) => err instanceof ProtocolError && /not an image id/.test(err.message),
        `${what}: a ProtocolError saying the marker is not an image id`,
      );
    });
  }

  test('a next link that repeats the marker asked for is a ProtocolError: the caller would loop', async (t) => {
    const glanceClient = await glanceSending(t, { images: [{ id: ID, name: 'one' }], next: `/v2/images?marker=${ID}` });
    await assert.rejects(
      glanceClient.page({}, { limit: 1, marker: ID }),
      (err: Error) => err instanceof ProtocolError && /repeats/.test(err.message),
      'a ProtocolError saying the next link repeats a page',
    );
  });
});
