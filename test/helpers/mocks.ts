// The mock Keystone and mock Glance for tests: started on port 0 in this process, their seeded users,
// tokens straight from them, and their /__mock/ controls (faults and counters).
import { SERVICE_NAME } from '../../src/common/package-info.js';
import { PasswordPlugin } from '../../src/keystoneauth/password.js';
import { completeImage } from '../../src/mocks/glance/store.js';
import { startMockCloud, type MockCloud } from '../../src/mocks/cloud.js';

export const USERS = {
  demo: {
    username: 'demo',
    password: 'demopw',
    projectName: 'demo',
    userDomainName: 'Default',
    projectDomainName: 'Default',
  },
  alt: {
    username: 'alt',
    password: 'altpw',
    projectName: 'alt',
    userDomainName: 'Default',
    projectDomainName: 'Default',
  },
  wile: { username: 'wile', password: 'wilepw', projectName: 'dev', userDomainName: 'acme', projectDomainName: 'acme' },
  admin: {
    username: 'admin',
    password: 'adminpw',
    projectName: 'admin',
    userDomainName: 'Default',
    projectDomainName: 'Default',
  },
  glance: {
    username: 'glance',
    password: 'glancepw',
    projectName: 'service',
    userDomainName: 'Default',
    projectDomainName: 'Default',
  },
  // This service's user: the mock Keystone names it after package.json's name (src/mocks/keystone/seed.json).
  service: {
    username: SERVICE_NAME,
    password: `${SERVICE_NAME}-pw`,
    projectName: 'service',
    userDomainName: 'Default',
    projectDomainName: 'Default',
  },
  nobody: {
    username: 'nobody',
    password: 'nobodypw',
    projectName: 'demo',
    userDomainName: 'Default',
    projectDomainName: 'Default',
  },
} as const;

/** The seeded images the demo user sees, in Glance's order (newest first; src/mocks/glance/seed.json). */
export const DEMO_SEED_NAMES: readonly (string | null)[] = [
  'rocky-9-queued',
  'alt-shared-accepted',
  'Ünïcødé 镜像 ☁',
  null,
  'demo-community',
  'demo-shared',
  'demo-private',
  'debian-12-genericcloud',
  'ubuntu-24.04-server',
  'cirros-0.6.2-x86_64-disk',
];

export type Mocks = MockCloud;

/** The demo user's project in the mock seed (src/mocks/keystone/seed.json). */
export const DEMO_PROJECT_ID = '7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e';

/** A token of demo on its project, issued straight from the mock Keystone's store (no HTTP), expiring at `expiresAt`. */
export function issueDemoToken(mocks: Pick<Mocks, 'keystone'>, expiresAt?: number) {
  const store = mocks.keystone.store;
  const demo = store.findUser({ name: 'demo', domain: { id: 'default' } })!;
  return store.issue(demo.id, ['password'], { project: DEMO_PROJECT_ID }, expiresAt);
}

/** The mock cloud on free ports, with /__mock/ control on. */
export function startMocks({ generate = 0 } = {}): Promise<Mocks> {
  return startMockCloud({ keystone: { port: 0, control: true }, glance: { port: 0, control: true, generate } });
}

/** POST /v3/auth/tokens with this `auth` body and return X-Subject-Token, the way any client gets a token. */
async function issue(keystoneUrl: string, what: string, auth: unknown): Promise<string> {
  const res = await fetch(`${keystoneUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth }),
  });
  if (res.status !== 201) throw new Error(`token for ${what}: ${res.status} ${await res.text()}`);
  return res.headers.get('x-subject-token')!;
}

/** A token for a seeded user, straight from the mock Keystone. */
export function tokenFor(keystoneUrl: string, user: keyof typeof USERS): Promise<string> {
  return tokenWith(keystoneUrl, USERS[user]);
}

/** A token for any user of the mock Keystone (a test's own: addServiceUser), scoped to a project. */
export function tokenWith(keystoneUrl: string, u: (typeof USERS)[keyof typeof USERS]): Promise<string> {
  return issue(keystoneUrl, u.username, {
    identity: {
      methods: ['password'],
      password: { user: { name: u.username, password: u.password, domain: { name: u.userDomainName } } },
    },
    scope: { project: { name: u.projectName, domain: { name: u.projectDomainName } } },
  });
}

export function passwordPlugin(keystoneUrl: string, user: keyof typeof USERS, options = {}): PasswordPlugin {
  return new PasswordPlugin({ authUrl: keystoneUrl, ...USERS[user] }, options);
}

/** PUT /__mock/faults on a mock (its base URL): the faults replace the previous ones; `{}` clears them. */
export async function setFaults(baseUrl: string, faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${baseUrl}/__mock/faults`, {
    method: 'PUT',
    body: JSON.stringify(faults),
    headers: { 'content-type': 'application/json' },
  });
  if (!res.ok) throw new Error(`set faults: ${res.status}`);
}

/**
 * POST /__mock/release on a mock (its base URL): every request its `hang` fault holds goes on to its answer now,
 * as if the upstream had recovered. A test that holds a request ends the hold with this, not at a deadline.
 */
export async function releaseHeld(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/__mock/release`, { method: 'POST' });
  if (!res.ok) throw new Error(`release: ${res.status}`);
  return ((await res.json()) as { released: number }).released;
}

/** GET /__mock/stats on a mock (its base URL). */
export async function stats(baseUrl: string): Promise<{ counters: Record<string, number> }> {
  return (await (await fetch(`${baseUrl}/__mock/stats`)).json()) as { counters: Record<string, number> };
}

export interface LoadUser {
  id: string;
  token: string;
  /** The names this user must see, in Glance's order. */
  expected: (string | null)[];
}

/**
 * `count` users, each in a project of its own owning one image named after it, so a response shows
 * whose names it holds. Tokens come straight from the mock Keystone's store.
 */
export function addLoadUsers(mocks: Mocks, count: number, prefix = 'load'): LoadUser[] {
  const ks = mocks.keystone.store;
  const publicNames = mocks.glance.store
    .list({ projectId: 'nobody', isAdmin: false }, { tags: [], sort: [] })
    .map((i) => i.name);
  return Array.from({ length: count }, (_, i) => {
    const id = `${prefix}u${String(i).padStart(27, '0')}`.slice(0, 32);
    const project = `${prefix}p${String(i).padStart(27, '0')}`.slice(0, 32);
    ks.seed.users.push({ id, name: `${prefix}-user-${i}`, domain_id: 'default', password: `pw-${i}` });
    ks.seed.projects.push({ id: project, name: `${prefix}-project-${i}`, domain_id: 'default' });
    ks.seed.assignments.push({ user: id, project, role: 'member' });
    const hex = i.toString(16).padStart(12, '0');
    mocks.glance.store.images.push(
      completeImage({
        id: `0000${prefix.length.toString(16).padStart(4, '0')}-0000-4000-8000-${hex}`,
        name: `${prefix}-image-of-${i}`,
        owner: project,
        visibility: 'private',
        created_at: '2027-01-01T00:00:00Z',
      }),
    );
    return {
      id,
      token: ks.issue(id, ['password'], { project }).id,
      expected: [`${prefix}-image-of-${i}`, ...publicNames],
    };
  });
}

/**
 * A user of its own in the mock Keystone, with the service role on the service project, as the service's
 * user has: a test changes its password (the returned seed entry) to refuse or accept the service.
 */
export function addServiceUser(mocks: Pick<Mocks, 'keystone'>, name: string, password: string) {
  const store = mocks.keystone.store;
  const id = `${name.replace(/[^a-z0-9]/g, '')}${'0'.repeat(32)}`.slice(0, 32);
  const user = { id, name, domain_id: 'default', password };
  store.seed.users.push(user);
  store.seed.assignments.push({ user: id, project: 'service', role: 'service' });
  return user;
}

/** A token from one of demo's seeded application credentials (src/mocks/keystone/seed.json; secret `<name>-secret`). */
export function appCredToken(
  keystoneUrl: string,
  name: 'demo-images-only' | 'demo-images-chain' | 'demo-compute-only' | 'demo-no-rules',
): Promise<string> {
  return issue(keystoneUrl, name, {
    identity: {
      methods: ['application_credential'],
      application_credential: { name, secret: `${name}-secret`, user: { name: 'demo', domain: { name: 'Default' } } },
    },
  });
}
