// The worked example of docs/forking.md: GET /projects (examples/projects) mounted on the service's app,
// built from services against the mock Keystone, listing the caller's projects with their own token through
// an identity Adapter. Keystone's failures reach the caller naming "the identity service" (no table), and the
// log names it "keystone".
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../src/app.js';
import { createServices, type Services } from '../../src/services.js';
import { projectsClientFactory } from '../../examples/projects/client.js';
import { projectRoutes } from '../../examples/projects/routes.js';
import { getJson } from '../helpers/http.js';
import { captureLogger } from '../helpers/logs.js';
import { DEMO_PROJECT_ID, setFaults, startMocks, tokenFor, type Mocks } from '../helpers/mocks.js';
import { listen, type Listening } from '../helpers/net.js';
import { serviceOptions } from '../helpers/service.js';
import type http from 'node:http';

const logs = captureLogger('warn');
let mocks: Mocks;
let services: Services;
let served: Listening<http.Server>;

before(async () => {
  mocks = await startMocks();
  services = createServices(serviceOptions(mocks.keystoneUrl), logs.logger);
  // What a fork writes in createApp: the route, with a client factory bound to the global session.
  const app = createApp(services);
  const projects = projectRoutes({ projectsClient: projectsClientFactory(services.session, { interface: 'public' }) });
  app.use(projects.routes());
  served = await listen(app.callback());
});
after(async () => {
  await served.close();
  await services.close();
  await mocks.close();
});
afterEach(() => setFaults(mocks.keystone.url, {}));

const projectsAs = async (user: 'demo' | 'wile') =>
  getJson(`${served.url}/projects`, { 'X-Auth-Token': await tokenFor(mocks.keystoneUrl, user) });

describe('GET /projects, the worked example', () => {
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
    const res = await fetch(`${served.url}/projects`);
    assert.equal(res.status, 401, 'rejected before the route');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Keystone uri=/, 'the challenge');
  });

  test('Keystone failing the call: a gateway error naming the identity service; the log names keystone', async () => {
    await setFaults(mocks.keystone.url, { failStatus: 500, pathPrefix: '/v3/auth/projects' });
    const failed = await projectsAs('demo');
    assert.equal(failed.status, 502, 'a 500 upstream is a 502');
    assert.equal(
      (failed.body as { error: { message: string } }).error.message,
      'The identity service failed (HTTP 500).',
      'the display name, from the Adapter',
    );
    const line = logs.lines.findLast((l) => l.msg === 'request failed');
    assert.equal((line?.error as { service?: string } | undefined)?.service, 'keystone', 'the machine name in logs');
  });

  test("Keystone refusing the caller's token for this call: 401, naming the identity service", async () => {
    await setFaults(mocks.keystone.url, { failStatus: 401, pathPrefix: '/v3/auth/projects' });
    const refused = await projectsAs('demo');
    assert.equal(refused.status, 401, "Keystone's 401 passed on");
    assert.equal(
      (refused.body as { error: { message: string } }).error.message,
      'The identity service rejected the token.',
      'the display name, from the Adapter',
    );
  });
});
