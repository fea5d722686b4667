// Test harness: the mock Keystone, the mock Glance and the service, each on port 0 in this process, with
// log lines captured so tests can read them.
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { createApp } from '../../src/app.js';
import { PasswordPlugin } from '../../src/keystoneauth/password.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger, type Logger } from '../../src/common/logger.js';
import { completeImage } from '../../src/mocks/glance/store.js';
import { startMockCloud, type MockCloud } from '../../src/mocks/cloud.js';
import type { Readiness } from '../../src/readiness.js';
import type { Session } from '../../src/keystoneauth/session.js';
import { createServices } from '../../src/services.js';

export const USERS = {
  demo: { username: 'demo', password: 'demopw', projectName: 'demo', userDomainName: 'Default', projectDomainName: 'Default' },
  alt: { username: 'alt', password: 'altpw', projectName: 'alt', userDomainName: 'Default', projectDomainName: 'Default' },
  wile: { username: 'wile', password: 'wilepw', projectName: 'dev', userDomainName: 'acme', projectDomainName: 'acme' },
  admin: { username: 'admin', password: 'adminpw', projectName: 'admin', userDomainName: 'Default', projectDomainName: 'Default' },
  glance: { username: 'glance', password: 'glancepw', projectName: 'service', userDomainName: 'Default', projectDomainName: 'Default' },
  service: { username: 'image-names', password: 'image-names-pw', projectName: 'service', userDomainName: 'Default', projectDomainName: 'Default' },
  nobody: { username: 'nobody', password: 'nobodypw', projectName: 'demo', userDomainName: 'Default', projectDomainName: 'Default' },
} as const;

/** A logger whose lines land in `lines` (parsed) and `raw`. */
export function captureLogger(level = 'trace'): { logger: Logger; lines: Record<string, unknown>[]; raw: string[] } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { logger: createLogger({ level, destination }), lines, raw };
}

export type Mocks = MockCloud;

/** The mock cloud on free ports, with /__mock/ control on. */
export function startMocks({ generate = 0 } = {}): Promise<Mocks> {
  return startMockCloud({ keystone: { port: 0, control: true }, glance: { port: 0, control: true, generate } });
}

export function serviceConfig(keystoneUrl: string, overrides: Record<string, Record<string, unknown>> = {}): Config {
  return loadConfig({
    env: {},
    configDir: '/nonexistent',
    overrides: {
      ...overrides,
      server: { port: 0, ...overrides.server },
      keystone_authtoken: { auth_url: keystoneUrl, username: 'image-names', password: 'image-names-pw', ...overrides.keystone_authtoken },
      communication: { retry_delay: 0.01, ...overrides.communication },
    },
  });
}

export interface Service {
  url: string;
  session: Session;
  readiness: Readiness;
  lines: Record<string, unknown>[];
  raw: string[];
  close(): Promise<void>;
}

/** The service app on port 0 (no server.ts: tests own the listen). */
export async function startService(config: Config, { level = 'trace', now }: { level?: string; now?: () => number } = {}): Promise<Service> {
  const { logger, lines, raw } = captureLogger(level);
  const services = createServices(config, logger, { now });
  const served = await serveOnPort0(createApp(services).callback());
  return {
    url: served.url,
    session: services.session,
    readiness: services.readiness,
    lines,
    raw,
    close: async () => {
      await served.close();
      await services.close();
    },
  };
}

/** Serve a request handler on a free loopback port; close() also drops open keep-alive connections. */
export async function serveOnPort0(handler: (req: http.IncomingMessage, res: http.ServerResponse) => unknown): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A token for a seeded user, straight from the mock Keystone. */
export async function tokenFor(keystoneUrl: string, user: keyof typeof USERS): Promise<string> {
  const u = USERS[user];
  const res = await fetch(`${keystoneUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: u.username, password: u.password, domain: { name: u.userDomainName } } } },
        scope: { project: { name: u.projectName, domain: { name: u.projectDomainName } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`token for ${user}: ${res.status} ${await res.text()}`);
  return res.headers.get('x-subject-token')!;
}

export function passwordPlugin(keystoneUrl: string, user: keyof typeof USERS, options = {}): PasswordPlugin {
  return new PasswordPlugin({ authUrl: keystoneUrl, ...USERS[user] }, options);
}

export async function setFaults(baseUrl: string, faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${baseUrl}/__mock/faults`, { method: 'PUT', body: JSON.stringify(faults), headers: { 'content-type': 'application/json' } });
  if (!res.ok) throw new Error(`set faults: ${res.status}`);
}

export async function stats(baseUrl: string): Promise<{ counters: Record<string, number> }> {
  return (await (await fetch(`${baseUrl}/__mock/stats`)).json()) as { counters: Record<string, number> };
}

/** GET with undici's fetch, JSON parsed. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
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
      completeImage({ id: `0000${prefix.length.toString(16).padStart(4, '0')}-0000-4000-8000-${hex}`, name: `${prefix}-image-of-${i}`, owner: project, visibility: 'private', created_at: '2027-01-01T00:00:00Z' }),
    );
    return { id, token: ks.issue(id, ['password'], { project }).id, expected: [`${prefix}-image-of-${i}`, ...publicNames] };
  });
}
