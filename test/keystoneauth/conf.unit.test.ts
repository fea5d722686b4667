// keystoneauth1.loading's part: session options from [communication] (seconds to ms, the PEM files read, the
// retriable statuses as numbers) and an Adapter's endpoint options from an adapter group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../src/config/load.js';
import { endpointOptionsFromConf, sessionOptionsFromConfig } from '../../src/keystoneauth/conf.js';

const communication = () => defaultConfig().communication;

test('seconds become milliseconds, rounded; counts and the user agent as they are', () => {
  const options = sessionOptionsFromConfig({
    ...communication(),
    timeout: 1.5,
    connect_timeout: 0.0004,
    retry_delay: 0.01,
    max_retry_delay: 2,
    connect_retries: 3,
    user_agent: 'fork/1.0',
  });
  assert.deepEqual(
    [options.timeoutMs, options.connectTimeoutMs, options.retryDelayMs, options.maxRetryDelayMs],
    [1500, 0, 10, 2000],
    'seconds to whole milliseconds',
  );
  assert.equal(options.connectRetries, 3, 'a count as it is');
  assert.equal(options.userAgent, 'fork/1.0', 'the user agent as it is');
});

test('retriable status codes become numbers; no TLS files: none read, certificates verified', () => {
  const options = sessionOptionsFromConfig({ ...communication(), retriable_status_codes: ['502', 503] });
  assert.deepEqual(options.retriableStatusCodes, [502, 503], 'written as strings or numbers, used as numbers');
  assert.deepEqual(
    options.tls,
    { ca: undefined, cert: undefined, key: undefined, rejectUnauthorized: true },
    'no files, verification on',
  );
  assert.equal(
    sessionOptionsFromConfig({ ...communication(), insecure: true }).tls?.rejectUnauthorized,
    false,
    'insecure turns verification off',
  );
});

test('the PEM files are read when they are named', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conf-unit-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => {
    const at = path.join(dir, name);
    fs.writeFileSync(at, `-----${name}-----\n`);
    return at;
  };
  const options = sessionOptionsFromConfig({
    ...communication(),
    cafile: file('ca'),
    certfile: file('cert'),
    keyfile: file('key'),
  });
  assert.deepEqual(
    [options.tls?.ca, options.tls?.cert, options.tls?.key],
    ['-----ca-----\n', '-----cert-----\n', '-----key-----\n'],
    'each file read as text',
  );
});

test("an adapter group's interface and region become the endpoint options", () => {
  assert.deepEqual(
    endpointOptionsFromConf({ interface: 'internal', region_name: 'RegionTwo' }),
    { interface: 'internal', regionName: 'RegionTwo' },
    'interface and regionName',
  );
});
