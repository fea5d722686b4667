// Contract tests against the real Keystone and Glance (Debian's packages, started by
// scripts/real-openstack.sh; .ci/run exports RO_KEYSTONE_URL and RO_GLANCE_URL). The suite makes
// its own domain, projects, users, roles and images, then checks the middleware, the session and the
// service against them, and runs the same requests against the mocks to catch every difference.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { PasswordPlugin, isCredentialRefusal, type PasswordCredentials } from '../../src/keystoneauth/password.js';
import { echoApp, type Echo } from '../helpers/echo.js';
import { startMocks, tokenFor as mockTokenFor, type Mocks } from '../helpers/mocks.js';
import { serviceOptions, startApp, type Service } from '../helpers/service.js';
import { GL, KS, call, serviceCredentials, shape, skip } from './http.js';
import { describeOrSkip } from '../helpers/suite.js';
import { waitFor } from '../helpers/net.js';

const sfx = `ct${randomBytes(3).toString('hex')}`;
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

interface Fixture {
  adminToken: string;
  domainId: string;
  projects: Record<'p1' | 'p2' | 'p3', string>;
  users: Record<'u1' | 'u2' | 'u3' | 'svc', { id: string; name: string; domain: string; project: string }>;
}

let fx: Fixture;

async function issue(base: string, user: { name: string; domain: string }, password: string, scope?: unknown) {
  const res = await call('POST', `${base}/auth/tokens`, undefined, {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: user.name, password, domain: { name: user.domain } } },
      },
      ...(scope ? { scope } : {}),
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { token: res.headers.get('x-subject-token')!, body: res.body };
}

const projectScope = (u: { project: string }) => ({ project: { id: u.project } });
const tokenOf = async (who: keyof Fixture['users']) =>
  (await issue(KS!, fx.users[who], PASSWORD, projectScope(fx.users[who]))).token;

async function create(path: string, key: string, body: Record<string, unknown>): Promise<string> {
  const res = await call('POST', `${KS}/${path}`, fx.adminToken, { [key]: body });
  assert.equal(res.status, 201, `${path}: ${JSON.stringify(res.body)}`);
  return res.body[key].id as string;
}

async function roleId(name: string): Promise<string> {
  const res = await call('GET', `${KS}/roles?name=${name}`, fx.adminToken);
  return res.body.roles[0].id as string;
}

async function glanceCreate(token: string, body: Record<string, unknown>): Promise<string> {
  const res = await call('POST', `${GL}/v2/images`, token, { container_format: 'bare', disk_format: 'raw', ...body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

/** Every name the caller can see, straight from Glance, following next links. */
async function glanceNames(token: string, query = ''): Promise<(string | null)[]> {
  const names: (string | null)[] = [];
  let url: string | undefined = `${GL}/v2/images?limit=1000${query}`;
  while (url) {
    const res = await call('GET', url, token);
    assert.equal(res.status, 200, 'Glance lists the page');
    names.push(...res.body.images.map((i: { name: string | null }) => i.name));
    url = res.body.next ? `${GL}${res.body.next}` : undefined;
  }
  return names;
}

before(async () => {
  if (skip) return;
  const admin = await issue(KS!, { name: 'admin', domain: 'Default' }, 'adminpw', {
    project: { name: 'admin', domain: { name: 'Default' } },
  });
  fx = { adminToken: admin.token } as Fixture;
  const serviceProject = (await call('GET', `${KS}/projects?name=service`, fx.adminToken)).body.projects[0]
    .id as string;
  fx.domainId = await create('domains', 'domain', { name: `${sfx}-domain` });
  fx.projects = {
    p1: await create('projects', 'project', { name: `${sfx}-p1`, domain_id: 'default' }),
    p2: await create('projects', 'project', { name: `${sfx}-p2`, domain_id: 'default' }),
    p3: await create('projects', 'project', { name: `${sfx}-p3`, domain_id: fx.domainId }),
  };
  const member = await roleId('member');
  const service = await roleId('service');
  const users: Fixture['users'] = {} as Fixture['users'];
  const plan = [
    ['u1', 'default', 'Default', fx.projects.p1, [member]],
    ['u2', 'default', 'Default', fx.projects.p2, [member]],
    ['u3', fx.domainId, `${sfx}-domain`, fx.projects.p3, [member]],
    ['svc', 'default', 'Default', serviceProject, [service]],
  ] as const;
  for (const [key, domainId, domainName, project, roles] of plan) {
    const id = await create('users', 'user', { name: `${sfx}-${key}`, domain_id: domainId, password: PASSWORD });
    for (const role of roles)
      assert.equal(
        (await call('PUT', `${KS}/projects/${project}/users/${id}/roles/${role}`, fx.adminToken)).status,
        204,
        `the role ${role} granted on ${project}`,
      );
    users[key] = { id, name: `${sfx}-${key}`, domain: domainName, project };
  }
  // A domain role for u3, for a domain-scoped token.
  assert.equal(
    (await call('PUT', `${KS}/domains/${fx.domainId}/users/${users.u3.id}/roles/${member}`, fx.adminToken)).status,
    204,
    'u3 gets the member role on its domain',
  );
  fx.users = users;

  // Images: p1's private, shared (accepted by p2, pending for p3), community and hidden ones; a public one;
  // and enough private images in p2 for several pages.
  const t1 = await tokenOf('u1');
  const t2 = await tokenOf('u2');
  await glanceCreate(t1, { name: `${sfx}-p1-private` });
  const shared = await glanceCreate(t1, { name: `${sfx}-p1-shared`, visibility: 'shared' });
  await glanceCreate(t1, { name: `${sfx}-p1-community`, visibility: 'community' });
  await glanceCreate(t1, { name: `${sfx}-p1-hidden`, os_hidden: true });
  await glanceCreate(t1, { name: null });
  await glanceCreate(t1, { name: `${sfx}-Ünïcødé 镜像` });
  await glanceCreate(fx.adminToken, { name: `${sfx}-public`, visibility: 'public' });
  for (const p of [fx.projects.p2, fx.projects.p3])
    assert.equal(
      (await call('POST', `${GL}/v2/images/${shared}/members`, t1, { member: p })).status,
      200,
      `the shared image offered to ${p}`,
    );
  assert.equal(
    (await call('PUT', `${GL}/v2/images/${shared}/members/${fx.projects.p2}`, t2, { status: 'accepted' })).status,
    200,
    'p2 accepts the shared image',
  );
  for (let i = 0; i < 23; i++) await glanceCreate(t2, { name: `${sfx}-p2-${String(i).padStart(2, '0')}` });
});

const svcCredentials = () => serviceCredentials(fx.users.svc.name, PASSWORD);

describeOrSkip('the middleware with real Fernet tokens', { skip }, () => {
  let echo: Echo;
  before(async () => {
    // The config's 30 s validation timeout: a real Keystone on a loaded machine never meets a deadline here. The
    // one test about the timeout has an echo of its own.
    echo = await echoApp({ credentials: svcCredentials(), cacheTimeMs: 0, interface: 'public' });
  });
  after(() => echo?.close());

  const get = async (headers: Record<string, string>) => call('GET', echo.url, undefined, undefined, headers);

  test('project-scoped, domain-scoped and other-domain tokens are confirmed', async () => {
    const p = await get({ 'x-auth-token': await tokenOf('u1') });
    assert.equal(p.status, 200, 'a project-scoped Fernet token: confirmed');
    assert.equal(p.body.headers['x-project-id'], fx.projects.p1, 'its project');
    assert.equal(p.body.headers['x-roles'].split(',').includes('member'), true, 'its member role');
    const d = await get({
      'x-auth-token': (await issue(KS!, fx.users.u3, PASSWORD, { domain: { id: fx.domainId } })).token,
    });
    assert.equal(d.status, 200, 'a domain-scoped token: confirmed');
    assert.equal(d.body.headers['x-domain-id'], fx.domainId, 'its domain');
    assert.equal(d.body.headers['x-project-id'], undefined, 'no project in a domain-scoped token');
    const o = await get({ 'x-auth-token': await tokenOf('u3') });
    assert.equal(o.body.headers['x-user-domain-name'], `${sfx}-domain`, "a user of another domain: that domain's name");
    assert.equal(o.body.headers['x-project-domain-id'], fx.domainId, "its project's domain");
  });

  test('revoked and garbage tokens: the keystonemiddleware 401', async () => {
    const token = await tokenOf('u2');
    assert.equal((await get({ 'x-auth-token': token })).status, 200, 'the token passes before revocation');
    assert.equal(
      (await call('DELETE', `${KS}/auth/tokens`, fx.adminToken, undefined, { 'x-subject-token': token })).status,
      204,
      'Keystone revokes it',
    );
    const revoked = await get({ 'x-auth-token': token });
    assert.equal(revoked.status, 401, 'a revoked token: 401');
    assert.deepEqual(
      revoked.body.error,
      {
        code: 401,
        title: 'Unauthorized',
        message: 'The request you have made requires authentication.',
      },
      "keystonemiddleware's 401 body",
    );
    assert.equal((await get({ 'x-auth-token': 'gAAAAABnot-a-fernet-token' })).status, 401, 'a garbage token: 401');
  });

  test("a real service token (the svc user's, with the service role) is confirmed", async () => {
    const svc = (
      await issue(KS!, fx.users.svc, PASSWORD, { project: { name: 'service', domain: { name: 'Default' } } })
    ).token;
    const res = await get({ 'x-auth-token': await tokenOf('u1'), 'x-service-token': svc });
    assert.equal(res.status, 200, 'a real service token with the service role: accepted');
    assert.equal(res.body.headers['x-service-identity-status'], 'Confirmed', 'and confirmed');
  });

  test('a Keystone that stops answering is a 503 within the timeout, and recovers', async () => {
    // Freeze gunicorn's master and workers: Keystone accepts connections but never answers.
    const master = Number(fs.readFileSync(`${process.env.RO_DIR ?? '/tmp/real-openstack'}/ks/gunicorn.pid`, 'utf8'));
    const pids = [
      master,
      ...execFileSync('ps', ['-o', 'pid=', '--ppid', String(master)], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.trim())
        .map(Number),
    ];
    // An echo of its own with a 2 s validation timeout, logging why a validation failed.
    const quick = await echoApp({
      credentials: svcCredentials(),
      cacheTimeMs: 0,
      timeoutMs: 2000,
      interface: 'public',
      logLevel: 'error',
    });
    const quickGet = async (token: string) => call('GET', quick.url, undefined, undefined, { 'x-auth-token': token });
    try {
      const token = await tokenOf('u1');
      assert.equal((await quickGet(token)).status, 200, 'the service user authenticates before the freeze');
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      try {
        const res = await quickGet(token);
        assert.equal(res.status, 503, 'a frozen Keystone: 503');
        assert.equal(res.headers.get('www-authenticate'), null, 'a 503 is no challenge: no WWW-Authenticate');
        // A frozen Keystone never answers: the log says which deadline ended the wait (the 2 s validation
        // timeout, not the session's 30 s one). No stopwatch.
        const failed = quick.lines.findLast((l) => l.msg === 'token validation failed');
        assert.match(String(failed?.reason), /did not answer within 2000 ms/, 'the validation timeout ended it');
      } finally {
        for (const pid of pids) process.kill(pid, 'SIGCONT');
      }
      // Keystone works through what queued up while it was frozen: poll until validations pass again.
      await waitFor(async () => (await quickGet(token)).status === 200, 'validations pass once Keystone answers');
    } finally {
      await quick.close();
    }
  });

  test('the service user re-authenticates after its own token is revoked', async () => {
    const plugin = new PasswordPlugin(svcCredentials());
    const first = await plugin.getAccess(echo.session);
    assert.equal(first.subject.projectName, 'service', "the svc user's project is service");
    assert.equal(
      (await call('DELETE', `${KS}/auth/tokens`, fx.adminToken, undefined, { 'x-subject-token': first.authToken }))
        .status,
      204,
      "Keystone revokes the service user's token",
    );
    const res = await echo.session.request(`${KS}/auth/projects`, { auth: plugin, service: 'keystone' });
    assert.equal(res.status, 200, 'the request passes after re-authenticating');
    assert.notEqual((await plugin.getAccess(echo.session)).authToken, first.authToken, 'with a new token');
  });

  test("Keystone's refusals of the service user's credentials are what isCredentialRefusal holds", async () => {
    // Each a configuration error that readiness reports as misconfigured (src/readiness.ts).
    const cases: [string, Partial<PasswordCredentials>][] = [
      ['a wrong password', { password: `${PASSWORD}-wrong` }],
      ['an unknown user', { username: `${sfx}-nobody` }],
      ['an unknown project', { projectName: `${sfx}-nowhere` }],
      ['an unknown domain', { userDomainName: `${sfx}-nodomain` }],
    ];
    for (const [what, wrong] of cases) {
      const plugin = new PasswordPlugin({ ...svcCredentials(), ...wrong });
      const err = await plugin.getAccess(echo.session).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isCredentialRefusal(err), `${what}: a refusal (got ${String(err)})`);
      assert.equal((err as { status?: number }).status, 401, `${what}: Keystone answers 401`);
    }
  });

  test('the service user by domain IDs, as kolla-ansible writes them: Keystone finds user and project by the IDs', async () => {
    const ids = { userDomainId: 'default', projectDomainId: 'default' };
    const svc = (await new PasswordPlugin({ ...svcCredentials(), ...ids }).getAccess(echo.session)).subject;
    assert.deepEqual(
      [svc.userId, svc.userDomainId, svc.projectDomainId],
      [fx.users.svc.id, 'default', 'default'],
      "svc in Keystone's default domain, whose ID is default",
    );
    // u3 and p3 live in another domain; the names stay Default, so only the IDs can find them.
    const elsewhere = { userDomainId: fx.domainId, projectDomainId: fx.domainId, projectName: `${sfx}-p3` };
    const u3 = new PasswordPlugin({ ...serviceCredentials(fx.users.u3.name, PASSWORD), ...elsewhere });
    const subject = (await u3.getAccess(echo.session)).subject;
    assert.deepEqual([subject.userId, subject.projectId], [fx.users.u3.id, fx.projects.p3], 'u3 on p3, by the IDs');
  });
});

describeOrSkip('the service against the real Glance: exactly what Glance lists', { skip }, () => {
  let service: Service;
  before(async () => {
    service = await startApp(
      serviceOptions(KS!, {
        keystone_authtoken: { username: fx.users.svc.name, password: PASSWORD, interface: 'public' },
        image: { page_size: 7 },
      }),
      { level: 'warn' },
    );
  });
  after(() => service?.close());

  const names = async (token: string, query = '') => {
    const res = await call('GET', `${service.url}/${query}`, undefined, undefined, { 'x-auth-token': token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as (string | null)[];
  };

  test('u1: private, shared, community, hidden (asked for), nameless and non-ASCII images', async () => {
    const token = await tokenOf('u1');
    const ours = await names(token);
    assert.deepEqual(ours, await glanceNames(token), 'u1: exactly what Glance lists, in its order');
    for (const n of [
      `${sfx}-p1-private`,
      `${sfx}-p1-shared`,
      `${sfx}-p1-community`,
      `${sfx}-public`,
      `${sfx}-Ünïcødé 镜像`,
      null,
    ])
      assert.ok(ours.includes(n), String(n));
    assert.ok(!ours.includes(`${sfx}-p1-hidden`), 'the hidden image is not listed unless asked for');
  });

  test('u2: many pages of its own, the accepted share, no community or hidden images of others', async () => {
    const token = await tokenOf('u2');
    const ours = await names(token);
    assert.deepEqual(ours, await glanceNames(token), 'u2: exactly what Glance lists, over several pages');
    assert.ok(ours.filter((n) => n?.startsWith(`${sfx}-p2-`)).length === 23, "u2's own 23 images");
    assert.ok(ours.includes(`${sfx}-p1-shared`), 'the accepted share');
    assert.ok(
      !ours.includes(`${sfx}-p1-community`) && !ours.includes(`${sfx}-p1-private`),
      "neither p1's community nor its private image",
    );
    assert.deepEqual(
      await names(token, 'images?visibility=community'),
      await glanceNames(token, '&visibility=community'),
      'visibility=community: what Glance gives',
    );
    assert.ok(
      (await names(token, 'images?visibility=community')).includes(`${sfx}-p1-community`),
      "which includes p1's community image",
    );
  });

  test('u3 (another domain): the pending share stays invisible', async () => {
    const token = await tokenOf('u3');
    const ours = await names(token);
    assert.deepEqual(ours, await glanceNames(token), 'u3: exactly what Glance lists');
    assert.ok(!ours.includes(`${sfx}-p1-shared`), 'the share pending for p3 stays invisible');
  });

  test('paging: walking the Link headers with limit=5 gives every name Glance lists, in order; an unknown marker is a 400', async () => {
    const token = await tokenOf('u2');
    const all = await names(token);
    const paged: (string | null)[] = [];
    let url: string | undefined = `${service.url}/images?limit=5`;
    for (let pages = 0; url !== undefined; pages++) {
      assert.ok(pages <= all.length / 5 + 1, 'the walk ends');
      const res = await call('GET', url, undefined, undefined, { 'x-auth-token': token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      paged.push(...(res.body as (string | null)[]));
      const link = res.headers.get('link');
      url = link === null ? undefined : new URL(/^<([^<>]*)>; rel="next"$/.exec(link)![1]!, url).href;
    }
    assert.deepEqual(paged, all, 'the pages together are the full list');
    const unknown = await call('GET', `${service.url}/?limit=5&marker=${randomUUID()}`, undefined, undefined, {
      'x-auth-token': token,
    });
    assert.equal(unknown.status, 400, "Glance's 400 for an unknown marker is the caller's 400");
    assert.equal(unknown.body.error.parameter, 'marker', 'naming the marker');
  });

  test('sorting and filters give what Glance gives', async () => {
    const token = await tokenOf('u2');
    assert.deepEqual(
      await names(token, 'images?sort=name:asc'),
      await glanceNames(token, '&sort=name:asc'),
      'sort=name:asc: what Glance gives',
    );
    assert.deepEqual(
      await names(token, 'images?visibility=private&status=queued'),
      await glanceNames(token, '&visibility=private&status=queued'),
      'visibility and status filters: what Glance gives',
    );
  });
});

describeOrSkip('differential: the mocks answer like the real services', { skip }, () => {
  let mocks: Mocks;
  let realUser: string;
  let mockUser: string;
  let realService: string;
  let mockService: string;
  before(async () => {
    mocks = await startMocks({ generate: 3 });
    realUser = await tokenOf('u1');
    mockUser = await mockTokenFor(mocks.keystoneUrl, 'demo');
    realService = (
      await issue(KS!, fx.users.svc, PASSWORD, { project: { name: 'service', domain: { name: 'Default' } } })
    ).token;
    mockService = await mockTokenFor(mocks.keystoneUrl, 'service'); // like svc: the service role only
  });
  after(() => mocks?.close());

  async function both(
    path: (base: string) => string,
    init: (which: 'real' | 'mock') => {
      method?: string;
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
    },
    service: 'keystone' | 'glance',
  ) {
    const bases =
      service === 'keystone' ? { real: KS!, mock: mocks.keystoneUrl } : { real: GL!, mock: mocks.glance.url };
    const out = {} as Record<'real' | 'mock', Awaited<ReturnType<typeof call>>>;
    for (const which of ['real', 'mock'] as const) {
      const i = init(which);
      out[which] = await call(i.method ?? 'GET', path(bases[which]), i.token, i.body, i.headers);
    }
    return out;
  }

  test('Keystone: version documents', async () => {
    const root = await both(
      (b) => b.replace(/\/v3$/, '/'),
      () => ({}),
      'keystone',
    );
    assert.equal(root.mock.status, root.real.status, "GET /: the mock's status is Keystone's");
    assert.deepEqual(shape(root.mock.body), shape(root.real.body), 'the same version document shape');
    assert.equal(root.mock.body.versions.values[0].id, root.real.body.versions.values[0].id, 'the same first version');
    const v3 = await both(
      (b) => b,
      () => ({}),
      'keystone',
    );
    assert.deepEqual(shape(v3.mock.body), shape(v3.real.body), 'GET /v3: the same document shape');
  });

  test('Keystone: the token body fields this project reads, and their formats', async () => {
    const real = await issue(KS!, fx.users.u1, PASSWORD, projectScope(fx.users.u1));
    const mock = await call('POST', `${mocks.keystoneUrl}/auth/tokens`, undefined, {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'demo', password: 'demopw', domain: { name: 'Default' } } },
        },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
      },
    });
    const realShape = new Set(shape(real.body));
    for (const path of shape(mock.body))
      assert.ok(realShape.has(path), `the mock sends ${path}, the real Keystone does not`);
    for (const path of [
      '.token.methods',
      '.token.user.id',
      '.token.user.domain.name',
      '.token.project.domain.id',
      '.token.roles[].name',
      '.token.catalog[].endpoints[].region_id',
      '.token.catalog[].endpoints[].url',
      '.token.expires_at',
      '.token.audit_ids',
    ]) {
      assert.ok(shape(mock.body).includes(path), path);
    }
    assert.match(real.body.token.expires_at, /\.000000Z$/, "Keystone's expires_at: whole seconds with .000000");
    assert.match(mock.body.token.expires_at, /\.000000Z$/, 'the mock writes it the same way');
    assert.equal(
      mock.headers.get('x-subject-token')!.length > 150,
      real.token.length > 150,
      'tokens of comparable length',
    );
  });

  test('Keystone: the error statuses and shapes the middleware depends on', async () => {
    const cases: [
      string,
      (w: 'real' | 'mock') => { method?: string; token?: string; body?: unknown; headers?: Record<string, string> },
    ][] = [
      [
        'validate garbage',
        (w) => ({ token: w === 'real' ? realService : mockService, headers: { 'x-subject-token': 'gAAAAABgarbage' } }),
      ],
      ['validate without a subject', (w) => ({ token: w === 'real' ? realService : mockService })],
      [
        'validate with a bad caller',
        (w) => ({ token: 'bogus', headers: { 'x-subject-token': w === 'real' ? realUser : mockUser } }),
      ],
      ['validate without a caller', (w) => ({ headers: { 'x-subject-token': w === 'real' ? realUser : mockUser } })],
      [
        'wrong password',
        () => ({
          method: 'POST',
          body: {
            auth: {
              identity: {
                methods: ['password'],
                password: { user: { name: 'admin', password: 'wrong', domain: { name: 'Default' } } },
              },
            },
          },
        }),
      ],
      ['no identity', () => ({ method: 'POST', body: { auth: {} } })],
    ];
    for (const [name, init] of cases) {
      const r = await both((b) => `${b}/auth/tokens`, init, 'keystone');
      assert.equal(r.mock.status, r.real.status, name);
      assert.deepEqual(shape(r.mock.body), shape(r.real.body), name);
      assert.equal(
        r.mock.headers.get('www-authenticate') !== null,
        r.real.headers.get('www-authenticate') !== null,
        `${name}: WWW-Authenticate`,
      );
    }
    const malformed = {} as Record<string, number>;
    for (const [which, base] of [
      ['real', KS!],
      ['mock', mocks.keystoneUrl],
    ] as const) {
      malformed[which] = (
        await fetch(`${base}/auth/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{not json',
        })
      ).status;
    }
    assert.equal(malformed.mock, malformed.real, 'a body that is not JSON: the same status');
    // Policies: a service user may validate (GET) but not check (HEAD) someone else's token.
    for (const method of ['GET', 'HEAD']) {
      const r = await both(
        (b) => `${b}/auth/tokens`,
        (w) => ({
          method,
          token: w === 'real' ? realService : mockService,
          headers: { 'x-subject-token': w === 'real' ? realUser : mockUser },
        }),
        'keystone',
      );
      assert.equal(r.mock.status, r.real.status, method);
    }
  });

  test("Keystone: a domain given by ID and name is looked up by its name (Keystone's _lookup_domain)", async () => {
    const cases = [
      ['by ID alone', { id: 'default' }, 201],
      ['a name beside an unknown ID', { id: 'no-such-domain-id', name: 'Default' }, 201],
      ['an ID beside an unknown name', { id: 'default', name: 'no-such-domain' }, 401],
    ] as const;
    for (const [name, domain, status] of cases) {
      const r = await both(
        (b) => `${b}/auth/tokens`,
        () => ({
          method: 'POST',
          body: {
            auth: {
              identity: { methods: ['password'], password: { user: { name: 'admin', password: 'adminpw', domain } } },
            },
          },
        }),
        'keystone',
      );
      assert.equal(r.real.status, status, `the real Keystone, ${name}`);
      assert.equal(r.mock.status, r.real.status, `the mock as the real Keystone, ${name}`);
    }
  });

  test('Glance: versions, listing errors and their webob bodies', async () => {
    const root = await both(
      (b) => `${b}/`,
      () => ({}),
      'glance',
    );
    assert.equal(root.mock.status, root.real.status, 'GET /: the same status');
    assert.deepEqual(
      root.mock.body.versions.map((v: { id: string }) => v.id),
      root.real.body.versions.map((v: { id: string }) => v.id),
      'the same version ids, in order',
    );
    const queries = [
      'limit=abc',
      'limit=-1',
      'limit=1.5',
      'marker=00000000-0000-0000-0000-000000000000',
      'sort=bogus:asc',
      'sort=name:up',
      'sort=name&sort_key=id',
      'visibility=everyone',
      'os_hidden=maybe',
    ];
    for (const q of queries) {
      const r = await both(
        (b) => `${b}/v2/images?${q}`,
        (w) => ({ token: w === 'real' ? realUser : mockUser }),
        'glance',
      );
      assert.equal(r.mock.status, r.real.status, q);
      assert.equal(r.mock.body.message, r.real.body.message, q);
      assert.equal(r.mock.body.code, r.real.body.code, q);
    }
    const noToken = await both(
      (b) => `${b}/v2/images`,
      () => ({}),
      'glance',
    );
    assert.equal(noToken.mock.status, 401, "no token: the mock's 401");
    assert.equal(noToken.real.status, 401, "no token: the real Glance's 401");
    assert.deepEqual(noToken.mock.body, noToken.real.body, 'the same webob body');
    assert.equal(
      noToken.mock.headers.get('www-authenticate')!.startsWith('Keystone uri='),
      noToken.real.headers.get('www-authenticate')!.startsWith('Keystone uri='),
      'both challenge with Keystone uri=',
    );
  });

  test('Glance: page bodies, image fields and next links', async () => {
    const page = await both(
      (b) => `${b}/v2/images?limit=2`,
      (w) => ({ token: w === 'real' ? realUser : mockUser }),
      'glance',
    );
    assert.deepEqual(
      Object.keys(page.mock.body.images[0]).sort(),
      Object.keys(page.real.body.images[0]).sort(),
      'the same image fields',
    );
    assert.match(page.real.body.next, /^\/v2\/images\?limit=2&marker=/, 'the real next link: limit, then marker');
    assert.match(page.mock.body.next, /^\/v2\/images\?limit=2&marker=/, "the mock's next link: the same");
    assert.deepEqual(Object.keys(page.mock.body).sort(), Object.keys(page.real.body).sort(), 'the same page keys');
    const empty = await both(
      (b) => `${b}/v2/images?limit=0`,
      (w) => ({ token: w === 'real' ? realUser : mockUser }),
      'glance',
    );
    assert.deepEqual(empty.mock.body, { ...empty.real.body }, 'limit=0: the same empty page');
  });
});
