// Contract tests of application-credential access rules against the real Keystone (Debian's packages,
// started by scripts/real-openstack.sh; .ci/run exports RO_KEYSTONE_URL and RO_GLANCE_URL): real
// credentials restricted to this service, to another one, and unrestricted; the auth_token middleware with
// keystone_authtoken.service_type set and unset; and the mock Keystone compared with the real one for the
// token body and the OpenStack-Identity-Access-Rules header.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { echoApp, type Echo } from '../helpers/echo.js';
import { startMocks, tokenFor as mockTokenFor, type Mocks } from '../helpers/mocks.js';
import { KS, call, serviceCredentials, shape, skip } from './http.js';
import { describeOrSkip } from '../helpers/suite.js';

const sfx = `ar${randomBytes(3).toString('hex')}`;
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const RULES_HEADER = 'OpenStack-Identity-Access-Rules';
/** This service's type: it must be in the catalog for keystonemiddleware to check rules at all. */
const SERVICE_TYPE = 'image-names';
const UNAUTHORIZED = {
  code: 401,
  title: 'Unauthorized',
  message: 'The request you have made requires authentication.',
};

interface Cred {
  id: string;
  secret: string;
  token: string;
}

interface Fixture {
  adminToken: string;
  project: string;
  user: { id: string; name: string };
  svc: { id: string; name: string };
  /** The image-names service registered in the catalog for these tests (deleted afterwards). */
  serviceId: string;
  /** (a) GET /images of image-names; (b) GET /v2.1/servers of compute; (c) no rules. */
  creds: Record<'images' | 'compute' | 'plain', Cred>;
}

let fx: Fixture;

async function passwordToken(
  user: { name: string; domain?: string },
  password: string,
  scope?: unknown,
): Promise<string> {
  const res = await call('POST', `${KS}/auth/tokens`, undefined, {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: user.name, password, domain: { name: user.domain ?? 'Default' } } },
      },
      ...(scope ? { scope } : {}),
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.headers.get('x-subject-token')!;
}

async function create(path: string, key: string, body: Record<string, unknown>): Promise<string> {
  const res = await call('POST', `${KS}/${path}`, fx.adminToken, { [key]: body });
  assert.equal(res.status, 201, `${path}: ${JSON.stringify(res.body)}`);
  return res.body[key].id as string;
}

async function roleId(name: string): Promise<string> {
  return (await call('GET', `${KS}/roles?name=${name}`, fx.adminToken)).body.roles[0].id as string;
}

const appCredAuth = (block: Record<string, unknown>, scope?: unknown) => ({
  auth: {
    identity: { methods: ['application_credential'], application_credential: block },
    ...(scope === undefined ? {} : { scope }),
  },
});

/**
 * Create an application credential as the user (with `userToken`, member on its project), then a token from
 * it. Keystone 22 under gunicorn threads keeps the caller's token in its AuthContextMiddleware instance
 * (`self.token`), shared by concurrent requests of a worker: with other requests in flight (real-openstack.test.ts
 * runs the suites one after the other, but Keystone may still be busy with a closed connection's request) a
 * creation can see another caller's roles and fail with 400 "Could not find role assignment", or take roles
 * that are not the user's. Such attempts are retried.
 */
async function makeCred(
  base: string,
  userId: string,
  userToken: string,
  body: Record<string, unknown>,
): Promise<Cred & { created: any }> {
  let res: Awaited<ReturnType<typeof call>> | undefined;
  for (let attempt = 1; attempt <= 5; attempt++) {
    res = await call('POST', `${base}/users/${userId}/application_credentials`, userToken, {
      application_credential: body,
    });
    const created = res.body?.application_credential as
      { id: string; user_id: string; roles: { name: string }[] } | undefined;
    if (
      res.status === 201 &&
      created!.user_id === userId &&
      created!.roles.length > 0 &&
      created!.roles.every((r) => r.name === 'member' || r.name === 'reader')
    )
      break;
    if (res.status === 201)
      await call('DELETE', `${base}/users/${userId}/application_credentials/${created!.id}`, userToken);
    if (
      !(res.status === 400 && /Could not find role assignment/.test(res.body?.error?.message ?? '')) &&
      res.status !== 201
    )
      break;
  }
  assert.equal(res!.status, 201, JSON.stringify(res!.body));
  const { id, secret } = res!.body.application_credential as { id: string; secret: string };
  const issued = await call('POST', `${base}/auth/tokens`, undefined, appCredAuth({ id, secret }));
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  return { id, secret, token: issued.headers.get('x-subject-token')!, created: res!.body };
}

before(async () => {
  if (skip) return;
  const adminToken = await passwordToken({ name: 'admin' }, 'adminpw', {
    project: { name: 'admin', domain: { name: 'Default' } },
  });
  fx = { adminToken } as Fixture;
  const serviceProject = (await call('GET', `${KS}/projects?name=service`, fx.adminToken)).body.projects[0]
    .id as string;
  fx.project = await create('projects', 'project', { name: `${sfx}-p`, domain_id: 'default' });
  const member = await roleId('member');
  const service = await roleId('service');
  const userId = await create('users', 'user', { name: `${sfx}-u`, domain_id: 'default', password: PASSWORD });
  assert.equal(
    (await call('PUT', `${KS}/projects/${fx.project}/users/${userId}/roles/${member}`, fx.adminToken)).status,
    204,
    'the user gets the member role on the project',
  );
  const svcId = await create('users', 'user', { name: `${sfx}-svc`, domain_id: 'default', password: PASSWORD });
  assert.equal(
    (await call('PUT', `${KS}/projects/${serviceProject}/users/${svcId}/roles/${service}`, fx.adminToken)).status,
    204,
    'the svc user gets the service role on the service project',
  );
  fx.user = { id: userId, name: `${sfx}-u` };
  fx.svc = { id: svcId, name: `${sfx}-svc` };
  // keystonemiddleware enforces rules only for a service_type that is in the token's catalog.
  fx.serviceId = await create('services', 'service', { type: SERVICE_TYPE, name: `${sfx}-image-names`, enabled: true });
  await create('endpoints', 'endpoint', {
    service_id: fx.serviceId,
    interface: 'public',
    region_id: 'RegionOne',
    url: 'http://127.0.0.1:9/',
  });

  const userToken = await passwordToken(fx.user, PASSWORD, { project: { id: fx.project } });
  fx.creds = {
    images: await makeCred(KS!, userId, userToken, {
      name: `${sfx}-images`,
      access_rules: [{ service: SERVICE_TYPE, method: 'GET', path: '/images' }],
    }),
    compute: await makeCred(KS!, userId, userToken, {
      name: `${sfx}-compute`,
      access_rules: [{ service: 'compute', method: 'GET', path: '/v2.1/servers' }],
    }),
    plain: await makeCred(KS!, userId, userToken, { name: `${sfx}-plain` }),
  };
});

after(async () => {
  if (skip || !fx?.serviceId) return;
  // Deleting the service deletes its endpoint too: the shared catalog is as before.
  await call('DELETE', `${KS}/services/${fx.serviceId}`, fx.adminToken);
});

const svcCredentials = () => serviceCredentials(fx.svc.name, PASSWORD);

describeOrSkip('the real Keystone: application credentials and the access-rules header', { skip }, () => {
  let svc: string;
  before(async () => {
    svc = await passwordToken(fx.svc, PASSWORD, { project: { name: 'service', domain: { name: 'Default' } } });
  });

  test('the token body: application_credential {id, name, restricted, access_rules [{id, service, path, method}]}', async () => {
    const res = await call('GET', `${KS}/auth/tokens`, svc, undefined, {
      'x-subject-token': fx.creds.images.token,
      [RULES_HEADER]: '1',
    });
    assert.equal(res.status, 200, 'with the header Keystone validates the restricted token');
    const t = res.body.token;
    assert.deepEqual(t.methods, ['application_credential'], 'an application-credential token');
    assert.equal(t.project.id, fx.project, "the credential's project");
    assert.ok(
      t.roles.some((r: { name: string }) => r.name === 'member'),
      'with the member role',
    );
    const rule = t.application_credential.access_rules[0];
    assert.deepEqual(
      t.application_credential,
      {
        id: fx.creds.images.id,
        name: `${sfx}-images`,
        restricted: true,
        access_rules: [{ id: rule.id, service: SERVICE_TYPE, path: '/images', method: 'GET' }],
      },
      "Keystone's application_credential block, the rule with its id",
    );
    assert.match(rule.id, /^[0-9a-f]{32}$/, 'a 32-hex rule id');
    const plain = await call('GET', `${KS}/auth/tokens`, svc, undefined, { 'x-subject-token': fx.creds.plain.token });
    assert.equal(plain.status, 200, 'a token of a credential without rules validates without the header');
    assert.deepEqual(
      plain.body.token.application_credential,
      {
        id: fx.creds.plain.id,
        name: `${sfx}-plain`,
        restricted: true,
      },
      'its block has no access_rules key',
    );
  });

  test('without OpenStack-Identity-Access-Rules (or below 1.0) a token with rules is 404; without rules it does not matter', async () => {
    for (const extra of [{}, { [RULES_HEADER]: '0.9' }, { [RULES_HEADER]: '' }] as Record<string, string>[]) {
      const res = await call('GET', `${KS}/auth/tokens`, svc, undefined, {
        'x-subject-token': fx.creds.images.token,
        ...extra,
      });
      assert.equal(res.status, 404, JSON.stringify(extra));
      assert.deepEqual(
        res.body,
        { error: { code: 404, message: 'Failed to validate token', title: 'Not Found' } },
        `${JSON.stringify(extra)}: Keystone's exact 404 body`,
      );
    }
    for (const value of ['1', '1.0', '2']) {
      assert.equal(
        (
          await call('GET', `${KS}/auth/tokens`, svc, undefined, {
            'x-subject-token': fx.creds.images.token,
            [RULES_HEADER]: value,
          })
        ).status,
        200,
        value,
      );
    }
    assert.equal(
      (await call('GET', `${KS}/auth/tokens`, svc, undefined, { 'x-subject-token': fx.creds.plain.token })).status,
      200,
      'a token without rules validates without the header',
    );
  });
});

describeOrSkip('the middleware enforces access rules of real application credentials', { skip }, () => {
  let named: Echo;
  let unset: Echo;
  let elsewhere: Echo;
  before(async () => {
    // The config's 30 s validation timeout: nothing here is about time.
    const common = { credentials: svcCredentials(), cacheTimeMs: 0, interface: 'public' };
    named = await echoApp({ ...common, serviceType: SERVICE_TYPE });
    unset = await echoApp(common);
    elsewhere = await echoApp({ ...common, serviceType: 'compute' }); // not in the catalog
  });
  after(async () => {
    await named?.close();
    await unset?.close();
    await elsewhere?.close();
  });

  const req = (echo: Echo, method: string, path: string, token: string, extra: Record<string, string> = {}) =>
    call(method, `${echo.url}${path}`, undefined, undefined, { 'x-auth-token': token, ...extra });

  const assertRefused = (res: Awaited<ReturnType<typeof call>>, what: string) => {
    assert.equal(res.status, 401, what);
    assert.deepEqual(res.body.error, UNAUTHORIZED, what);
    assert.ok(res.headers.get('www-authenticate'), `${what}: WWW-Authenticate`);
  };

  test('service_type image-names, (a) restricted to GET /images: only GET /images passes', async () => {
    const t = fx.creds.images.token;
    const ok = await req(named, 'GET', '/images', t);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.headers['x-project-id'], fx.project, "the caller's project");
    assert.equal(ok.body.headers['x-user-id'], fx.user.id, "the caller's user");
    assert.equal(
      (await req(named, 'GET', '/images?limit=1', t)).status,
      200,
      'the query string is not part of the path',
    );
    assertRefused(await req(named, 'GET', '/other', t), 'GET /other');
    assertRefused(await req(named, 'POST', '/images', t), 'POST /images');
    assertRefused(await req(named, 'GET', '/images/', t), 'GET /images/ (no trailing-slash tolerance)');
    assertRefused(await req(named, 'GET', '/', t), 'GET /');
  });

  test('service_type image-names, (b) restricted to compute: refused', async () => {
    assertRefused(await req(named, 'GET', '/images', fx.creds.compute.token), '(b) GET /images');
    assertRefused(await req(named, 'GET', '/v2.1/servers', fx.creds.compute.token), '(b) GET /v2.1/servers');
  });

  test('service_type image-names, (c) without rules: everything passes', async () => {
    for (const [method, path] of [
      ['GET', '/images'],
      ['POST', '/images'],
      ['GET', '/other'],
    ]) {
      assert.equal((await req(named, method!, path!, fx.creds.plain.token)).status, 200, `${method} ${path}`);
    }
  });

  test('service_type unset: (a) and (b) refused, (c) passes', async () => {
    assertRefused(await req(unset, 'GET', '/images', fx.creds.images.token), '(a)');
    assertRefused(await req(unset, 'GET', '/v2.1/servers', fx.creds.compute.token), '(b)');
    assert.equal(
      (await req(unset, 'GET', '/images', fx.creds.plain.token)).status,
      200,
      'service_type unset: a credential without rules passes',
    );
  });

  test('a service_type missing from the catalog: rules for it are refused anyway (keystonemiddleware)', async () => {
    assertRefused(await req(elsewhere, 'GET', '/v2.1/servers', fx.creds.compute.token), '(b) at compute');
    assert.equal(
      (await req(elsewhere, 'GET', '/v2.1/servers', fx.creds.plain.token)).status,
      200,
      'a credential without rules passes there',
    );
  });

  test('with a confirmed service token the rules are skipped (a chain of service calls), not the catalog check', async () => {
    const svc = await passwordToken(fx.svc, PASSWORD, { project: { name: 'service', domain: { name: 'Default' } } });
    const chained = await req(named, 'GET', '/v2.1/servers', fx.creds.compute.token, { 'x-service-token': svc });
    assert.equal(chained.status, 200, JSON.stringify(chained.body));
    assert.equal(chained.body.headers['x-service-identity-status'], 'Confirmed', 'the service token is confirmed');
    assertRefused(
      await req(unset, 'GET', '/images', fx.creds.images.token, { 'x-service-token': svc }),
      'service_type unset, with a service token',
    );
  });
});

describeOrSkip('differential: the mock Keystone and application credentials', { skip }, () => {
  let mocks: Mocks;
  let real: { service: string; restricted: Cred & { created: any }; plain: Cred & { created: any } };
  let mock: typeof real;
  before(async () => {
    mocks = await startMocks();
    const realUser = await passwordToken(fx.user, PASSWORD, { project: { id: fx.project } });
    const mockDemo = await mockTokenFor(mocks.keystoneUrl, 'demo');
    const demoId = '3d4e5f60718293a4b5c6d7e8f90a1b2c';
    const rules = [{ service: SERVICE_TYPE, method: 'GET', path: '/images' }];
    real = {
      service: await passwordToken(fx.svc, PASSWORD, { project: { name: 'service', domain: { name: 'Default' } } }),
      restricted: await makeCred(KS!, fx.user.id, realUser, { name: `${sfx}-diff-r`, access_rules: rules }),
      plain: await makeCred(KS!, fx.user.id, realUser, { name: `${sfx}-diff-p` }),
    };
    mock = {
      service: await mockTokenFor(mocks.keystoneUrl, 'service'),
      restricted: await makeCred(mocks.keystoneUrl, demoId, mockDemo, { name: `${sfx}-diff-r`, access_rules: rules }),
      plain: await makeCred(mocks.keystoneUrl, demoId, mockDemo, { name: `${sfx}-diff-p` }),
    };
  });
  after(() => mocks?.close());

  const validate = (
    base: string,
    caller: string,
    subject: string,
    extra: Record<string, string> = {},
    method = 'GET',
  ) => call(method, `${base}/auth/tokens`, caller, undefined, { 'x-subject-token': subject, ...extra });

  test('creation: the same keys, with and without rules', async () => {
    for (const kind of ['restricted', 'plain'] as const) {
      assert.deepEqual(
        Object.keys(mock[kind].created.application_credential),
        Object.keys(real[kind].created.application_credential),
        kind,
      );
    }
    assert.deepEqual(
      shape(mock.restricted.created.application_credential.access_rules),
      shape(real.restricted.created.application_credential.access_rules),
      'the same access rule shape',
    );
  });

  test('the token body of an app-cred token: the same keys, in the same order, and the same application_credential block', async () => {
    for (const kind of ['restricted', 'plain'] as const) {
      const r = await validate(KS!, real.service, real[kind].token, { [RULES_HEADER]: '1' });
      const m = await validate(mocks.keystoneUrl, mock.service, mock[kind].token, { [RULES_HEADER]: '1' });
      assert.equal(r.status, 200, `${kind}: the real Keystone validates it`);
      assert.equal(m.status, 200, `${kind}: so does the mock`);
      assert.deepEqual(Object.keys(m.body.token), Object.keys(r.body.token), kind);
      assert.deepEqual(shape(m.body.token.application_credential), shape(r.body.token.application_credential), kind);
      assert.deepEqual(
        Object.keys(m.body.token.application_credential),
        Object.keys(r.body.token.application_credential),
        kind,
      );
      const realShape = new Set(shape(r.body));
      for (const path of shape(m.body))
        assert.ok(realShape.has(path), `${kind}: the mock sends ${path}, the real Keystone does not`);
      assert.equal(
        m.body.token.application_credential.restricted,
        r.body.token.application_credential.restricted,
        `${kind}: the same restricted flag`,
      );
      assert.deepEqual(m.body.token.methods, r.body.token.methods, `${kind}: the same methods`);
    }
    // The issue body too.
    const r = await call(
      'POST',
      `${KS}/auth/tokens`,
      undefined,
      appCredAuth({ id: real.restricted.id, secret: real.restricted.secret }),
    );
    const m = await call(
      'POST',
      `${mocks.keystoneUrl}/auth/tokens`,
      undefined,
      appCredAuth({ id: mock.restricted.id, secret: mock.restricted.secret }),
    );
    assert.deepEqual(
      Object.keys(m.body.token),
      Object.keys(r.body.token),
      'the issued token: the same keys in the same order',
    );
    assert.deepEqual(
      shape(m.body.token.application_credential),
      shape(r.body.token.application_credential),
      'the issued token: the same application_credential shape',
    );
  });

  test('validation statuses with and without the access-rules header', async () => {
    const cases: [string, 'restricted' | 'plain', Record<string, string>, string?][] = [
      ['rules, no header', 'restricted', {}],
      ['rules, header 1', 'restricted', { [RULES_HEADER]: '1' }],
      ['rules, header 1.0', 'restricted', { [RULES_HEADER]: '1.0' }],
      ['rules, header 0.9', 'restricted', { [RULES_HEADER]: '0.9' }],
      ['rules, header not a float', 'restricted', { [RULES_HEADER]: 'yes' }],
      ['rules, HEAD without header', 'restricted', {}, 'HEAD'],
      ['rules, HEAD with header', 'restricted', { [RULES_HEADER]: '1' }, 'HEAD'],
      ['no rules, no header', 'plain', {}],
      ['no rules, header not a float', 'plain', { [RULES_HEADER]: 'yes' }],
    ];
    for (const [name, kind, extra, method] of cases) {
      const r = await validate(KS!, real.service, real[kind].token, extra, method);
      const m = await validate(mocks.keystoneUrl, mock.service, mock[kind].token, extra, method);
      assert.equal(m.status, r.status, name);
      if (r.status === 404) assert.deepEqual(m.body, r.body, name);
    }
  });

  test('authentication errors: scope asked, wrong secret, unknown id, by name', async () => {
    const pairs: [string, (w: 'real' | 'mock') => unknown][] = [
      [
        'scope',
        (w) =>
          appCredAuth(
            { id: (w === 'real' ? real : mock).restricted.id, secret: (w === 'real' ? real : mock).restricted.secret },
            { project: { id: w === 'real' ? fx.project : '7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e' } },
          ),
      ],
      ['wrong secret', (w) => appCredAuth({ id: (w === 'real' ? real : mock).restricted.id, secret: 'wrong' })],
      ['unknown id', () => appCredAuth({ id: '0'.repeat(32), secret: 'x' })],
      ['neither id nor name', () => appCredAuth({ secret: 'x' })],
      ['name without user', () => appCredAuth({ name: `${sfx}-diff-r`, secret: 'x' })],
      [
        'by name',
        (w) =>
          appCredAuth({
            name: `${sfx}-diff-r`,
            secret: (w === 'real' ? real : mock).restricted.secret,
            user: { id: w === 'real' ? fx.user.id : '3d4e5f60718293a4b5c6d7e8f90a1b2c' },
          }),
      ],
    ];
    for (const [name, body] of pairs) {
      const r = await call('POST', `${KS}/auth/tokens?nocatalog`, undefined, body('real'));
      const m = await call('POST', `${mocks.keystoneUrl}/auth/tokens?nocatalog`, undefined, body('mock'));
      assert.equal(m.status, r.status, name);
      assert.deepEqual(shape(m.body), shape(r.body), name);
      if (r.status !== 201) assert.equal(m.body.error.message, r.body.error.message, name);
      assert.equal(
        m.headers.get('www-authenticate') !== null,
        r.headers.get('www-authenticate') !== null,
        `${name}: WWW-Authenticate`,
      );
    }
  });

  test('revocation of a token with rules is refused by both; without rules both revoke', async () => {
    const admin = { real: fx.adminToken, mock: await mockTokenFor(mocks.keystoneUrl, 'admin') };
    const r = await call('DELETE', `${KS}/auth/tokens`, admin.real, undefined, {
      'x-subject-token': real.restricted.token,
      [RULES_HEADER]: '1',
    });
    const m = await call('DELETE', `${mocks.keystoneUrl}/auth/tokens`, admin.mock, undefined, {
      'x-subject-token': mock.restricted.token,
      [RULES_HEADER]: '1',
    });
    assert.equal(m.status, r.status, 'revoking a token with rules: the same status');
    assert.deepEqual(m.body, r.body, 'and the same body');
    const rp = await call('DELETE', `${KS}/auth/tokens`, admin.real, undefined, {
      'x-subject-token': real.plain.token,
    });
    const mp = await call('DELETE', `${mocks.keystoneUrl}/auth/tokens`, admin.mock, undefined, {
      'x-subject-token': mock.plain.token,
    });
    assert.equal(mp.status, rp.status, 'revoking a token without rules: the same status');
  });
});
