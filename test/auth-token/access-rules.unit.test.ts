// Application-credential access rules: upstream's order of checks, the request path as webob quotes it and the
// bound on matching work per request. The path patterns themselves: path-pattern.unit.test.ts; a hostile rule
// through the service: access-rules.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessInfo } from '../../src/keystoneauth/access-info.js';
import { ACCESS_RULE_BUDGET, checkAccessRules, requestPathForRules } from '../../src/auth-token/access-rules.js';

test('the request path is compared as webob quotes it', () => {
  const cases: [raw: string, quoted: string, why: string][] = [
    ['/imag%65s', '/images', 'an escape of an unreserved character is decoded'],
    ['/a b', '/a%20b', 'a space is quoted'],
    ['/a%2fb', '/a/b', 'an escaped slash is a slash'],
    ["/~!$&'()*+,;=:@-._", "/~!$&'()*+,;=:@-._", "webob's safe characters stay"],
    ['/%zz%', '/%25zz%25', 'a % that starts no escape is quoted'],
    ['/%C3%A9', '/%C3%A9', 'non-ASCII bytes stay quoted'],
  ];
  for (const [raw, quoted, why] of cases) assert.equal(requestPathForRules(raw), quoted, `${raw}: ${why}`);
});

/** The quoting as this code wrote it before: byte by byte, plainly webob's (slow: tests only). */
function quotedByteByByte(rawPath: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < rawPath.length; i++) {
    const hex = rawPath[i] === '%' ? rawPath.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(rawPath[i]!, 'utf8'));
    }
  }
  const safe = (b: number) => b < 0x80 && /[A-Za-z0-9/~!$&'()*+,;=:@\-._]/.test(String.fromCharCode(b));
  return bytes
    .map((b) => (safe(b) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

test('the same quoting as byte by byte, on every code unit and 20,000 generated paths', () => {
  for (let unit = 0; unit < 0x10000; unit++) {
    const raw = `/${String.fromCharCode(unit)}`;
    assert.equal(requestPathForRules(raw), quotedByteByByte(raw), `code unit ${unit}`);
  }
  let seed = 11;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pieces = [
    '%',
    '%2',
    '%2f',
    '%C3%A9',
    '%zz',
    'a',
    'Z',
    '9',
    '/',
    ' ',
    '~',
    "'",
    'é',
    '\ud83d\ude00',
    '\ud83d',
    '?',
  ];
  for (let i = 0; i < 20_000; i++) {
    const raw = Array.from({ length: rnd(12) }, () => pieces[rnd(pieces.length)]!).join('');
    assert.equal(requestPathForRules(raw), quotedByteByByte(raw), JSON.stringify(raw));
  }
});

test('a 16 KiB path of % quotes to 48 KiB in one pass', () => {
  assert.equal(requestPathForRules('%'.repeat(16_384)), '%25'.repeat(16_384), 'each % on its own is %25');
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

const ALLOWED = { allowed: true };
const denied = (reason: string) => ({ allowed: false, reason });

describe('checkAccessRules (validate_allowed_request)', () => {
  test('tokens without rules are always allowed, even with service_type unset', () => {
    assert.deepEqual(checkAccessRules(token('none'), '', GET_IMAGES, false), ALLOWED, 'no application credential');
    assert.deepEqual(checkAccessRules(token(null), '', GET_IMAGES, false), ALLOWED, 'a credential without rules');
  });

  test('rules and service_type unset: denied', () => {
    const t = token([rule('image-names', 'GET', '/images')]);
    assert.deepEqual(checkAccessRules(t, '', GET_IMAGES, false), denied('service_type_unset'), 'nothing to check');
  });

  test('a matching rule allows; method, service and path must all match', () => {
    const t = token([rule('image-names', 'GET', '/images'), rule('image', 'POST', '/images')]);
    assert.deepEqual(checkAccessRules(t, 'image-names', GET_IMAGES, false), ALLOWED, 'the first rule');
    assert.deepEqual(checkAccessRules(t, 'image', { method: 'POST', path: '/images' }, false), ALLOWED, 'the 2nd');
    for (const [method, path, why] of [
      ['POST', '/images', 'the POST rule is for another service'],
      ['HEAD', '/images', 'HEAD is not GET'],
      ['GET', '/', 'another path'],
      ['get', '/images', 'methods are compared exactly'],
    ] as const) {
      assert.deepEqual(
        checkAccessRules(t, 'image-names', { method, path }, false),
        denied('no_matching_rule'),
        `${method} ${path}: ${why}`,
      );
    }
  });

  test('an empty rule list allows nothing', () => {
    assert.deepEqual(checkAccessRules(token([]), 'image-names', GET_IMAGES, false), denied('no_matching_rule'), '[]');
  });

  test('service_type missing from the token catalog is denied, even with a trusted service token', () => {
    const t = token([rule('image-names', 'GET', '/images')], ['compute']);
    assert.deepEqual(
      checkAccessRules(t, 'image-names', GET_IMAGES, true),
      denied('service_type_not_in_catalog'),
      'the catalog lacks image-names',
    );
    assert.deepEqual(
      checkAccessRules(token([rule('image-names', 'GET', '/images')], []), 'image-names', GET_IMAGES, false),
      denied('service_type_not_in_catalog'),
      'a token validated without its catalog cannot be checked',
    );
  });

  test('a trusted service token (a chain of service calls) skips the rules', () => {
    const t = token([rule('compute', 'GET', '/v2.1/servers')]);
    assert.deepEqual(checkAccessRules(t, 'image-names', GET_IMAGES, false), denied('no_matching_rule'), 'alone');
    assert.deepEqual(checkAccessRules(t, 'image-names', GET_IMAGES, true), ALLOWED, 'with a trusted service token');
  });

  test('an identity service lets a restricted token validate itself', () => {
    const t = token([rule('compute', 'GET', '/v2.1/servers')], ['identity']);
    const validate = { method: 'GET', path: '/v3/auth/tokens' };
    assert.deepEqual(checkAccessRules(t, 'identity', validate, false), ALLOWED, 'GET /v3/auth/tokens');
    assert.deepEqual(
      checkAccessRules(t, 'identity', { method: 'GET', path: '/v3/users' }, false),
      denied('no_matching_rule'),
      'any other identity path',
    );
  });
});

describe('the work per request is bounded (ACCESS_RULE_BUDGET)', () => {
  const HOSTILE = '/' + '**'.repeat(100) + '!';
  /** The longest path a 16 KiB header block leaves room for, give or take. */
  const longPath = '/' + 'a'.repeat(16_000);

  test('rules of another service or method are skipped before any path is matched', () => {
    const others = Array.from({ length: 20_000 }, (_, i) =>
      rule(i % 2 ? 'compute' : 'image-names', i % 2 ? 'GET' : 'POST', HOSTILE),
    );
    const t = token([...others, rule('image-names', 'GET', '/**')]);
    assert.deepEqual(
      checkAccessRules(t, 'image-names', { method: 'GET', path: longPath }, false),
      ALLOWED,
      '20,000 rules of other services or methods cost a step each, then the last rule matches',
    );
  });

  test('heavy legitimate use fits: 100 rules that each run a whole 300-character path, the last one matching', () => {
    const rules = Array.from({ length: 100 }, (_, i) => rule('image-names', 'GET', `/v1/AUTH_p/c/**/obj-${i}`));
    const path = `/v1/AUTH_p/c/${'d/'.repeat(143)}obj-99`;
    assert.ok(path.length >= 300, `a ${path.length}-character path`);
    assert.deepEqual(checkAccessRules(token(rules), 'image-names', { method: 'GET', path }, false), ALLOWED, 'allowed');
  });

  test('many hostile rules on a long path: denied once the budget is spent, however many remain', () => {
    const perRule = longPath.length; // a state word per character at least (the runs of ** collapse)
    const enough = Math.ceil(ACCESS_RULE_BUDGET / perRule) + 1;
    const rules = Array.from({ length: enough }, () => rule('image-names', 'GET', HOSTILE));
    assert.deepEqual(
      checkAccessRules(token(rules), 'image-names', { method: 'GET', path: longPath }, false),
      denied('over_budget'),
      `${enough} rules x ${longPath.length} characters exceed ${ACCESS_RULE_BUDGET} steps`,
    );
    assert.deepEqual(
      checkAccessRules(
        token([...rules, rule('image-names', 'GET', '/**')]),
        'image-names',
        {
          method: 'GET',
          path: longPath,
        },
        false,
      ),
      denied('over_budget'),
      'a matching rule after the budget is spent is never reached: deny, never allow, on exhaustion',
    );
    assert.deepEqual(
      checkAccessRules(token(rules.slice(0, 3)), 'image-names', { method: 'GET', path: longPath }, false),
      denied('no_matching_rule'),
      'three of the same rules fit in the budget and simply do not match',
    );
    assert.deepEqual(
      checkAccessRules(token(rules), 'image-names', { method: 'GET', path: longPath.slice(0, -1) + '!' }, false),
      ALLOWED,
      'on a path ending in ! the first hostile rule matches, within the budget',
    );
  });

  test('rules sharing a long literal prefix with the path: each character compared is a step', () => {
    // The outsider's attack: 32,767 such rules cost 38 ms a request when a prefix counted one step.
    const prefix = '/images' + 'x'.repeat(217);
    const request = { method: 'GET', path: `${prefix}z` };
    const perRule = 1 + 225; // the rule itself, and the characters of its prefix compared
    const fit = Math.floor(ACCESS_RULE_BUDGET / perRule);
    const rules = (n: number) => Array.from({ length: n }, () => rule('image-names', 'GET', `${prefix}y`));
    assert.deepEqual(
      checkAccessRules(token(rules(fit)), 'image-names', request, false),
      denied('no_matching_rule'),
      `${fit} rules x ${perRule} steps fit in ${ACCESS_RULE_BUDGET}: none matches`,
    );
    assert.deepEqual(
      checkAccessRules(token(rules(fit + 1)), 'image-names', request, false),
      denied('over_budget'),
      `one rule more exceeds ${ACCESS_RULE_BUDGET} steps`,
    );
    assert.deepEqual(
      checkAccessRules(token(rules(32_767)), 'image-names', request, false),
      denied('over_budget'),
      "the attack's 32,767 rules are denied for the budget",
    );
  });

  test('a pattern too long to compile within the budget is denied, not compiled', () => {
    const t = token([rule('image-names', 'GET', '/' + '*/'.repeat(200_000))]);
    assert.deepEqual(
      checkAccessRules(t, 'image-names', { method: 'GET', path: '/a/' }, false),
      denied('over_budget'),
      'a 400,001-character rule (Keystone allows 225)',
    );
  });
});
