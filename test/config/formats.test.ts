// The custom formats, on a one-group schema: what each accepts, rejects and coerces from the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convictFor } from '../../src/config/load.js';

const schema = {
  t: {
    url: { doc: '', format: 'url', default: 'http://a' },
    optional_url: { doc: '', format: 'optional-url', default: '' },
    seconds: { doc: '', format: 'seconds', default: 0 },
    positive_seconds: { doc: '', format: 'positive-seconds', default: 1 },
    list: { doc: '', format: 'string-list', default: [] as string[] },
    positive_int: { doc: '', format: 'positive-int', default: 1 },
    optional_file: { doc: '', format: 'optional-file', default: '' },
  },
};

function check(env: Record<string, string>): string | undefined {
  try {
    convictFor(schema, env).validate({ allowed: 'strict' });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

test('valid values pass, and the environment is coerced', () => {
  const env = {
    OS_T__URL: 'https://k:5000/v3',
    OS_T__OPTIONAL_URL: 'http://x',
    OS_T__SECONDS: '0',
    OS_T__POSITIVE_SECONDS: '0.5',
    OS_T__LIST: ' a, b ,,c',
    OS_T__POSITIVE_INT: '3',
    OS_T__OPTIONAL_FILE: 'package.json',
  };
  assert.equal(check(env), undefined);
  const values = convictFor(schema, env).getProperties().t;
  assert.equal(values.seconds, 0);
  assert.equal(values.positive_seconds, 0.5);
  assert.deepEqual(values.list, ['a', 'b', 'c']);
  assert.equal(values.positive_int, 3);
});

test('invalid values are rejected with a reason', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ OS_T__URL: 'keystone:5000' }, /t\.url: must be an http\(s\) URL/],
    [{ OS_T__URL: 'not a url' }, /t\.url: must be an absolute http\(s\) URL/],
    [{ OS_T__OPTIONAL_URL: 'ftp://x' }, /t\.optional_url: must be empty or an absolute http\(s\) URL/],
    [{ OS_T__SECONDS: '-1' }, /t\.seconds: must be a non-negative number/],
    [{ OS_T__SECONDS: 'soon' }, /t\.seconds: must be a non-negative number/],
    [{ OS_T__POSITIVE_SECONDS: '0' }, /t\.positive_seconds: must be a positive number/],
    [{ OS_T__POSITIVE_INT: '1.5' }, /t\.positive_int: must be a positive integer/],
    [{ OS_T__POSITIVE_INT: '0' }, /t\.positive_int: must be a positive integer/],
    [{ OS_T__OPTIONAL_FILE: '/nonexistent/f' }, /t\.optional_file: file not found/],
  ];
  for (const [env, expected] of cases) assert.match(check(env) ?? 'valid', expected, JSON.stringify(env));
});
