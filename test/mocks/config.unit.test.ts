// The mocks' settings: the service's strict formats, and their own OS_MOCK_* namespace, so that one
// environment can hold the service's variables and theirs (the demo hands its environment to the mocks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/load.js';
import { loadMockConfig } from '../../src/mocks/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadMockConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return [...err.problems];
  }
  return [];
}

test("the service's variables and openrc's are left alone", () => {
  const env = {
    OS_KEYSTONE_AUTHTOKEN__AUTH_URL: 'http://k/v3',
    OS_KEYSTONE_AUTHTOKEN__AUTHURL: 'http://k/v3',
    OS_COMMUNICATION__INSECURE: 'maybe',
    OS_AUTH_URL: 'http://k/v3',
    OS_MOCK_KEYSTONE__PORT: '5001',
    OS_MOCK_GLANCE__CONTROL: 'on',
  };
  assert.deepEqual(problems(env), [], 'none of them is a problem for the mocks');
  const config = loadMockConfig(env);
  assert.equal(config.mock_keystone.port, 5001, 'their own variable is read');
  assert.equal(config.mock_glance.control, true, '"on" is true');
});

test('a stray OS_MOCK_* variable, a bad boolean or number stops the mock, naming the key and the variable', () => {
  const found = problems({
    OS_MOCK_KEYSTONE__PROT: '5000',
    OS_MOCK_KEYSTON__PORT: '5000',
    OS_MOCK_GLANCE__CONTROL: 'maybe',
    OS_MOCK_GLANCE__GENERATE: '1e3',
    OS_MOCK_KEYSTONE__TOKEN_TTL: '0',
  });
  const expected = [
    'mock_keystone.prot: unknown option (env OS_MOCK_KEYSTONE__PROT)',
    'mock_keyston.port: unknown option (env OS_MOCK_KEYSTON__PORT)',
  ];
  for (const line of expected) assert.ok(found.includes(line), `${line} in ${found.join('\n')}`);
  for (const [key, env] of [
    ['mock_glance.control: must be true or false', 'OS_MOCK_GLANCE__CONTROL'],
    ['mock_glance.generate: must be an integer from 0 to 1000000', 'OS_MOCK_GLANCE__GENERATE'],
    ['mock_keystone.token_ttl: must be an integer from 1 to 604800', 'OS_MOCK_KEYSTONE__TOKEN_TTL'],
  ])
    assert.ok(
      found.some((p) => p.startsWith(key!) && p.endsWith(`(env ${env})`)),
      `${key} in ${found.join('\n')}`,
    );
  assert.equal(loadMockConfig({ OS_MOCK_KEYSTONE__CONTROL: '0' }).mock_keystone.control, false, '"0" is false');
});
