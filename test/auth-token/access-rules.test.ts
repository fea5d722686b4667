// Application-credential access rules through the service, against the mock Keystone: a hostile rule cannot
// stall other callers. The rules and their budget alone: access-rules.unit.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SERVICE_NAME } from '../../src/common/package-info.js';
import { startMocks, tokenFor, type Mocks } from '../helpers/mocks.js';
import { build, serviceOptions } from '../helpers/service.js';

describe('a hostile rule through the service (mock Keystone)', () => {
  let mocks: Mocks;
  before(async () => {
    mocks = await startMocks();
  });
  after(() => mocks.close());

  /** A token of an application credential of demo's with these rules, created as a user would (over HTTP). */
  async function restrictedToken(rules: { service: string; method: string; path: string }[]): Promise<string> {
    const ks = mocks.keystoneUrl;
    const demoId = mocks.keystone.store.findUser({ name: 'demo', domain: { id: 'default' } })!.id;
    const created = await fetch(`${ks}/users/${demoId}/application_credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': await tokenFor(ks, 'demo') },
      body: JSON.stringify({ application_credential: { name: `redos-${randomUUID()}`, access_rules: rules } }),
    });
    const body = (await created.json()) as any;
    assert.equal(created.status, 201, `the mock Keystone accepts the rules, as Keystone does: ${JSON.stringify(body)}`);
    const { id, secret } = body.application_credential;
    const issued = await fetch(`${ks}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: { identity: { methods: ['application_credential'], application_credential: { id, secret } } },
      }),
    });
    assert.equal(issued.status, 201, 'a token from the new credential');
    return issued.headers.get('x-subject-token')!;
  }

  // The mock Keystone's catalog lists this service under its name (package.json's): the rules name that type.
  const config = () => serviceOptions(mocks.keystoneUrl, { keystone_authtoken: { service_type: SERVICE_NAME } });

  test('GET /aaaa... with the pathological rule gets its 401 while /healthz answers 200', async (t) => {
    const service = await build(t, config(), { level: 'info' });
    const token = await restrictedToken([{ service: SERVICE_NAME, method: 'GET', path: '/' + '**'.repeat(100) + '!' }]);
    // With the regex this request never finished and held the event loop: /healthz could not answer.
    const [hostile, health] = await Promise.all([
      fetch(`${service.url}/${'a'.repeat(4095)}`, { headers: { 'x-auth-token': token } }),
      fetch(`${service.url}/healthz`),
    ]);
    assert.equal(health.status, 200, '/healthz answers while the hostile request is served');
    assert.equal(hostile.status, 401, 'no rule matches a path that does not end in !');
    assert.ok(
      service.lines.some((l) => l.msg === 'Token authorization failed: no access rule allows this request'),
      'the denial is logged as an ordinary non-matching request',
    );
  });

  test('many such rules on a 12 KiB path: a 401 within the budget, logged as such', async (t) => {
    const service = await build(t, config(), { level: 'info' });
    // 100 rules of 202 characters: within what Keystone accepts (it bounds each path, not their number).
    const rules = Array.from({ length: 100 }, (_, i) => ({
      service: SERVICE_NAME,
      method: 'GET',
      path: '/' + '**'.repeat(100) + String(i % 10),
    }));
    const token = await restrictedToken(rules);
    const res = await fetch(`${service.url}/${'a'.repeat(12_000)}`, { headers: { 'x-auth-token': token } });
    assert.equal(res.status, 401, 'denied once the work would exceed the budget');
    const warning = service.lines.find(
      (l) => l.msg === 'Token authorization failed: matching its access rules against this path would take too long',
    );
    assert.ok(warning, 'the log says why');
    assert.equal(warning.rules, 100, 'and how many rules the token holds');
    const ok = await fetch(`${service.url}/${'a'.repeat(12_000)}2`, { headers: { 'x-auth-token': token } });
    assert.equal(ok.status, 404, 'a path the 3rd rule matches is let through, to the router (no such route)');
  });

  test('rules whose long literal prefix the path shares: the characters compared count, a 401 past the budget', async (t) => {
    const service = await build(t, config(), { level: 'info' });
    // The outsider's shape, fewer of them: 225 characters compared per rule, 291 rules x 226 steps > 65,536.
    const prefix = '/images' + 'x'.repeat(217);
    const rules = Array.from({ length: 291 }, () => ({ service: 'image-names', method: 'GET', path: `${prefix}y` }));
    // Straight from the mock Keystone's store: their 78 KB of JSON is past the mock's 64 KiB body limit.
    const store = mocks.keystone.store;
    const demo = store.findUser({ name: 'demo', domain: { id: 'default' } })!;
    const project = store.findProject({ name: 'demo', domain: { id: 'default' } })!;
    const scope = { project: project.id };
    const cred = store.createAppCred({
      name: `prefix-${randomUUID()}`,
      userId: demo.id,
      projectId: project.id,
      roles: store.rolesOn(demo.id, scope),
      accessRules: rules,
    });
    const token = store.issue(demo.id, ['application_credential'], scope, undefined, cred.id).id;
    const res = await fetch(`${service.url}${prefix}z`, { headers: { 'x-auth-token': token } });
    assert.equal(res.status, 401, 'denied');
    assert.ok(
      service.lines.some(
        (l) => l.msg === 'Token authorization failed: matching its access rules against this path would take too long',
      ),
      'denied for the budget, not as an ordinary non-matching request: each compared character was counted',
    );
  });
});
