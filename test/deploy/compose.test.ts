// docker-compose.yml checked without running it (CI runs it: scripts/compose-smoke.sh): every published host
// port can be moved from .env, with the container's own port as its default; every variable the file reads
// is in .env.example with the file's default; each container listens on the port compose publishes; and
// every password given to a client of the mock Keystone is the one the mock Keystone seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as yaml from 'js-yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface ComposeService {
  ports?: string[];
  environment?: Record<string, string>;
}

// With YAML 1.1's merge keys (`<<: *replica-env`), which compose applies and js-yaml 5 leaves off by default.
const compose = yaml.load(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), {
  schema: yaml.CORE_SCHEMA.withTags(yaml.mergeTag),
}) as { services: Record<string, ComposeService> };
const services = compose.services;

/** Every string in the file's values (comments are not values). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** .env.example as compose reads a .env: KEY=VALUE lines, comments and blank lines skipped. */
const envExample = new Map(
  fs
    .readFileSync(path.join(ROOT, '.env.example'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as const;
    }),
);

// "${PUBLISH_ADDRESS:-127.0.0.1}:${VAR:-default}:container", and nothing else: loopback unless the operator
// says otherwise, no fixed host port, no range.
const PUBLISHED = /^\$\{PUBLISH_ADDRESS:-127\.0\.0\.1\}:\$\{([A-Z][A-Z0-9_]*):-(\d+)\}:(\d+)$/;

/** Every published port: the service, the variable, its default and the container port. */
function publishedPorts() {
  return Object.entries(services).flatMap(([name, service]) =>
    (service.ports ?? []).map((entry) => {
      const match = PUBLISHED.exec(entry);
      assert.ok(match, `${name}: the published port ${JSON.stringify(entry)} is "\${PUBLISH_ADDRESS:-127.0.0.1}:\${VAR:-default}:port"`);
      const [, variable = '', fallback = '', target = ''] = match;
      return { name, variable, fallback, target: Number(target) };
    }),
  );
}

test("every published host port is `${VAR:-default}`, defaulting to the container's own port", () => {
  const ports = publishedPorts();
  assert.deepEqual(
    ports.map((p) => `${p.name} ${p.variable}`).sort(),
    ['glance GLANCE_PORT', 'keystone KEYSTONE_PORT', 'lb LB_PORT', 'service SERVICE_PORT'],
    'the four published ports, each with a variable of its own',
  );
  for (const { name, fallback, target } of ports)
    assert.equal(Number(fallback), target, `${name}: by default the host port is the container's, as before`);
});

test('each variable of a published port is in .env.example with the same default', () => {
  for (const { name, variable, fallback } of publishedPorts())
    assert.equal(envExample.get(variable), fallback, `${name}: .env.example sets ${variable}=${fallback}`);
});

test('every variable docker-compose.yml reads is in .env.example', () => {
  const used = new Set(strings(compose).flatMap((s) => [...s.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!)));
  assert.ok(used.size >= 6, `the file's variables, not an empty list: ${[...used].join(' ')}`);
  for (const variable of used) assert.ok(envExample.has(variable), `${variable} is in .env.example`);
});

test('each container listens on the port compose publishes', () => {
  const listens: Record<string, string | undefined> = {
    keystone: services.keystone?.environment?.OS_MOCK_KEYSTONE__PORT,
    glance: services.glance?.environment?.OS_MOCK_GLANCE__PORT,
    service: services.service?.environment?.OS_SERVER__PORT,
    lb: /^\s*listen (\d+);/m.exec(fs.readFileSync(path.join(ROOT, 'deploy/lb/nginx.conf'), 'utf8'))?.[1],
  };
  for (const { name, target } of publishedPorts())
    assert.equal(Number(listens[name]), target, `${name} listens on its published container port ${target}`);
});

test("every password a client of the mock Keystone logs in with is the one the mock Keystone seeds", () => {
  const keystone = services.keystone?.environment ?? {};
  assert.match(keystone.OS_MOCK_KEYSTONE__GLANCE_PASSWORD ?? '', /^\$\{GLANCE_PASSWORD:-/, 'glance: from .env');
  assert.match(keystone.OS_MOCK_KEYSTONE__SERVICE_PASSWORD ?? '', /^\$\{SERVICE_PASSWORD:-/, 'service: from .env');
  assert.equal(
    services.glance?.environment?.OS_MOCK_GLANCE__PASSWORD,
    keystone.OS_MOCK_KEYSTONE__GLANCE_PASSWORD,
    "the mock Glance's user has the password the mock Keystone seeds it with",
  );
  for (const name of ['service', 'service-a', 'service-b'])
    assert.equal(
      services[name]?.environment?.OS_KEYSTONE_AUTHTOKEN__PASSWORD,
      keystone.OS_MOCK_KEYSTONE__SERVICE_PASSWORD,
      `${name}'s service user has the password the mock Keystone seeds it with`,
    );
});
