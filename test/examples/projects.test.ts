// The worked example of docs/forking.md: GET /projects (examples/projects) mounted beside the service's routes,
// built from services against the mock Keystone, listing the caller's projects with their own token through
// an identity Adapter. Every response is checked against the OpenAPI document with the example's part
// (examples/projects/openapi.ts), as startApp checks the service's. Keystone's failures reach the caller naming
// "the identity service" (no table), and the log names it "keystone".
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiDocument } from '../../src/routes/openapi-document.js';
import { projectsClientFactory } from '../../examples/projects/client.js';
import { PROJECTS_DOCUMENT } from '../../examples/projects/openapi.js';
import { projectRoutes } from '../../examples/projects/routes.js';
import { getJson } from '../helpers/http.js';
import { DEMO_PROJECT_ID, setFaults, startMocks, stats, tokenFor, type Mocks } from '../helpers/mocks.js';
import { waitFor } from '../helpers/net.js';
import { operationsOf, routesOf } from '../helpers/openapi.js';
import { serviceOptions, startApp, type Service } from '../helpers/service.js';

let mocks: Mocks;
let service: Service;

// What a fork writes in createApp: the route, with a client factory bound to the global session.
const projects = (session: Parameters<typeof projectsClientFactory>[0]) =>
  projectRoutes({ projectsClient: projectsClientFactory(session, { interface: 'public' }) });

before(async () => {
  mocks = await startMocks();
  service = await startApp(serviceOptions(mocks.keystoneUrl), {
    level: 'warn',
    routes: (services) => [projects(services.session)],
    document: PROJECTS_DOCUMENT,
  });
});
after(async () => {
  await service.close();
  await mocks.close();
});
afterEach(() => setFaults(mocks.keystone.url, {}));

const projectsAs = async (user: 'demo' | 'wile') =>
  getJson(`${service.url}/projects`, { 'X-Auth-Token': await tokenFor(mocks.keystoneUrl, user) });

describe('GET /projects, the worked example', () => {
  test('documented: its part of the document lists exactly the routes its router serves', () => {
    const document = openApiDocument(undefined, [PROJECTS_DOCUMENT]);
    assert.deepEqual(
      operationsOf(document).filter((r) => r.endsWith(' /projects')),
      routesOf([projects(service.session)]),
      "the example's router and its part of the document agree",
    );
  });

  test("the caller's projects, asked of Keystone with the caller's token", async () => {
    const demo = await projectsAs('demo');
    assert.equal(demo.status, 200, 'listed');
    assert.deepEqual(demo.body, [{ id: DEMO_PROJECT_ID, name: 'demo', domain_id: 'default' }], "demo's one project");
    const wile = await projectsAs('wile');
    assert.deepEqual(
      (wile.body as { name: string }[]).map((p) => p.name),
      ['dev'],
      "another caller gets their own projects, not demo's",
    );
  });

  test('without a token: the 401 of auth_token, with its challenge', async () => {
    const res = await fetch(`${service.url}/projects`);
    assert.equal(res.status, 401, 'rejected before the route');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Keystone uri=/, 'the challenge');
  });

  const failures = [
    { upstream: 500, status: 502, message: 'The identity service failed (HTTP 500).' },
    { upstream: 401, status: 401, message: 'The identity service rejected the token.' },
  ];
  for (const { upstream, status, message } of failures) {
    test(`Keystone answering ${upstream}: ${status}, naming the identity service; the log names keystone`, async () => {
      await setFaults(mocks.keystone.url, { failStatus: upstream, pathPrefix: '/v3/auth/projects' });
      const failed = await projectsAs('demo');
      assert.equal(failed.status, status, `Keystone's ${upstream} as the caller sees it`);
      assert.equal((failed.body as { error: { message: string } }).error.message, message, 'the Adapter display name');
      const line = service.lines.findLast((l) => l.msg === 'request failed');
      const logged = line?.error as { service?: string; upstream_status?: number } | undefined;
      assert.deepEqual(
        [logged?.service, logged?.upstream_status],
        ['keystone', upstream],
        'the machine name and the status in the log',
      );
    });
  }

  test('a caller who hangs up: the call to Keystone is given up too (callerSignal)', async () => {
    await setFaults(mocks.keystone.url, { hang: true, pathPrefix: '/v3/auth/projects' });
    const counters = async () => (await stats(mocks.keystone.url)).counters;
    const before = await counters();
    const controller = new AbortController();
    const pending = fetch(`${service.url}/projects`, {
      headers: { 'X-Auth-Token': await tokenFor(mocks.keystoneUrl, 'demo') },
      signal: controller.signal,
    }).catch((e: unknown) => e);
    await waitFor(async () => ((await counters()).held ?? 0) > (before.held ?? 0), 'the route waiting on Keystone');
    controller.abort();
    await pending;
    // Keystone holds the call until its client goes: only the caller's signal can end it.
    await waitFor(
      async () => ((await counters()).abandoned ?? 0) > (before.abandoned ?? 0),
      'the service hanging up on Keystone',
    );
  });
});
