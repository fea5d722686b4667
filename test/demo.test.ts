// `npm run demo` as a user runs it: it prints a curl line that works, and Ctrl-C stops everything cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startChild } from './helpers/process.js';

test('the demo starts, serves the printed curl, and exits 0 on SIGINT', async () => {
  const child = startChild(['src/demo.ts'], { DEMO_LOG_LEVEL: 'warn' });
  const curl = await child.waitForLine(/^curl -H "X-Auth-Token: /);
  const [, token, url] = /^curl -H "X-Auth-Token: ([^"]+)" (\S+)$/.exec(curl)!;
  assert.match(
    child.stdout(),
    /^export OS_AUTH_URL=http:\/\/127\.0\.0\.1:\d+\/v3 OS_USERNAME=demo OS_PASSWORD=demopw OS_PROJECT_NAME=demo /m,
    'the demo prints the OS_* line for the openstack CLI, pointing at its mock Keystone',
  );
  const res = await fetch(url!, { headers: { 'X-Auth-Token': token! } });
  assert.equal(res.status, 200, 'the printed curl line works: 200');
  const names = (await res.json()) as (string | null)[];
  assert.ok(
    names.includes('demo-private') && names.includes(null),
    "it lists the demo user's images, a null name among them",
  );
  child.proc.kill('SIGINT');
  const { code } = await child.exited;
  assert.equal(code, 0, child.stderr());
});
