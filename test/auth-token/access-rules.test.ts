// Application-credential access rules: upstream's path patterns and its order of checks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessInfo } from '../../src/keystoneauth/access-info.js';
import { checkAccessRules, pathPatternToRegExp, requestPathForRules } from '../../src/auth-token/access-rules.js';

const matches = (pattern: string, path: string) => pathPatternToRegExp(pattern).test(path);

describe('path patterns (keystonemiddleware _path_matches)', () => {
  test("upstream's own cases", () => {
    assert.ok(matches('/v2.1/servers/{server_id}', '/v2.1/servers/foobar'));
    assert.ok(!matches('/v2.1/servers/{server_id}', '/v2.1/servers/foobar/barfoo'));
    assert.ok(matches('/v1/*/*/*', '/v1/1/2/3'));
    assert.ok(!matches('/v1/*/*/*', '/v1/1/2'));
    assert.ok(!matches('/v3/{project_id}/types/{volume_type_id}', '/v3/123/types'));
  });

  test('* and {x} are one non-empty segment; ** is anything, slashes included', () => {
    assert.ok(matches('/images/*', '/images/a'));
    for (const p of ['/images/', '/images', '/images/a/b']) assert.ok(!matches('/images/*', p), p);
    for (const p of ['/images/', '/images/a', '/images/a/b']) assert.ok(matches('/images/**', p), p);
    assert.ok(!matches('/images/**', '/images'));
    assert.ok(matches('**', ''));
    assert.ok(matches('**', '/anything/at/all'));
    // *** is ** then *.
    assert.ok(matches('/a/***', '/a/b/c'));
    assert.ok(!matches('/a/***', '/a/'));
  });

  test('no trailing-slash tolerance, exact case', () => {
    assert.ok(!matches('/v2.1/servers', '/v2.1/servers/'));
    assert.ok(!matches('/images', '/Images'));
  });

  test('literals are literal (safer than upstream, whose `.` matches any character)', () => {
    assert.ok(!matches('/v2.1/servers', '/v2x1/servers'));
    assert.ok(matches('/a+b(c)[d]$', '/a+b(c)[d]$'));
    assert.ok(!matches('/a+b', '/aab'));
    // A stray brace cannot break the pattern.
    assert.ok(matches('/a{b', '/a{b'));
  });
});

test('the request path is compared as webob quotes it', () => {
  assert.equal(requestPathForRules('/imag%65s'), '/images');
  assert.equal(requestPathForRules('/a b'), '/a%20b');
  assert.equal(requestPathForRules('/a%2fb'), '/a/b');
  assert.equal(requestPathForRules("/~!$&'()*+,;=:@-._"), "/~!$&'()*+,;=:@-._");
  assert.equal(requestPathForRules('/%zz%'), '/%25zz%25');
  assert.equal(requestPathForRules('/%C3%A9'), '/%C3%A9');
});

function token(rules: unknown, catalogTypes = ['image-names', 'image']) {
  return AccessInfo.fromBody(
    {
      token: {
        user: { id: 'u' },
        expires_at: '2099-01-01T00:00:00Z',
        application_credential: rules === 'none' ? undefined : { id: 'ac', access_rules: rules },
        catalog: catalogTypes.map((type) => ({ type, endpoints: [] })),
      },
    },
    't',
  );
}

const GET_IMAGES = { method: 'GET', path: '/images' };
const rule = (service: string, method: string, path: string) => ({ service, method, path });

describe('checkAccessRules (validate_allowed_request)', () => {
  test('tokens without rules are always allowed, even with service_type unset', () => {
    assert.deepEqual(checkAccessRules(token('none'), '', GET_IMAGES, false), { allowed: true });
    assert.deepEqual(checkAccessRules(token(null), '', GET_IMAGES, false), { allowed: true });
  });

  test('rules and service_type unset: denied', () => {
    assert.deepEqual(checkAccessRules(token([rule('image-names', 'GET', '/images')]), '', GET_IMAGES, false), {
      allowed: false,
      reason: 'service_type_unset',
    });
  });

  test('a matching rule allows; method, service and path must all match', () => {
    const t = token([rule('image-names', 'GET', '/images'), rule('image', 'POST', '/images')]);
    assert.deepEqual(checkAccessRules(t, 'image-names', GET_IMAGES, false), { allowed: true });
    assert.equal(checkAccessRules(t, 'image-names', { method: 'POST', path: '/images' }, false).allowed, false);
    assert.equal(checkAccessRules(t, 'image-names', { method: 'HEAD', path: '/images' }, false).allowed, false);
    assert.equal(checkAccessRules(t, 'image-names', { method: 'GET', path: '/' }, false).allowed, false);
    assert.equal(checkAccessRules(t, 'image-names', { method: 'get', path: '/images' }, false).allowed, false);
    assert.deepEqual(checkAccessRules(t, 'image', { method: 'POST', path: '/images' }, false), { allowed: true });
  });

  test('an empty rule list allows nothing', () => {
    assert.deepEqual(checkAccessRules(token([]), 'image-names', GET_IMAGES, false), {
      allowed: false,
      reason: 'no_matching_rule',
    });
  });

  test('service_type missing from the token catalog is denied, even with a trusted service token', () => {
    const t = token([rule('image-names', 'GET', '/images')], ['compute']);
    assert.deepEqual(checkAccessRules(t, 'image-names', GET_IMAGES, true), {
      allowed: false,
      reason: 'service_type_not_in_catalog',
    });
    // A token validated without its catalog cannot be checked: denied.
    assert.equal(
      checkAccessRules(token([rule('image-names', 'GET', '/images')], []), 'image-names', GET_IMAGES, false).allowed,
      false,
    );
  });

  test('a trusted service token (a chain of service calls) skips the rules', () => {
    const t = token([rule('compute', 'GET', '/v2.1/servers')]);
    assert.equal(checkAccessRules(t, 'image-names', GET_IMAGES, false).allowed, false);
    assert.deepEqual(checkAccessRules(t, 'image-names', GET_IMAGES, true), { allowed: true });
  });

  test('an identity service lets a restricted token validate itself', () => {
    const t = token([rule('compute', 'GET', '/v2.1/servers')], ['identity']);
    assert.deepEqual(checkAccessRules(t, 'identity', { method: 'GET', path: '/v3/auth/tokens' }, false), {
      allowed: true,
    });
    assert.equal(checkAccessRules(t, 'identity', { method: 'GET', path: '/v3/users' }, false).allowed, false);
  });
});
