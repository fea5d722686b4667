// Which OS_<GROUP>__<OPTION> variables a loader answers for, and the problem a stray one makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mockVariable, serviceVariable, unknownVariables } from '../../src/config/env.js';

const grouped = {
  keystone_authtoken: { auth_url: { doc: '', format: String, default: '' } },
  mock_keystone: { port: { doc: '', format: 'port', default: 0 } },
};

test('the service answers for OS_<GROUP>__<OPTION> outside OS_MOCK_, in any case', () => {
  for (const name of ['OS_KEYSTONE_AUTHTOKEN__AUTH_URL', 'OS_SERVER__PROT', 'os_server__port', 'OS_X__', 'OS___X'])
    assert.equal(serviceVariable(name), true, `${name} is the service's`);
  for (const name of ['OS_AUTH_URL', 'OS_PASSWORD', 'OS_CLOUD', 'OS__X', 'OS_MOCK_KEYSTONE__PORT', 'os_mock_x__y'])
    assert.equal(serviceVariable(name), false, `${name} is not the service's`);
  for (const name of ['NODE_ENV', 'CONFIG_FILES', 'X_OS_SERVER__PORT'])
    assert.equal(serviceVariable(name), false, `${name} is nobody's option`);
});

test('the mocks answer for OS_MOCK_<NAME>__<OPTION> only', () => {
  for (const name of ['OS_MOCK_KEYSTONE__PORT', 'OS_MOCK_GLANCE__PROT', 'OS_MOCK_KEYSTON__PORT', 'os_mock_glance__x'])
    assert.equal(mockVariable(name), true, `${name} is the mocks'`);
  for (const name of ['OS_KEYSTONE_AUTHTOKEN__AUTHURL', 'OS_SERVER__PORT', 'OS_MOCK_PORT', 'OS_AUTH_URL'])
    assert.equal(mockVariable(name), false, `${name} is not the mocks'`);
});

test('a claimed variable naming no option is a problem naming the key, the variable and a likely fix', () => {
  const env = {
    OS_KEYSTONE_AUTHTOKEN__AUTHURL: 'http://k/v3',
    OS_KEYSTONE_AUTHTOKEN__AUTH_URL: 'http://k/v3',
    os_keystone_authtoken__auth_url: 'http://k/v3',
    OS_KEYSTONE_AUTH__AUTH_URL: 'http://k/v3',
    OS_AUTH_URL: 'http://k/v3',
    OS_MOCK_KEYSTONE__PORT: '1',
    OS_SERVER__UNSET: undefined,
  };
  assert.deepEqual(
    unknownVariables(grouped, env, serviceVariable),
    [
      'keystone_authtoken.authurl: unknown option (env OS_KEYSTONE_AUTHTOKEN__AUTHURL; did you mean OS_KEYSTONE_AUTHTOKEN__AUTH_URL?)',
      'keystone_authtoken.auth_url: unknown option (env os_keystone_authtoken__auth_url; did you mean OS_KEYSTONE_AUTHTOKEN__AUTH_URL?)',
      'keystone_auth.auth_url: unknown option (env OS_KEYSTONE_AUTH__AUTH_URL)',
    ],
    'the typos only: not the real option, not openrc, not the mocks, not an unset variable',
  );
  assert.deepEqual(
    unknownVariables(grouped, { ...env, OS_MOCK_KEYSTONE__PROT: '1' }, mockVariable),
    ['mock_keystone.prot: unknown option (env OS_MOCK_KEYSTONE__PROT)'],
    "the mocks' typo only: the service's variables are not theirs",
  );
});
