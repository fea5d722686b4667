// The custom formats, on a one-group schema: what each accepts, rejects and coerces, from the environment
// (strings) and from files or overrides (JSON values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { MAX_TIMER_SECONDS } from '../../src/config/formats.js';
import { convictFor } from '../../src/config/load.js';

const schema = {
  t: {
    url: { doc: '', format: 'url', default: 'http://a' },
    optional_url: { doc: '', format: 'optional-url', default: '' },
    seconds: { doc: '', format: 'seconds', default: 0 },
    positive_seconds: { doc: '', format: 'positive-seconds', default: 1 },
    list: { doc: '', format: 'string-list', default: [] as string[] },
    positive_int: { doc: '', format: 'positive-int', default: 1 },
    nat: { doc: '', format: 'nat', default: 0 },
    port: { doc: '', format: 'port', default: 0 },
    narrowed: { doc: '', format: 'positive-int', default: 5, min: 2, max: 9 },
    flag: { doc: '', format: Boolean, default: false },
    optional_file: { doc: '', format: 'optional-file', default: '' },
  },
};

function check(env: Record<string, string>, values: Record<string, unknown> = {}): string | undefined {
  try {
    convictFor(schema, env).load({ t: values }).validate({ allowed: 'strict' });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const read = (env: Record<string, string>) => convictFor(schema, env).getProperties().t;

test('valid values pass, and the environment is coerced', () => {
  const env = {
    OS_T__URL: 'https://k:5000/v3',
    OS_T__OPTIONAL_URL: 'http://x',
    OS_T__SECONDS: '0',
    OS_T__POSITIVE_SECONDS: '0.5',
    OS_T__LIST: ' a, b ,c',
    OS_T__POSITIVE_INT: '3',
    OS_T__NAT: '0',
    OS_T__PORT: '65535',
    OS_T__FLAG: 'yes',
    OS_T__OPTIONAL_FILE: 'package.json',
  };
  assert.equal(check(env), undefined, 'every value above is valid');
  const values = read(env);
  assert.equal(values.seconds, 0, 'seconds from "0"');
  assert.equal(values.positive_seconds, 0.5, 'seconds from "0.5"');
  assert.deepEqual(values.list, ['a', 'b', 'c'], 'list items trimmed');
  assert.equal(values.positive_int, 3, 'integer from "3"');
  assert.equal(values.port, 65535, 'port from "65535"');
  assert.equal(values.flag, true, 'boolean from "yes"');
  assert.deepEqual(read({ OS_T__LIST: '' }).list, [], 'an empty variable is the empty list');
  assert.deepEqual(read({ OS_T__LIST: '  ' }).list, [], 'a blank variable is the empty list');
});

test('invalid values are rejected with a reason', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ OS_T__URL: 'keystone:5000' }, /t\.url: must be an http\(s\) URL/],
    [{ OS_T__URL: 'not a url' }, /t\.url: must be an absolute http\(s\) URL/],
    [{ OS_T__URL: 'HTTP://k/v3' }, /t\.url: must be written as it is read: http:\/\/k\/v3/],
    [{ OS_T__URL: 'http://k\\v3' }, /t\.url: must be written as it is read: http:\/\/k\/v3/],
    [{ OS_T__URL: 'http://k/v\t3' }, /t\.url: must be written as it is read/],
    [{ OS_T__URL: ' http://k/v3' }, /t\.url: must be written as it is read/],
    [{ OS_T__URL: 'http://127.1:5000/v3' }, /t\.url: must be written as it is read: http:\/\/127\.0\.0\.1:5000\/v3/],
    [{ OS_T__URL: 'http://k/v3?x=1' }, /t\.url: must not hold a query or fragment/],
    [{ OS_T__URL: 'http://k/v3#top' }, /t\.url: must not hold a query or fragment/],
    [{ OS_T__URL: 'http://admin:s3cret@k/v3' }, /t\.url: must not hold a user name or password/],
    [{ OS_T__OPTIONAL_URL: 'ftp://x' }, /t\.optional_url: must be empty, or: must be an http\(s\) URL/],
    [{ OS_T__OPTIONAL_URL: 'Http://x' }, /t\.optional_url: must be empty, or: must be written as it is read/],
    [{ OS_T__SECONDS: '-1' }, /t\.seconds: must be a number from 0 to 2147483/],
    [{ OS_T__SECONDS: 'soon' }, /t\.seconds: must be a number from 0 to 2147483, written plainly/],
    [{ OS_T__POSITIVE_SECONDS: '0' }, /t\.positive_seconds: must be a number from 0\.001 to 2147483/],
    [{ OS_T__POSITIVE_INT: '1.5' }, /t\.positive_int: must be an integer from 1 to \d+, written plainly/],
    [{ OS_T__POSITIVE_INT: '0' }, /t\.positive_int: must be an integer from 1 to/],
    [{ OS_T__PORT: '65536' }, /t\.port: must be an integer from 0 to 65535/],
    [{ OS_T__PORT: '80abc' }, /t\.port: must be an integer from 0 to 65535, written plainly/],
    [{ OS_T__NAT: '-1' }, /t\.nat: must be an integer from 0 to/],
    [{ OS_T__NARROWED: '1' }, /t\.narrowed: must be an integer from 2 to 9/],
    [{ OS_T__NARROWED: '10' }, /t\.narrowed: must be an integer from 2 to 9/],
    [{ OS_T__LIST: 'a,,b' }, /t\.list: must not hold empty items/],
    [{ OS_T__LIST: 'a,b,' }, /t\.list: must not hold empty items/],
    [{ OS_T__FLAG: '2' }, /t\.flag: must be true or false \(also yes\/no, on\/off, 1\/0; any case\)/],
    [{ OS_T__OPTIONAL_FILE: '/nonexistent/f' }, /t\.optional_file: file not found/],
    [{ OS_T__OPTIONAL_FILE: os.tmpdir() }, /t\.optional_file: not a regular file/],
  ];
  for (const [env, expected] of cases)
    assert.match(check(env) ?? 'valid', expected, `${JSON.stringify(env)} should be refused`);
});

test('numbers are written plainly: no hex, exponent, sign, leading zero, separator or spaces', () => {
  for (const text of ['0x10', '1e3', '', ' 5', '5 ', '+5', '010', '1_000', 'Infinity', 'NaN', '.5', '5.', '1,5'])
    for (const option of ['SECONDS', 'POSITIVE_INT', 'NAT', 'PORT'])
      assert.match(
        check({ [`OS_T__${option}`]: text }) ?? 'valid',
        new RegExp(`t\\.${option.toLowerCase()}: must be an? (integer|number) from`),
        `${JSON.stringify(text)} for ${option} should be refused`,
      );
  assert.match(check({ OS_T__POSITIVE_INT: '2.0' }) ?? 'valid', /written plainly/, 'an integer has no decimal part');
  assert.equal(read({ OS_T__SECONDS: '1.25' }).seconds, 1.25, 'a decimal part is fine for seconds');
  assert.equal(read({ OS_T__NAT: '-0' }).nat, 0, '"-0" is 0, not -0');
});

test('seconds never exceed what a timer holds once converted to milliseconds', () => {
  assert.equal(MAX_TIMER_SECONDS, 2147483, 'the largest whole number of seconds under 2^31-1 ms');
  assert.ok(MAX_TIMER_SECONDS * 1000 <= 2 ** 31 - 1, 'the ceiling in ms fits a timer');
  assert.equal(check({ OS_T__SECONDS: '2147483' }), undefined, 'the ceiling itself is accepted');
  assert.match(
    check({ OS_T__SECONDS: '2147483.648' }) ?? 'valid',
    /t\.seconds: must be a number from 0 to 2147483/,
    '2147483.648 s would not fit a timer once in ms: refused with the range',
  );
  assert.match(
    check({ OS_T__POSITIVE_SECONDS: '2147484' }) ?? 'valid',
    /t\.positive_seconds: must be a number/,
    'positive seconds above 2147483 are refused too',
  );
});

test('values from files and overrides: JSON values, or strings parsed as the environment is', () => {
  assert.equal(check({}, { flag: true, port: 80, list: ['a'] }), undefined, 'JSON values of the right type');
  assert.equal(check({}, { flag: 'off', port: '80' }), undefined, 'strings parsed like the environment');
  assert.match(check({}, { flag: 1 }) ?? 'valid', /t\.flag: must be true or false/, 'a JSON number is no boolean');
  assert.match(check({}, { flag: 'maybe' }) ?? 'valid', /t\.flag: must be true or false/, 'nor is "maybe"');
  assert.match(check({}, { port: 80.5 }) ?? 'valid', /t\.port: must be an integer/, 'a fraction is no port');
  assert.match(
    check({}, { list: ['a', ' b'] }) ?? 'valid',
    /t\.list: must not hold .* surrounding spaces/,
    "a file's list item with surrounding spaces is refused, as in the environment",
  );
  assert.match(
    check({}, { list: [''] }) ?? 'valid',
    /t\.list: must not hold empty items/,
    "a file's list with an empty item is refused",
  );
  assert.match(check({}, { list: 5 }) ?? 'valid', /t\.list: must be a list of strings/, 'a number is no list');
});
