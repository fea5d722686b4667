// The real OpenStack CLI (Debian's python3-openstackclient) against the mocks: if it cannot tell them from
// Keystone and Glance for these calls, neither can any keystoneauth-based client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_NAME } from '../../src/common/package-info.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startMocks, type Mocks } from '../helpers/mocks.js';
import { commandPath, skipWithout } from '../helpers/process.js';

const run = promisify(execFile);
const cliPath = commandPath('openstack');
// CI installs the CLI (.ci/run); a laptop without it skips rather than fails.
const skip = skipWithout(cliPath, 'openstack CLI not installed (apt-get install python3-openstackclient)');

let mocks: Mocks;
before(async () => {
  mocks = await startMocks({ generate: 60 });
});
after(() => mocks?.close());

async function openstack(args: string[], user = { name: 'demo', password: 'demopw', project: 'demo' }) {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? '/tmp',
    OS_AUTH_URL: mocks.keystoneUrl,
    OS_USERNAME: user.name,
    OS_PASSWORD: user.password,
    OS_PROJECT_NAME: user.project,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_IDENTITY_API_VERSION: '3',
    OS_INTERFACE: 'public',
    OS_REGION_NAME: 'RegionOne',
  };
  const { stdout } = await run('openstack', [...args, '-f', 'json'], { env, timeout: 60_000 });
  return JSON.parse(stdout) as unknown;
}

test('openstack token issue, catalog list, token revoke', { skip }, async () => {
  const token = (await openstack(['token', 'issue'])) as Record<string, string>;
  assert.equal(token.project_id, '7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e', "the CLI's token is scoped to demo's project");
  assert.equal(token.user_id, '3d4e5f60718293a4b5c6d7e8f90a1b2c', 'for the demo user');
  assert.match(token.id!, /^gAAAAA/, 'a Fernet-looking token id');
  const catalog = (await openstack(['catalog', 'list'])) as { Type: string }[];
  // The seed's types (identity, image, this service's name, and whatever a fork adds to seed.json).
  const seeded = mocks.keystone.store.catalog().map((c) => c.type);
  assert.ok(seeded.includes('identity') && seeded.includes(SERVICE_NAME), `the seed's catalog: ${seeded.join(', ')}`);
  assert.deepEqual(catalog.map((c) => c.Type).sort(), seeded.sort(), "the CLI lists the catalog's service types");
  const service = await fetch(`${mocks.keystoneUrl}/auth/tokens`, {
    headers: { 'x-auth-token': token.id!, 'x-subject-token': token.id! },
  });
  assert.equal(service.status, 200, "the CLI's token validates");
  await run('openstack', ['token', 'revoke', token.id!], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? '/tmp',
      OS_AUTH_URL: mocks.keystoneUrl,
      OS_USERNAME: 'admin',
      OS_PASSWORD: 'adminpw',
      OS_PROJECT_NAME: 'admin',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_IDENTITY_API_VERSION: '3',
    },
    timeout: 60_000,
  });
  const after = await fetch(`${mocks.keystoneUrl}/auth/tokens`, {
    headers: { 'x-auth-token': token.id!, 'x-subject-token': token.id! },
  });
  assert.equal(after.status, 401, 'a revoked token no longer authenticates');
});

test('openstack image list pages through the mock Glance', { skip }, async () => {
  const before =
    ((await (await fetch(`${mocks.glance.url}/__mock/stats`)).json()) as { counters: Record<string, number> }).counters
      .list_requests ?? 0;
  const images = (await openstack(['image', 'list'])) as { Name: string | null; ID: string }[];
  assert.equal(images.length, 70, 'the CLI lists every image: 60 generated and 10 seeded');
  assert.ok(
    images.some((i) => i.Name === 'Ünïcødé 镜像 ☁'),
    'a non-ASCII name survives the CLI',
  );
  const pages =
    (((await (await fetch(`${mocks.glance.url}/__mock/stats`)).json()) as { counters: Record<string, number> }).counters
      .list_requests ?? 0) - before;
  assert.ok(pages >= 3, `the CLI made ${pages} list calls`);
});
