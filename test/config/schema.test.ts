// The schema: oslo.config's environment names, the option list the reference and the masking rely on, and
// enum options typed as their literal values (checked by the compiler).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeOptions, envVarName, schema, withEnvNames, type Config } from '../../src/config/schema.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// A type error here means an enum option lost its literal type (or a plain option gained one).
const typed: [
  Equal<Config['keystone_authtoken']['memcache_security_strategy'], 'None' | 'MAC' | 'ENCRYPT'>,
  Equal<Config['keystone_authtoken']['interface'], 'public' | 'internal' | 'admin'>,
  Equal<Config['keystone_authtoken']['auth_type'], 'password'>,
  Equal<Config['log']['level'], 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>,
  Equal<Config['image']['interface'], 'public' | 'internal' | 'admin' | 'publicURL' | 'internalURL' | 'adminURL'>,
  Equal<Config['server']['port'], number>,
  Equal<Config['server']['trusted_proxies'], string[]>,
  Equal<Config['keystone_authtoken']['password'], string>,
] = [true, true, true, true, true, true, true, true];

test('enum options keep their literal types', () => {
  assert.ok(typed.every(Boolean));
});

test('environment names follow oslo.config: OS_<GROUP>__<OPTION>', () => {
  assert.equal(envVarName('keystone_authtoken', 'memcached_servers'), 'OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS');
  const named = withEnvNames(schema);
  assert.equal(named.communication?.cafile?.env, 'OS_COMMUNICATION__CAFILE');
  assert.equal(named.communication?.cafile?.doc, schema.communication.cafile.doc);
});

test('describeOptions lists every option once, with its format and sensitivity', () => {
  const options = describeOptions();
  const count = Object.values(schema).reduce((n, group) => n + Object.keys(group).length, 0);
  assert.equal(options.length, count);
  assert.equal(new Set(options.map((o) => o.env)).size, count);
  const byName = new Map(options.map((o) => [`${o.group}.${o.key}`, o]));
  assert.equal(byName.get('server.host')?.format, 'string');
  assert.equal(byName.get('server.port')?.format, 'port');
  assert.equal(byName.get('keystone_authtoken.memcache_security_strategy')?.format, 'one of None, MAC, ENCRYPT');
  assert.deepEqual(
    options.filter((o) => o.sensitive).map((o) => `${o.group}.${o.key}`),
    ['keystone_authtoken.password', 'keystone_authtoken.memcache_secret_key'],
  );
});
