// Valid settings that weaken the service or have no effect: one warning each, naming the key and the env var.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { configWarnings } from '../../src/config/warnings.js';

const warningsFor = (env: Record<string, string>) =>
  configWarnings(loadConfig({ env: { OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'pw', ...env }, configDir: '/nonexistent' }));

test('the defaults warn about nothing; neither do protected memcached entries', () => {
  assert.deepEqual(warningsFor({}), [], 'defaults are safe');
  assert.deepEqual(
    warningsFor({
      OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS: 'mc:11211',
      OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECURITY_STRATEGY: 'ENCRYPT',
      OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECRET_KEY: 'k',
    }),
    [],
    'ENCRYPT with a key is the safe shared cache',
  );
  assert.deepEqual(warningsFor({ OS_COMMUNICATION__INSECURE: 'off' }), [], 'insecure off is no warning');
});

test('insecure = true warns, naming the key and its variable', () => {
  const [warning, ...rest] = warningsFor({ OS_COMMUNICATION__INSECURE: 'yes' });
  assert.deepEqual(rest, [], 'one warning');
  assert.match(warning ?? '', /^communication\.insecure: TLS certificates .* not verified/, 'names the key');
  assert.match(warning ?? '', /\(env OS_COMMUNICATION__INSECURE\)$/, 'names the variable');
});

test('unprotected memcached, opted in: a warning naming the opt-in', () => {
  const warnings = warningsFor({
    OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS: 'mc:11211',
    OS_KEYSTONE_AUTHTOKEN__MEMCACHE_ALLOW_UNPROTECTED: 'true',
  });
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(
    warnings[0]!,
    /^keystone_authtoken\.memcache_allow_unprotected: .* whoever can write to memcached/,
    'the opt-in warns that whoever can write to memcached can forge tokens',
  );
  assert.match(warnings[0]!, /\(env OS_KEYSTONE_AUTHTOKEN__MEMCACHE_ALLOW_UNPROTECTED\)$/, 'names the variable');
});

test('an opt-in with nothing to allow, and a secret nobody uses, warn too', () => {
  const idle = warningsFor({
    OS_KEYSTONE_AUTHTOKEN__MEMCACHE_ALLOW_UNPROTECTED: '1',
    OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS: 'mc:11211',
    OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECURITY_STRATEGY: 'MAC',
    OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECRET_KEY: 'k',
  });
  assert.equal(idle.length, 1, idle.join('\n'));
  assert.match(
    idle[0]!,
    /^keystone_authtoken\.memcache_allow_unprotected: set, but has no effect/,
    'an opt-in with nothing to allow warns that it has no effect',
  );
  for (const servers of ['', 'mc:11211']) {
    const unused = warningsFor({
      OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS: servers,
      OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECRET_KEY: 'a-secret-value',
      ...(servers ? { OS_KEYSTONE_AUTHTOKEN__MEMCACHE_ALLOW_UNPROTECTED: 'on' } : {}),
    });
    const line = unused.find((w) => w.startsWith('keystone_authtoken.memcache_secret_key:'));
    assert.match(line ?? '', /set, but memcache_security_strategy is None/, `servers "${servers}"`);
    assert.match(line ?? '', /\(env OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECURITY_STRATEGY\)$/, 'names what to set');
    assert.doesNotMatch(unused.join('\n'), /a-secret-value/, 'never the secret itself');
  }
});

test('a domain name beside a domain ID: a warning that the name is not sent; the default name beside one is none', () => {
  assert.deepEqual(
    warningsFor({
      OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_ID: 'default',
      OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_ID: 'default',
    }),
    [],
    "kolla-ansible's IDs with user_domain_name and project_domain_name at their default: nothing to say",
  );
  assert.deepEqual(
    warningsFor({
      OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_NAME: 'acme',
      OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_NAME: 'acme',
    }),
    [],
    'names without IDs are what is sent',
  );
  assert.deepEqual(
    warningsFor({
      OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_NAME: 'acme',
      OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_ID: 'default',
      OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_NAME: 'acme',
      OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_ID: '9b1f0c5e',
    }),
    [
      'keystone_authtoken.user_domain_name: set to "acme", but user_domain_id ("default") is set too and is what Keystone gets, as with keystoneauth (env OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_NAME)',
      'keystone_authtoken.project_domain_name: set to "acme", but project_domain_id ("9b1f0c5e") is set too and is what Keystone gets, as with keystoneauth (env OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_NAME)',
    ],
    'one warning per unused name, saying which ID is sent',
  );
});

test('trusted proxy ranges wider than an IPv4 /8 or an IPv6 /32 warn, naming them', () => {
  for (const wide of ['0.0.0.0/0', '10.0.0.0/7', '::/0', 'fd00::/31', '::ffff:0:0/96', '::ffff:a00:0/103']) {
    const warnings = warningsFor({ OS_SERVER__TRUSTED_PROXIES: `192.0.2.7,${wide}` });
    assert.equal(warnings.length, 1, `${wide}: one warning`);
    assert.match(warnings[0]!, /^server\.trusted_proxies: /, `${wide}: names the key`);
    assert.ok(warnings[0]!.includes(wide) && !warnings[0]!.includes('192.0.2.7'), `${wide}: names the wide range only`);
    assert.match(warnings[0]!, /\(env OS_SERVER__TRUSTED_PROXIES\)$/, `${wide}: names the variable`);
  }
  for (const narrow of ['10.0.0.0/8', 'fd00::/32', '192.0.2.7', '2001:db8::1', '::ffff:a00:0/104'])
    assert.deepEqual(warningsFor({ OS_SERVER__TRUSTED_PROXIES: narrow }), [], `${narrow}: no warning`);
});

test('a secret with surrounding whitespace warns, without its value', () => {
  const warnings = warningsFor({ OS_KEYSTONE_AUTHTOKEN__PASSWORD: ' the-pw ' });
  assert.equal(warnings.length, 1, 'one warning');
  assert.match(warnings[0]!, /^keystone_authtoken\.password: starts or ends with whitespace/, 'names the key');
  assert.ok(!warnings[0]!.includes('the-pw'), 'never the value');
});
