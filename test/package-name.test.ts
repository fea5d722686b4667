// One name: a copy of the project whose package.json says another name reports that name everywhere it
// reports itself. The copy (src/, the probe, tsconfig.json, package.json renamed, node_modules linked) runs as
// a real process against the mock cloud of this test process, whose Keystone seeds the renamed service's
// user; the test reads the copy's log lines, what the mocks received, and the probe's derived names.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SERVICE_NAME, VERSION } from '../src/common/package-info.js';
import { startMockCloud, type MockCloud } from '../src/mocks/cloud.js';
import { tokenFor } from './helpers/mocks.js';
import { OTHER_NAME } from './helpers/names.js';

const ROOT = path.resolve(import.meta.dirname, '..');
// Never the project's own name, whatever a fork called it.
const NEW_NAME = OTHER_NAME;

/** The project copied into a temporary directory with package.json's name changed. */
function renamedCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'renamed-'));
  fs.cpSync(path.join(ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'test/helpers'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'test/helpers/identity-probe.ts'), path.join(dir, 'test/helpers/identity-probe.ts'));
  fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...pkg, name: NEW_NAME }));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

interface Run {
  proc: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  stderr: () => string;
  /** The first stdout line (parsed) that `match` accepts; rejects if the process exits first. No timer. */
  line(match: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** `node --import tsx <script> <args>` in `cwd`, with only `env` (and PATH). */
function run(cwd: string, script: string, env: Record<string, string> = {}, args: string[] = []): Run {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: proc.stdout }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters) w();
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const parsed = (l: string) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const line = (match: (entry: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.map(parsed).find((e) => e !== undefined && match(e));
        if (!found) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
      void exited.then(() => reject(new Error(`exited first; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`)));
    });
  return { proc, lines, stderr: () => stderr, line, exited };
}

// Undefined until `before` made them: a failed start must not make `after` fail too and hide why.
let copy: string | undefined;
let mocks: MockCloud | undefined;
const started = () => {
  assert.ok(copy !== undefined && mocks !== undefined, 'the renamed copy and the mock cloud were set up');
  return { copy, mocks };
};
before(async () => {
  assert.notEqual(SERVICE_NAME, NEW_NAME, 'the copy must be renamed to a name the project does not have');
  copy = renamedCopy();
  // The mock Keystone's service user and catalog type follow the name it is given: the renamed one.
  mocks = await startMockCloud({
    keystone: { port: 0, control: true, service_name: NEW_NAME },
    glance: { port: 0, control: true },
  });
});
after(async () => {
  await mocks?.close();
  if (copy !== undefined) fs.rmSync(copy, { recursive: true, force: true });
});

test('the renamed service logs, starts, calls Keystone and Glance and stops under the new name', async () => {
  const { copy, mocks } = started();
  const service = run(copy, 'src/server.ts', {
    OS_SERVER__PORT: '0',
    OS_KEYSTONE_AUTHTOKEN__AUTH_URL: mocks.keystoneUrl,
    // No USERNAME: its default is the package's name, which is the mock Keystone's service user.
    OS_KEYSTONE_AUTHTOKEN__PASSWORD: `${NEW_NAME}-pw`,
    NODE_ENV: 'test',
  });
  try {
    const listening = await service.line((e) => typeof e.url === 'string');
    assert.equal(listening.msg, `${NEW_NAME} service listening`, 'the start line names the new name');
    assert.equal(listening.version, VERSION, 'and the version from package.json');
    const config = listening.config as { keystone_authtoken: { username: string } };
    assert.equal(config.keystone_authtoken.username, NEW_NAME, "the Keystone user defaults to the package's name");
    await service.line((e) => e.msg === 'service user authenticated with Keystone');
    const agent = `${NEW_NAME}/${VERSION}`;
    assert.ok(
      mocks.keystone.control.userAgents.includes(agent),
      `Keystone saw ${agent}: ${mocks.keystone.control.userAgents.join()}`,
    );

    const token = await tokenFor(mocks.keystoneUrl, 'demo');
    const res = await fetch(`${String(listening.url)}/`, { headers: { 'X-Auth-Token': token } });
    assert.equal(res.status, 200, `the renamed service serves: ${await res.clone().text()}`);
    assert.ok(
      mocks.glance.control.userAgents.includes(agent),
      `Glance saw ${agent}: ${mocks.glance.control.userAgents.join()}`,
    );

    service.proc.kill('SIGTERM');
    assert.equal(await service.exited, 0, `a clean stop: ${service.stderr()}`);
    const entries = service.lines.map((l) => JSON.parse(l) as { service?: string; msg?: string });
    assert.ok(
      entries.some((e) => e.msg === 'stopped'),
      'the log runs until the stop',
    );
    for (const e of entries) assert.equal(e.service, NEW_NAME, `every log line's service field: ${JSON.stringify(e)}`);
    assert.ok(!service.lines.join('\n').includes(SERVICE_NAME), `the old name appears in no log line`);
  } finally {
    service.proc.kill('SIGKILL');
  }
});

test('an invalid configuration or command line is reported under the new name', async () => {
  const { copy } = started();
  const service = run(copy, 'src/server.ts', { OS_SERVER__PORT: 'not-a-port' });
  assert.equal(await service.exited, 1, 'the start is refused');
  assert.match(service.stderr(), new RegExp(`^${NEW_NAME}: invalid configuration\n`), 'the first line names it');
  const usage = run(copy, 'src/server.ts', {}, ['--bogus']);
  assert.equal(await usage.exited, 2, 'a usage error');
  assert.match(usage.stderr(), new RegExp(`^${NEW_NAME}: Unknown option '--bogus'`), 'its line names it');
});

test('what the copy derives from the name: user, User-Agent, memcached keys, OpenTelemetry, tracer, mocks', async () => {
  const { copy } = started();
  const probe = run(copy, 'test/helpers/identity-probe.ts');
  const derived = await probe.line(() => true);
  assert.equal(await probe.exited, 0, `the probe ran: ${probe.stderr()}`);
  assert.equal(derived.username, NEW_NAME, 'keystone_authtoken.username defaults to the name');
  assert.equal(derived.userAgent, `${NEW_NAME}/${VERSION}`, 'communication.user_agent defaults to name/version');
  assert.deepEqual(derived.cachePrefixes, [`${NEW_NAME}/v2/token/`, `${NEW_NAME}/v2/catalog/`], 'memcached prefixes');
  for (const key of derived.cacheKeys as string[])
    assert.ok(key.startsWith(`${NEW_NAME}/v2/token/`), `every strategy's memcached key carries the name: ${key}`);
  assert.equal(derived.otelServiceName, NEW_NAME, "OpenTelemetry's service name defaults to the name");
  assert.equal(derived.otelServiceNameFromEnv, null, 'OTEL_SERVICE_NAME, when set, is left to the SDK');
  assert.equal(derived.tracer, NEW_NAME, 'the tracer is named after the package');
  assert.equal(derived.mockServiceName, NEW_NAME, "the mock Keystone seeds the package's name by default");
  assert.equal(derived.samplePath, `etc/${NEW_NAME}.conf.sample`, 'the sample configuration file is named after it');
});
