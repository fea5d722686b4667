import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessInfo, createAccessSharing } from '../../src/keystoneauth/access-info.js';
import { ProtocolError } from '../../src/keystoneauth/errors.js';
import { inspect } from 'node:util';
import { redactToken } from '../../src/common/redact.js';

const body = {
  token: {
    methods: ['password'],
    user: { id: 'u1', name: 'demo', domain: { id: 'default', name: 'Default' } },
    project: { id: 'p1', name: 'demo', domain: { id: 'default', name: 'Default' } },
    roles: [
      { id: 'r1', name: 'member' },
      { id: 'r2', name: 'Reader' },
    ],
    expires_at: '2030-01-01T00:00:00.000000Z',
    issued_at: '2029-12-31T23:00:00.000000Z',
    audit_ids: ['a1'],
    'OS-TRUST:trust': { id: 't1', trustee_user: { id: 'u2' }, trustor_user: { id: 'u3' } },
    application_credential: { id: 'ac1' },
    catalog: [],
  },
};

test('parses a project-scoped v3 token into an immutable object', () => {
  const a = AccessInfo.fromBody(body, 'tok');
  assert.equal(a.authToken, 'tok', 'the token it was parsed from');
  const who = a.subject;
  assert.equal(who.scope, 'project', 'a project in the token: project-scoped');
  assert.deepEqual(
    [who.userId, who.userDomainName, who.projectId, who.projectDomainId],
    ['u1', 'Default', 'p1', 'default'],
    'the user and project, with their domains',
  );
  assert.deepEqual(who.roleNames, ['member', 'Reader'], "role names in Keystone's order and case");
  assert.equal(who.trustId, 't1', 'the trust id');
  assert.equal(who.trusteeUserId, 'u2', 'the trustee');
  assert.equal(who.applicationCredentialId, 'ac1', 'the application credential id');
  assert.equal(who.isAdminProject, true, 'no is_admin_project: true, as keystonemiddleware assumes');
  // Role names match exactly, as keystonemiddleware's set intersection does.
  assert.ok(who.hasRole(['Reader']), 'the exact role name matches');
  assert.equal(who.hasRole(['reader']), false, 'role names are case-sensitive');
  assert.equal(who.accessRules, undefined, 'no access rules: not restricted');
  assert.equal(who.systemAll, false, 'not system-scoped');
  assert.equal(a.expiresAt.toISOString(), '2030-01-01T00:00:00.000Z', 'the expiry, to the millisecond');
  assert.ok(Object.isFrozen(a), 'the token is immutable');
  assert.ok(Object.isFrozen(who), 'its subject too');
  assert.throws(
    () => {
      (who as { userId: string }).userId = 'x';
    },
    TypeError,
    'assigning to a field of the frozen subject throws',
  );
  assert.throws(
    () => {
      (a as { authToken: string }).authToken = 'x';
    },
    TypeError,
    'assigning to a field of the frozen token throws',
  );
  assert.equal(a.isExpired(Date.parse('2030-01-01T00:00:01Z')), true, 'a second past expires_at it is expired');
  assert.equal(
    a.willExpireSoon(60_000, Date.parse('2029-12-31T23:59:30Z')),
    true,
    '30 s before the expiry it will expire within 60 s',
  );
});

test('domain scope and unscoped', () => {
  const { project: _p, ...rest } = body.token;
  assert.equal(
    AccessInfo.fromBody({ token: { ...rest, domain: { id: 'd', name: 'D' } } }, 't').subject.scope,
    'domain',
    'a domain and no project: domain-scoped',
  );
  assert.equal(AccessInfo.fromBody({ token: rest }, 't').subject.scope, 'unscoped', 'neither: unscoped');
});

test('a body that is not a token is a ProtocolError', () => {
  for (const bad of [
    null,
    {},
    { token: {} },
    { token: { user: { id: 'u' }, expires_at: 'never' } },
    { token: { user: { id: 'u' }, expires_at: '2030-01-01T00:00:00Z', roles: 'admin' } },
  ]) {
    assert.throws(() => AccessInfo.fromBody(bad, 't'), ProtocolError, `${JSON.stringify(bad)} is not a token`);
  }
});

test("a catalog or token field of another shape than Keystone's is a ProtocolError naming it, never a crash later", () => {
  const endpoint = { id: 'e', interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: 'http://glance' };
  const entry = { id: 's', type: 'image', name: 'glance', endpoints: [endpoint] };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['catalog: [null]', { catalog: [null] }, /token\.catalog\[0\] is not an object/],
    ['catalog: {}', { catalog: {} }, /token\.catalog is not a list/],
    ['endpoints: null', { catalog: [{ ...entry, endpoints: null }] }, /catalog\[0\]\.endpoints is not a list/],
    ['type: 5', { catalog: [{ ...entry, type: 5 }] }, /catalog\[0\]\.type is not a string/],
    ['name: {}', { catalog: [{ ...entry, name: {} }] }, /catalog\[0\]\.name is not a string/],
    ['endpoints: [null]', { catalog: [{ ...entry, endpoints: [null] }] }, /endpoints\[0\] is not an object/],
    ...[5, null, {}, ['http://x']].map((url): [string, Record<string, unknown>, RegExp] => [
      `url: ${JSON.stringify(url)}`,
      { catalog: [entry, { ...entry, endpoints: [{ ...endpoint, url }] }] },
      /token\.catalog\[1\]\.endpoints\[0\]\.url is not a string/,
    ]),
    ['interface missing', { catalog: [{ ...entry, endpoints: [{ url: 'http://x' }] }] }, /\.interface is not a string/],
    ['region: {}', { catalog: [{ ...entry, endpoints: [{ ...endpoint, region: {} }] }] }, /\.region is not a string/],
    ['roles: [null]', { roles: [null] }, /token\.roles/],
    ['roles: [{id: 5}]', { roles: [{ id: 5, name: 'x' }] }, /token\.roles/],
    ['audit_ids: [5]', { audit_ids: [5] }, /token\.audit_ids/],
    ['methods: "password"', { methods: 'password' }, /token\.methods/],
    ['issued_at: 5', { issued_at: 5 }, /token\.issued_at/],
  ];
  for (const [what, change, message] of cases) {
    assert.throws(
      () => AccessInfo.fromBody({ token: { ...body.token, ...change } }, 't'),
      (err: unknown) => err instanceof ProtocolError && message.test(err.message),
      `${what}: a ProtocolError naming the field`,
    );
  }
  const nullable = { ...entry, name: null, endpoints: [{ ...endpoint, region: null, region_id: null }] };
  assert.equal(
    AccessInfo.fromBody({ token: { ...body.token, catalog: [nullable] } }, 't').catalog.urlFor({
      serviceType: 'image',
    }),
    'http://glance',
    "a null name or region, as Keystone writes an unset one, is Keystone's shape",
  );
});

test('application-credential access rules: parsed, and unreadable ones refused rather than ignored', () => {
  const rules = [{ id: 'r', service: 'image', method: 'GET', path: '/v2/images' }];
  const withRules = AccessInfo.fromBody(
    { token: { ...body.token, application_credential: { id: 'ac1', restricted: true, access_rules: rules } } },
    't',
  );
  assert.deepEqual(
    withRules.subject.accessRules,
    [{ service: 'image', method: 'GET', path: '/v2/images' }],
    'the rules as service, method and path',
  );
  // null is "no rules" (upstream: `is None`); [] is "no request allowed".
  assert.equal(
    AccessInfo.fromBody({ token: { ...body.token, application_credential: { id: 'ac1', access_rules: null } } }, 't')
      .subject.accessRules,
    undefined,
    'access_rules null is no rules (upstream: is None)',
  );
  assert.deepEqual(
    AccessInfo.fromBody({ token: { ...body.token, application_credential: { id: 'ac1', access_rules: [] } } }, 't')
      .subject.accessRules,
    [],
    'access_rules [] allows no request',
  );
  for (const bad of ['image', [{ service: 'image', method: 'GET' }], [null]]) {
    assert.throws(
      () =>
        AccessInfo.fromBody(
          { token: { ...body.token, application_credential: { id: 'ac1', access_rules: bad } } },
          't',
        ),
      ProtocolError,
      `access_rules ${JSON.stringify(bad)} cannot be read: refused, not ignored`,
    );
  }
});

describe('shared subjects and catalogs (AccessSharing)', () => {
  const catalog = [
    { id: 's1', type: 'image', name: 'glance', endpoints: [{ interface: 'public', region_id: 'R', url: 'http://g' }] },
  ];
  const bodyOf = (user: string, expires: string, audit: string) => ({
    token: {
      methods: ['password'],
      user: { id: user, name: user, domain: { id: 'default', name: 'Default' } },
      project: { id: 'p1', name: 'demo', domain: { id: 'default', name: 'Default' } },
      roles: [{ id: 'r1', name: 'member' }],
      expires_at: expires,
      issued_at: '2029-12-31T23:00:00.000000Z',
      audit_ids: [audit],
      catalog: structuredClone(catalog),
    },
  });

  test('tokens with the same content share one subject and one catalog; each keeps its own fields', () => {
    const sharing = createAccessSharing();
    const a = AccessInfo.fromBody(bodyOf('u1', '2030-01-01T00:00:00.000000Z', 'a1'), 't1', sharing);
    const b = AccessInfo.fromBody(bodyOf('u1', '2030-01-01T01:00:00.000000Z', 'a2'), 't2', sharing);
    const c = AccessInfo.fromBody(bodyOf('u2', '2030-01-01T00:00:00.000000Z', 'a3'), 't3', sharing);
    assert.equal(a.subject, b.subject, 'the same user, project and roles: one subject object');
    assert.notEqual(a.subject, c.subject, 'another user: another subject');
    assert.equal(a.catalog, b.catalog, 'the same catalog: one catalog object');
    assert.equal(a.catalog, c.catalog, 'another user of the project: the same catalog');
    assert.deepEqual([a.authToken, b.authToken], ['t1', 't2'], 'each token keeps its own token string');
    assert.deepEqual([a.auditIds, b.auditIds], [['a1'], ['a2']], 'each token keeps its own audit ids');
    assert.notEqual(a.expiresAt.getTime(), b.expiresAt.getTime(), 'each token keeps its own expiry');
    // Without sharing, each token has its own.
    const own = AccessInfo.fromBody(bodyOf('u1', '2030-01-01T00:00:00.000000Z', 'a1'), 't1');
    assert.notEqual(own.subject, a.subject, 'without sharing each token has its own subject');
    assert.notEqual(own.catalog, a.catalog, 'without sharing each token has its own catalog');
  });

  test('body gives back what Keystone sent; shared parts cannot be changed through it', () => {
    const sharing = createAccessSharing();
    const sent = bodyOf('u1', '2030-01-01T00:00:00.123456Z', 'a1');
    const expected = structuredClone(sent);
    const a = AccessInfo.fromBody(sent, 't1', sharing);
    assert.deepEqual(a.body, expected, 'body is the body Keystone sent, timestamp digits included');
    const { catalog: _c, ...noCatalog } = expected.token;
    assert.deepEqual(
      AccessInfo.fromBody({ token: structuredClone(noCatalog) }, 't', sharing).body,
      {
        token: noCatalog,
      },
      'a token sent without a catalog comes back without one',
    );
    assert.deepEqual(
      AccessInfo.fromBody({ token: { ...structuredClone(noCatalog), catalog: [] } }, 't', sharing).body.token.catalog,
      [],
      'a token sent with an empty catalog comes back with []',
    );
    const body = a.body;
    assert.throws(
      () => {
        (body.token.user as { name: string }).name = 'root';
      },
      TypeError,
      'the shared subject cannot be changed through body',
    );
    assert.throws(
      () => {
        (a.catalog.entries as unknown[]).push({});
      },
      TypeError,
      'the shared catalog cannot be changed',
    );
    assert.equal(a.subject.userName, 'u1', 'the shared subject is unchanged');
    // The empty catalog every token without one shares cannot be filled in through one of them.
    const empty = AccessInfo.fromBody({ token: { ...structuredClone(noCatalog), catalog: [] } }, 't', sharing);
    assert.throws(
      () => {
        (empty.body.token.catalog as unknown[]).push({ type: 'image', endpoints: [] });
      },
      TypeError,
      'the shared empty catalog cannot be filled in through one token',
    );
    assert.equal(
      AccessInfo.fromBody({ token: structuredClone(noCatalog) }, 't2').catalog.isEmpty,
      true,
      'a token without a catalog has an empty one',
    );
  });

  test('catalog identity: a content hash and a size estimate, the same for equal content', () => {
    const sharing = createAccessSharing();
    const a = AccessInfo.fromBody(bodyOf('u1', '2030-01-01T00:00:00Z', 'a'), 't1', sharing);
    const own = AccessInfo.fromBody(bodyOf('u1', '2030-01-01T00:00:00Z', 'a'), 't1');
    assert.equal(a.catalog.contentHash, own.catalog.contentHash, 'equal catalogs, shared or not, hash alike');
    assert.match(a.catalog.contentHash, /^[0-9a-f]{64}$/, 'the hash is SHA-256 hex');
    assert.ok(a.catalog.approxBytes > JSON.stringify(catalog).length, 'the size estimate counts at least the JSON');
    assert.ok(
      a.ownBytes > 't1'.length && a.ownBytes < 2048,
      "a token's own part is small: its fields, not the shared ones",
    );
  });
});

test('JSON.stringify and util.inspect show who and until when, the token only as {SHA256}<hex>', () => {
  const a = AccessInfo.fromBody(structuredClone(body), 'secret-token');
  assert.deepEqual(
    JSON.parse(JSON.stringify(a)),
    {
      authToken: redactToken('secret-token'),
      expiresAt: '2030-01-01T00:00:00.000Z',
      userId: 'u1',
      scope: 'project',
      projectId: 'p1',
      roleNames: ['member', 'Reader'],
    },
    'the loggable form: the token fingerprinted, the identity and expiry as they are',
  );
  const inspected = inspect({ nested: { a } }, { depth: Infinity, showHidden: true });
  assert.doesNotMatch(inspected, /secret-token/, `util.inspect shows no token: ${inspected}`);
  assert.ok(inspected.includes(redactToken('secret-token')), 'util.inspect shows the token as {SHA256}<hex>');
  assert.equal(a.authToken, 'secret-token', 'the token itself is still there for whoever sends it');
});
