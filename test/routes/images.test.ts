// The service end to end over real HTTP: mock Keystone + mock Glance + the app, each on port 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_NAME } from '../../src/common/package-info.js';
import { randomUUID } from 'node:crypto';
import { closedUrl, waitFor } from '../helpers/net.js';
import { DEMO_SEED_NAMES, appCredToken, setFaults, startMocks, stats, tokenFor, type Mocks } from '../helpers/mocks.js';
import { build, serviceOptions, startApp, type Service } from '../helpers/service.js';
import { getJson } from '../helpers/http.js';

let mocks: Mocks;
let service: Service;
const tokens: Record<string, string> = {};

before(async () => {
  mocks = await startMocks({ generate: 2500 });
  service = await startApp(serviceOptions(mocks.keystoneUrl));
  for (const user of ['demo', 'alt', 'wile'] as const) tokens[user] = await tokenFor(mocks.keystoneUrl, user);
});
after(async () => {
  await service.close();
  await mocks.close();
});

const names = (user: string, path = '/') => getJson(`${service.url}${path}`, { 'X-Auth-Token': tokens[user]! });

describe('image names', () => {
  test('demo: 2510 names across three Glance pages, in order, with null and non-ASCII names', async () => {
    const res = await names('demo');
    assert.equal(res.status, 200, "the demo user's names");
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8', 'as JSON');
    assert.equal(res.headers.get('cache-control'), 'no-store', "one caller's names: no shared cache may keep them");
    const body = res.body as (string | null)[];
    assert.equal(body.length, 2510, '2510 names: all 2500 generated images and the 10 seeded ones, across three pages');
    assert.deepEqual(
      body.slice(0, DEMO_SEED_NAMES.length),
      DEMO_SEED_NAMES,
      'the seeded images first (newest), a null and a non-ASCII name among them',
    );
    assert.equal(body[10], 'generated-002499', 'then the newest generated image');
    assert.equal(body.at(-1), 'generated-000000', 'and the oldest last');
  });

  test('alt and wile see their own, different lists; GET /images is the same as GET /', async () => {
    assert.deepEqual(
      (await names('alt')).body,
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
      "alt's own list",
    );
    assert.deepEqual(
      (await names('wile')).body,
      ['rocky-9-queued', 'dev-private', 'debian-12-genericcloud', 'ubuntu-24.04-server', 'cirros-0.6.2-x86_64-disk'],
      "wile's own list",
    );
    assert.deepEqual((await names('wile', '/images')).body, (await names('wile')).body, 'GET /images is GET /');
  });

  test('filters pass through to Glance', async () => {
    assert.deepEqual(
      (await names('demo', '/images?visibility=community')).body,
      ['alt-community', 'demo-community'],
      'visibility=community reaches Glance',
    );
    assert.deepEqual(
      (await names('demo', '/images?os_hidden=true')).body,
      ['hidden-rescue'],
      'os_hidden=true reaches Glance: the hidden image only',
    );
    assert.equal(
      ((await names('demo', '/images?os_hidden=false')).body as (string | null)[]).includes('hidden-rescue'),
      false,
      'os_hidden=false: the hidden image is left out, as without it',
    );
    assert.deepEqual(
      (await names('demo', '/images?tag=ubuntu&tag=lts')).body,
      ['ubuntu-24.04-server'],
      'repeated tags: images with both',
    );
    assert.deepEqual(
      (await names('wile', '/images?sort=name:asc')).body,
      ['cirros-0.6.2-x86_64-disk', 'debian-12-genericcloud', 'dev-private', 'rocky-9-queued', 'ubuntu-24.04-server'],
      'sort=name:asc reaches Glance',
    );
    assert.deepEqual(
      (await names('demo', '/?name=demo-private&status=active')).body,
      ['demo-private'],
      'name and status together',
    );
  });

  test('bad filter values: 400 naming the parameter, never forwarded', async () => {
    const before = (await stats(mocks.glance.url)).counters.list_requests ?? 0;
    for (const [query, parameter] of [
      ['visibility=everyone', 'visibility'],
      ['status=happy', 'status'],
      ['sort=size:sideways', 'sort'],
      ['sort=password', 'sort'],
      ['limit=0', 'limit'],
      ['marker=x', 'marker'],
      ['name=', 'name'],
      [`name=${'x'.repeat(256)}`, 'name'],
      ['visibility=public&visibility=private', 'visibility'],
    ] as const) {
      const res = await names('demo', `/images?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal((res.body as any).error.parameter, parameter, `${query}: the error names ${parameter}`);
      assert.match((res.body as any).error.message, new RegExp(parameter), `${query}: the message names ${parameter}`);
    }
    assert.equal(
      (await stats(mocks.glance.url)).counters.list_requests ?? 0,
      before,
      'a bad filter never reaches Glance',
    );
  });

  test('no token: 401 with the keystonemiddleware body', async () => {
    const res = await getJson(`${service.url}/`);
    assert.equal(res.status, 401, 'no token: refused');
    assert.deepEqual(
      (res.body as any).error,
      {
        code: 401,
        title: 'Unauthorized',
        message: 'The request you have made requires authentication.',
      },
      "keystonemiddleware's 401 body",
    );
    assert.equal(
      res.headers.get('www-authenticate'),
      `Keystone uri="${mocks.keystoneUrl}"`,
      "with Keystone's challenge",
    );
  });

  test('unknown paths are JSON 404s (after authentication), other methods JSON 405s', async () => {
    const missing = await names('demo', '/nope');
    assert.equal(missing.status, 404, 'an unknown path is a 404');
    assert.equal((missing.body as any).error.code, 404, 'as a JSON error');
    const res = await fetch(`${service.url}/images`, { method: 'DELETE', headers: { 'X-Auth-Token': tokens.demo! } });
    assert.equal(res.status, 405, 'DELETE on the route is a 405');
    assert.match(res.headers.get('allow') ?? '', /GET/, 'Allow names GET');
    assert.equal(((await res.json()) as any).error.code, 405, 'as a JSON error');
  });
});

describe('request ids', () => {
  test("a well-formed id is the caller's global id: sent to Keystone and Glance, logged, never taken as ours", async () => {
    const id = 'req-0f1e2d3c-4b5a-4968-8776-655443322110';
    const fresh = await tokenFor(mocks.keystoneUrl, 'wile');
    const res = await getJson(`${service.url}/`, { 'X-Auth-Token': fresh, 'X-OpenStack-Request-ID': id });
    const own = res.headers.get('x-openstack-request-id');
    assert.ok(
      own !== id && /^req-[0-9a-f-]{36}$/.test(own ?? ''),
      "our own fresh request id is returned, not the caller's",
    );
    assert.ok(
      ((await (await fetch(`${mocks.glance.url}/__mock/stats`)).json()) as any).request_ids.includes(id),
      'and sent to Glance',
    );
    assert.ok(
      ((await (await fetch(`${mocks.keystone.url}/__mock/stats`)).json()) as any).request_ids.includes(id),
      'and to Keystone',
    );
    const line = service.lines.find((l) => l.msg === 'request completed' && l.request_id === own);
    assert.ok(line, 'an access-log line with our request id');
    assert.equal(line.global_request_id, id, "it carries the caller's id as global_request_id");
    assert.equal(line.route, '/', 'the access-log line names the route');
  });

  test('a malformed id is replaced; an absent one is created', async () => {
    const bad = await getJson(`${service.url}/healthz`, { 'X-OpenStack-Request-ID': 'req-<script>' });
    assert.match(
      bad.headers.get('x-openstack-request-id')!,
      /^req-[0-9a-f-]{36}$/,
      'a malformed id is replaced by a fresh one',
    );
    const none = await getJson(`${service.url}/healthz`);
    assert.notEqual(
      none.headers.get('x-openstack-request-id'),
      bad.headers.get('x-openstack-request-id'),
      'each request gets its own id',
    );
  });
});

describe('upstream failures map to gateway errors with the request id', () => {
  const expectError = async (faults: Record<string, unknown>, status: number, token = tokens.wile!, at = service) => {
    await setFaults(mocks.glance.url, faults);
    try {
      const res = await getJson(`${at.url}/`, { 'X-Auth-Token': token });
      assert.equal(res.status, status, JSON.stringify(res.body));
      const body = res.body as any;
      assert.deepEqual(
        Object.keys(body.error).sort(),
        ['code', 'message', 'title'],
        'the usual error body: code, message, title',
      );
      assert.equal(
        body.request_id,
        res.headers.get('x-openstack-request-id'),
        'the body carries the request id returned in the header',
      );
      assert.doesNotMatch(JSON.stringify(body), /at .*\.ts:\d+|Error:/, 'no stack or error class leaks into the body');
      return body;
    } finally {
      await setFaults(mocks.glance.url, {});
    }
  };

  test('Glance 500 and 503: 502', async () => {
    await expectError({ failStatus: 500, pathPrefix: '/v2/' }, 502);
    await expectError({ failStatus: 503, pathPrefix: '/v2/' }, 502);
  });
  test('Glance 401: 401 with WWW-Authenticate, as upstream adds it to every 401; Glance 403: 403', async () => {
    await expectError({ failStatus: 401, pathPrefix: '/v2/' }, 401);
    await setFaults(mocks.glance.url, { failStatus: 401, pathPrefix: '/v2/' });
    try {
      const res = await getJson(`${service.url}/`, { 'X-Auth-Token': tokens.wile! });
      assert.equal(
        res.headers.get('www-authenticate'),
        `Keystone uri="${mocks.keystoneUrl}"`,
        "a 401 from Glance gets Keystone's challenge too",
      );
    } finally {
      await setFaults(mocks.glance.url, {});
    }
    await expectError({ failStatus: 403, pathPrefix: '/v2/' }, 403);
  });
  test('Glance too slow or hanging: 504 within the session timeout', async (t) => {
    // A service of its own with a 2 s session timeout; the others keep the default 30 s, so that paging on a
    // loaded machine never meets a deadline.
    const quick = await build(t, serviceOptions(mocks.keystoneUrl, { communication: { timeout: 2 } }));
    const abandoned = async () => (await stats(mocks.glance.url)).counters.abandoned ?? 0;
    // Glance answers (200) after 60 s: a 504 means the service stopped waiting before that (its timeout is
    // 2 s), and Glance saw it hang up. No stopwatch: the latency is the clock, 30 times the timeout so that no
    // stall of a loaded machine lets Glance's answer arrive first (the mock drops the wait on a hang-up).
    let before = await abandoned();
    await expectError({ latencyMs: 60_000, pathPrefix: '/v2/' }, 504, tokens.wile, quick);
    await waitFor(async () => (await abandoned()) > before, 'Glance sees the slow call abandoned');
    // Glance never answers: the log says which deadline ended the wait (the 2 s session timeout). No stopwatch.
    before = await abandoned();
    await expectError({ hang: true, pathPrefix: '/v2/' }, 504, tokens.wile, quick);
    const failed = quick.lines.findLast((l) => l.msg === 'request failed');
    assert.match(
      String((failed?.error as { message?: string } | undefined)?.message),
      /did not answer within 2000 ms/,
      'the 2 s session timeout ended the wait',
    );
    await waitFor(async () => (await abandoned()) > before, 'Glance sees the hanging call abandoned');
  });
  test('Glance unreachable: 502', async () => {
    const vars = mocks.keystone.store.catalogVars;
    const saved = vars.glance_url!;
    vars.glance_url = await closedUrl();
    try {
      const token = await tokenFor(mocks.keystoneUrl, 'alt');
      const body = await expectError({}, 502, token);
      assert.match(body.error.message, /cannot be reached/, 'the message says the image service cannot be reached');
    } finally {
      vars.glance_url = saved;
    }
  });
  test('Keystone failing: 503', async () => {
    await setFaults(mocks.keystone.url, { failStatus: 500, pathPrefix: '/v3/auth/tokens' });
    try {
      const token = `${tokens.alt}x`; // never validated: not cached
      const res = await getJson(`${service.url}/`, { 'X-Auth-Token': token });
      assert.equal(res.status, 503, 'Keystone failing: 503');
    } finally {
      await setFaults(mocks.keystone.url, {});
    }
  });
});

describe('a client that hangs up', () => {
  test('aborts the upstream calls', async () => {
    await setFaults(mocks.glance.url, { hang: true, pathPrefix: '/v2/' });
    try {
      const held = async () => (await stats(mocks.glance.url)).counters.held ?? 0;
      const before = await held();
      const controller = new AbortController();
      const pending = fetch(`${service.url}/`, {
        headers: { 'X-Auth-Token': tokens.demo! },
        signal: controller.signal,
      }).catch((e: Error) => e);
      await waitFor(async () => (await held()) > before, 'the service waiting on Glance');
      controller.abort();
      await pending;
      await waitFor(
        async () => service.lines.some((l) => (l.upstream as { error?: string } | undefined)?.error === 'aborted'),
        'the upstream call logged as aborted',
      );
    } finally {
      await setFaults(mocks.glance.url, {});
    }
  });
});

/** The mock Glance's counters: listing calls, and calls that came with an X-Service-Token. */
async function glanceCalls() {
  const { counters } = await stats(mocks.glance.url);
  return { lists: counters.list_requests ?? 0, withServiceToken: counters.with_service_token ?? 0 };
}

describe('X-Service-Token to Glance: [service_user] send_service_user_token', () => {
  let sending: Service;
  before(async () => {
    const config = serviceOptions(mocks.keystoneUrl, { service_user: { send_service_user_token: true } });
    sending = await startApp(config, { level: 'warn' });
  });
  after(() => sending.close());

  test("off by default (Nova's default): Glance gets the caller's token alone", async () => {
    assert.equal(serviceOptions(mocks.keystoneUrl).authToken.sendServiceToken, false, 'off by default');
    const before = await glanceCalls();
    assert.equal((await names('demo')).status, 200, 'the listing works without a service token');
    const after = await glanceCalls();
    assert.equal(after.lists - before.lists, 3, 'three Glance pages were asked for');
    assert.equal(after.withServiceToken, before.withServiceToken, 'none of them carried an X-Service-Token');
  });

  test("on: every Glance call carries this service's token as X-Service-Token", async () => {
    const before = await glanceCalls();
    const res = await getJson(`${sending.url}/`, { 'X-Auth-Token': tokens.demo! });
    assert.equal(res.status, 200, 'the listing works with a service token');
    const after = await glanceCalls();
    assert.equal(after.lists - before.lists, 3, 'three Glance pages were asked for');
    assert.equal(after.withServiceToken - before.withServiceToken, 3, 'each of them carried an X-Service-Token');
  });
});

describe('an application credential restricted to GET /images (service_type: the service name)', () => {
  let restricted: Service;
  let restrictedSending: Service;
  before(async () => {
    const keystone_authtoken = { service_type: SERVICE_NAME };
    restricted = await startApp(serviceOptions(mocks.keystoneUrl, { keystone_authtoken }), { level: 'warn' });
    restrictedSending = await startApp(
      serviceOptions(mocks.keystoneUrl, { keystone_authtoken, service_user: { send_service_user_token: true } }),
      { level: 'warn' },
    );
  });
  after(async () => {
    await restricted.close();
    await restrictedSending.close();
  });

  test("rules that allow the whole chain (this service's GET /images, image GET /v2/images): the caller's images", async () => {
    const token = await appCredToken(mocks.keystoneUrl, 'demo-images-chain');
    const res = await getJson(`${restricted.url}/images`, { 'X-Auth-Token': token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      (res.body as string[]).slice(0, 3),
      ['rocky-9-queued', 'alt-shared-accepted', 'Ünïcødé 镜像 ☁'],
      "demo's images, newest first",
    );
  });

  test('rules for this service alone: Glance refuses the call (401) unless our service token comes along', async () => {
    const token = await appCredToken(mocks.keystoneUrl, 'demo-images-only');
    const refused = await getJson(`${restricted.url}/images`, { 'X-Auth-Token': token });
    assert.equal(refused.status, 401, "Glance's own auth_token checks the rules: none allows GET /v2/images");
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Keystone uri="/, 'with the challenge');
    assert.equal(
      (refused.body as { error: { message: string } }).error.message,
      'The image service rejected the token.',
      'the caller is told which service refused',
    );
    const chained = await getJson(`${restrictedSending.url}/images`, { 'X-Auth-Token': token });
    assert.equal(chained.status, 200, 'with X-Service-Token, Glance skips the rules for a chain of service calls');
  });

  test('GET / is not in the rules: 401 with WWW-Authenticate, and Glance is never asked', async () => {
    const token = await appCredToken(mocks.keystoneUrl, 'demo-images-only');
    const requestId = `req-${randomUUID()}`;
    const res = await getJson(`${restricted.url}/`, { 'X-Auth-Token': token, 'X-OpenStack-Request-ID': requestId });
    assert.equal(res.status, 401, 'GET / is not allowed by the rules: 401');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Keystone uri="/, "with Keystone's challenge");
    // The mock Glance records the request ids it receives: this one never arrived.
    const seen = (await stats(mocks.glance.url)) as unknown as { request_ids: string[] };
    assert.ok(!seen.request_ids.includes(requestId), 'the request never reached Glance');
  });

  test('the default service (service_type unset) refuses the token and logs why', async () => {
    const token = await appCredToken(mocks.keystoneUrl, 'demo-images-only');
    assert.equal(
      (await getJson(`${service.url}/images`, { 'X-Auth-Token': token })).status,
      401,
      'service_type unset: a token with access rules is refused',
    );
    assert.ok(
      service.lines.some((l) => String(l.msg).includes('Set service_type in [keystone_authtoken]')),
      'and the log says to set service_type',
    );
  });
});

describe('[image] max_images bounds a listing of every page', () => {
  let capped: Service;
  before(async () => {
    capped = await startApp(serviceOptions(mocks.keystoneUrl, { image: { max_images: 2000, page_size: 1000 } }), {
      level: 'warn',
    });
  });
  after(() => capped.close());

  test('past it, the caller gets a 502 that says to page; with limit the same caller pages as usual', async () => {
    const res = await getJson(`${capped.url}/`, { 'X-Auth-Token': tokens.demo! });
    assert.equal(res.status, 502, 'demo sees 2510 images, more than max_images = 2000');
    const error = (res.body as { error: { message: string } }).error;
    assert.match(error.message, /more images than this service returns at once \(2000\)/, 'the limit is named');
    assert.match(error.message, /limit and marker/, 'the caller is told how to get them');
    const page = await getJson(`${capped.url}/?limit=5`, { 'X-Auth-Token': tokens.demo! });
    assert.equal(page.status, 200, 'paging is not affected by max_images');
    assert.equal((page.body as unknown[]).length, 5, 'a page of the limit asked for');
  });
});
