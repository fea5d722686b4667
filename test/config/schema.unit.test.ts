// The schema: oslo.config's environment names, the option list the reference and the masking rely on, enum
// options typed as their literal values (checked by the compiler), and every numeric option's range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { adapterGroup } from '../../src/config/adapter-group.js';
import { NUMBER_FORMATS } from '../../src/config/formats.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import {
  describeOptions,
  envVarName,
  schema,
  withEnvNames,
  type Config,
  type ConfigOption,
  type ConfigValues,
  type GroupedSchema,
} from '../../src/config/schema.js';

// A client's group (adapterGroup, as [image] is written) keeps its enum too, whichever groups the schema has.
type AdapterGroupConfig = ConfigValues<{ group: ReturnType<typeof adapterGroup> }>['group'];
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// A type error here means an enum option lost its literal type (or a plain option gained one).
const typed: [
  Equal<Config['keystone_authtoken']['memcache_security_strategy'], 'None' | 'MAC' | 'ENCRYPT'>,
  Equal<Config['keystone_authtoken']['interface'], 'public' | 'internal' | 'admin'>,
  Equal<Config['keystone_authtoken']['auth_type'], 'password'>,
  Equal<Config['log']['level'], 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>,
  Equal<AdapterGroupConfig['interface'], 'public' | 'internal' | 'admin' | 'publicURL' | 'internalURL' | 'adminURL'>,
  Equal<Config['server']['port'], number>,
  Equal<Config['server']['trusted_proxies'], string[]>,
  Equal<Config['keystone_authtoken']['password'], string>,
] = [true, true, true, true, true, true, true, true];

test('enum options keep their literal types', () => {
  assert.ok(typed.every(Boolean), 'every enum option keeps its literal union type in Config');
});

test('environment names follow oslo.config: OS_<GROUP>__<OPTION>', () => {
  assert.equal(
    envVarName('keystone_authtoken', 'memcached_servers'),
    'OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS',
    'OS_<GROUP>__<OPTION>, upper-cased',
  );
  const named = withEnvNames(schema);
  assert.equal(named.communication?.cafile?.env, 'OS_COMMUNICATION__CAFILE', 'each option named with its variable');
  assert.equal(
    named.communication?.cafile?.doc,
    schema.communication.cafile.doc,
    "each option described with the schema's doc",
  );
});

test('describeOptions lists every option once, with its format and sensitivity', () => {
  const options = describeOptions();
  const count = Object.values(schema).reduce((n, group) => n + Object.keys(group).length, 0);
  assert.equal(options.length, count, 'one entry per option of the schema');
  assert.equal(new Set(options.map((o) => o.env)).size, count, 'every option has its own variable');
  const byName = new Map(options.map((o) => [`${o.group}.${o.key}`, o]));
  assert.equal(byName.get('server.host')?.format, 'string', 'a plain string option');
  assert.equal(byName.get('server.port')?.format, 'port', 'a port option');
  assert.equal(
    byName.get('keystone_authtoken.memcache_security_strategy')?.format,
    'one of None, MAC, ENCRYPT',
    'an enum lists its values',
  );
  assert.deepEqual(
    options.filter((o) => o.sensitive).map((o) => `${o.group}.${o.key}`),
    ['keystone_authtoken.password', 'keystone_authtoken.memcache_secret_key'],
    'exactly the two secrets are marked sensitive',
  );
});

test('every numeric option has a range, within its format, holding its default', () => {
  const numeric = describeOptions().filter((o) => o.range !== undefined);
  assert.ok(numeric.length >= 25, `expected the numeric options, got ${numeric.length}`);
  for (const o of describeOptions()) {
    const name = `${o.group}.${o.key}`;
    const isNumber = typeof o.default === 'number';
    assert.equal(o.range !== undefined, isNumber, `${name}: a range exactly when the value is a number`);
    if (!o.range) continue;
    const format = NUMBER_FORMATS[o.format]!;
    assert.ok(format.min <= o.range.min && o.range.max <= format.max, `${name}: range inside its format's`);
    assert.ok(o.range.min <= (o.default as number) && (o.default as number) <= o.range.max, `${name}: default`);
    assert.ok(o.range.max < Number.MAX_SAFE_INTEGER, `${name}: a real ceiling, not the format's`);
    if (o.format.endsWith('seconds'))
      assert.ok(o.range.max * 1000 <= 2 ** 31 - 1, `${name}: at most a timer's 2^31-1 ms once converted`);
  }
});

test('only the strict formats: no convict built-in but String (Boolean is replaced by the strict one)', () => {
  const groups: GroupedSchema = schema;
  for (const [group, options] of Object.entries(groups))
    for (const [key, o] of Object.entries(options)) {
      const allowed =
        o.format === String || o.format === Boolean || typeof o.format === 'string' || Array.isArray(o.format);
      assert.ok(allowed, `${group}.${key}: a lax convict built-in format`);
      if (o.format === Boolean) assert.equal(withEnvNames(schema)[group]?.[key]?.format, 'boolean', `${group}.${key}`);
    }
});

/** Values that make a cross-check pass while `option` sits at an edge (headers within the request timeout). */
function companions(option: ConfigOption, value: number): Record<string, string> {
  if (option.key === 'headers_timeout' && option.group === 'server')
    return { OS_SERVER__REQUEST_TIMEOUT: String(value) };
  if (option.key === 'request_timeout') return { OS_SERVER__HEADERS_TIMEOUT: String(value) };
  return {};
}

test('ranges at both edges, for every numeric option, from the environment', () => {
  for (const o of describeOptions()) {
    if (!o.range) continue;
    const step = NUMBER_FORMATS[o.format]!.integer ? 1 : 0.001;
    const load = (value: number) =>
      loadConfig({
        env: { OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'pw', ...companions(o, value), [o.env]: String(value) },
        configDir: '/nonexistent',
      });
    for (const edge of [o.range.min, o.range.max]) {
      const values: Readonly<Record<string, Readonly<Record<string, unknown>>>> = load(edge);
      assert.equal(values[o.group]?.[o.key], edge, `${o.group}.${o.key} = ${edge} is inside`);
    }
    for (const outside of [o.range.min - step, o.range.max + step]) {
      const problems = problemsOf(() => load(Number(outside.toFixed(3))));
      const line = problems.find((p) => p.startsWith(`${o.group}.${o.key}: `)) ?? problems.join('\n');
      assert.match(line, new RegExp(`from ${o.range.min} to ${o.range.max}`), `${o.group}.${o.key} = ${outside}`);
      assert.ok(line.endsWith(`(env ${o.env})`), `the variable named: ${line}`);
    }
  }
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return [...err.problems];
  }
  return assert.fail('expected a ConfigError');
}
