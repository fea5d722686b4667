// The real process: SIGTERM drains in-flight requests, refuses new connections and exits 0; a second
// signal exits at once. Every start logs the configuration's warnings; bad configuration exits 1 before listening.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { SERVICE_NAME } from '../src/common/package-info.js';
import { startService } from '../src/server.js';
import { configWarnings } from '../src/config/warnings.js';
import { getDocumented } from './helpers/http.js';
import { captureLogger } from './helpers/logs.js';
import { setFaults, startMocks, stats, tokenFor, type Mocks, USERS } from './helpers/mocks.js';
import { startChild } from './helpers/process.js';
import { listen, waitFor } from './helpers/net.js';
import { serviceConfig } from './helpers/service.js';

let mocks: Mocks;
before(async () => {
  mocks = await startMocks();
});
after(() => mocks.close());

function serverEnv(): Record<string, string> {
  return {
    OS_SERVER__PORT: '0',
    OS_KEYSTONE_AUTHTOKEN__AUTH_URL: mocks.keystoneUrl,
    OS_KEYSTONE_AUTHTOKEN__USERNAME: USERS.service.username,
    OS_KEYSTONE_AUTHTOKEN__PASSWORD: USERS.service.password,
    OS_SERVER__SHUTDOWN_GRACE: '20',
    NODE_ENV: 'test',
  };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

test('SIGTERM: a slow in-flight request completes, new connections are refused, exit code 0', async () => {
  const child = startChild(['src/server.ts'], serverEnv());
  const listening = JSON.parse(await child.waitForLine(/service listening/)) as { url: string };
  const port = Number(new URL(listening.url).port);
  const token = await tokenFor(mocks.keystoneUrl, 'demo');
  assert.equal(
    (await getDocumented(`${listening.url}/`, { 'X-Auth-Token': token })).status,
    200,
    'the service answers before the signal',
  );

  await setFaults(mocks.glance.url, { latencyMs: 1500, pathPrefix: '/v2/' });
  try {
    const arrived = async () => (await stats(mocks.glance.url)).counters.requests ?? 0;
    const before = await arrived();
    const slow = getDocumented(`${listening.url}/`, { 'X-Auth-Token': token });
    // Signal only once the request is inside the service, waiting on Glance.
    await waitFor(async () => (await arrived()) > before, 'the slow request inside the service, waiting on Glance');
    child.proc.kill('SIGTERM');
    await child.waitForLine(/shutting down/);
    // The listening socket closes asynchronously right after that line: poll.
    await waitFor(() => refused(port), 'connections refused once the service is draining');
    assert.equal(await refused(port), true, 'new connections must be refused once draining');
    const res = await slow;
    assert.equal(res.status, 200, 'the request in flight at SIGTERM completes with 200');
    assert.ok((res.body as string[]).length > 0, "with the demo user's image names");
    const { code } = await child.exited;
    assert.equal(code, 0, 'a drained shutdown exits 0');
    assert.match(
      child.stdout(),
      /"outcome":"drained"/,
      'the shutdown log line says drained, not cut off at the grace period',
    );
  } finally {
    await setFaults(mocks.glance.url, {});
  }
});

test('--config-file: the service starts from the file and logs what its sources warned about', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'server-')), 'image-names.conf');
  fs.writeFileSync(
    file,
    `[keystone_authtoken]\npassword = ${USERS.service.password}\ninsecure = false\nhttp_connect_timeout = 5\n`,
  );
  const { OS_KEYSTONE_AUTHTOKEN__PASSWORD: _fromFile, ...env } = serverEnv();
  const child = startChild(['src/server.ts', '--config-file', file], env);
  const listening = JSON.parse(await child.waitForLine(/service listening/)) as { url: string };
  const token = await tokenFor(mocks.keystoneUrl, 'demo');
  const res = await fetch(`${listening.url}/`, { headers: { 'X-Auth-Token': token } });
  assert.equal(res.status, 200, "the service user's password came from the file");
  const warnings = child
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level === 40)
    .map((l) => l.msg);
  assert.ok(
    warnings.some((m) => m.includes('[keystone_authtoken] insecure: deprecated name, use [communication] insecure')),
    `the alias warning is logged: ${warnings.join(' | ')}`,
  );
  assert.ok(
    warnings.some((m) => m.includes('does not implement, ignored') && m.includes('http_connect_timeout')),
    'the ignored upstream option is logged',
  );
  assert.ok(!child.stdout().includes(USERS.service.password), 'the password from the file is never logged');
  child.proc.kill('SIGTERM');
  assert.equal((await child.exited).code, 0, 'drains and exits 0');
});

test('a second signal exits at once', async () => {
  const child = startChild(['src/server.ts'], serverEnv());
  const listening = JSON.parse(await child.waitForLine(/service listening/)) as { url: string };
  const token = await tokenFor(mocks.keystoneUrl, 'demo');
  await setFaults(mocks.glance.url, { hang: true, pathPrefix: '/v2/' });
  try {
    const stuck = fetch(`${listening.url}/`, { headers: { 'X-Auth-Token': token } }).catch((e: Error) => e);
    const held = async () => (await stats(mocks.glance.url)).counters.held ?? 0;
    const start = await held();
    await waitFor(async () => (await held()) > start, 'the request held at Glance');
    child.proc.kill('SIGTERM');
    await child.waitForLine(/shutting down/);
    child.proc.kill('SIGINT');
    // Glance never answers, so the drain could only end with the 20 s grace period, and that exit is 0 after
    // "grace period over". Exit 1 with the second-signal line is the immediate exit; no stopwatch needed.
    const { code } = await child.exited;
    assert.equal(code, 1, 'a second signal exits at once, with 1');
    assert.match(child.stdout(), /second signal: exiting now/, 'the second signal is logged');
    assert.doesNotMatch(child.stdout(), /grace period over/, 'it did not wait for the grace period');
    await stuck;
  } finally {
    await setFaults(mocks.glance.url, {});
  }
});

test('every start logs each configuration warning as one warn line, before listening', async () => {
  const config = serviceConfig(mocks.keystoneUrl, {
    communication: { insecure: true },
    keystone_authtoken: { memcached_servers: ['127.0.0.1:1'], memcache_allow_unprotected: true },
  });
  const expected = configWarnings(config);
  assert.equal(expected.length, 2, 'insecure and the unprotected memcached');
  for (let start = 0; start < 2; start++) {
    const { logger, lines } = captureLogger('info');
    const service = await startService(config, logger);
    await service.shutdown('test');
    const warned = lines.filter((l) => l.level === 40 && expected.includes(l.msg as string)).map((l) => l.msg);
    assert.deepEqual(warned, expected, `start ${start + 1}: one warn line per warning`);
    const listening = lines.findIndex((l) => l.msg === `${SERVICE_NAME} service listening`);
    assert.ok(lines.findIndex((l) => l.msg === expected[0]) < listening, 'warned before listening');
  }
});

test('the server exits 1 on bad configuration, one readable line per problem, no stack trace', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      PATH: process.env.PATH,
      OS_SERVER__PORT: 'seventy',
      OS_KEYSTONE_AUTHTOKEN__AUTH_URL: 'not a url',
      OS_KEYSTONE_AUTHTOKEN__AUTHURL: 'http://k/v3',
      OS_COMMUNICATION__INSECURE: 'maybe',
    },
    encoding: 'utf8',
    // Only a bound on a hung start, not the thing under test: generous for a loaded machine.
    timeout: 120_000,
  });
  assert.equal(result.status, 1, 'bad configuration exits 1');
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines[0], `${SERVICE_NAME}: invalid configuration`, 'one headline naming the problem');
  assert.ok(
    lines.some((l) => l.includes('OS_SERVER__PORT')),
    'the bad port is named by its env var',
  );
  assert.ok(
    lines.some((l) => l.includes('OS_KEYSTONE_AUTHTOKEN__AUTH_URL')),
    'the bad auth URL is named by its env var',
  );
  assert.ok(
    lines.some((l) => l.includes('OS_KEYSTONE_AUTHTOKEN__PASSWORD')),
    'the missing password is named by its env var',
  );
  assert.ok(
    lines.some((l) => l.includes('unknown option (env OS_KEYSTONE_AUTHTOKEN__AUTHURL')),
    'the stray variable is named',
  );
  assert.ok(
    lines.some((l) => l.includes('communication.insecure: must be true or false')),
    'the bad boolean is named',
  );
  assert.doesNotMatch(
    result.stderr,
    /\n\s+at /,
    "no stack trace: a configuration error is the operator's, not a crash",
  );
});

test('by default /metrics is served on the API port, and there is no second listener', async () => {
  const service = await startService(serviceConfig(mocks.keystoneUrl), captureLogger('silent').logger);
  try {
    assert.equal(service.metrics, undefined, 'no metrics listener unless server.metrics_port asks for one');
    const res = await fetch(`${service.url}/metrics`);
    assert.equal(res.status, 200, '/metrics on the API port, as before metrics_port existed');
    assert.match(await res.text(), /# TYPE http_request_duration_seconds histogram/, "Prometheus' text format");
  } finally {
    await service.shutdown('test');
  }
  assert.equal(service.server.listening, false, 'shutdown closed the API port');
});

test('metrics_port: /metrics alone on a listener of its own, gone from the API port; shutdown closes both', async () => {
  const { logger, lines } = captureLogger('info');
  const service = await startService(serviceConfig(mocks.keystoneUrl, { server: { metrics_port: 0 } }), logger);
  const { metrics } = service;
  try {
    assert.ok(metrics, 'a second listener');
    const [api, own] = ports(service.url, metrics.url);
    assert.notEqual(api, own, 'port 0 for both: two free ports');
    const listening = lines.find((l) => l.msg === `${SERVICE_NAME} service listening`);
    assert.deepEqual([listening?.url, listening?.metrics_url], [service.url, metrics.url], 'both URLs logged');
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200, 'the API port serves the probes');
    const scrape = await fetch(`${metrics.url}/metrics`);
    assert.equal(scrape.status, 200, '/metrics on its own port');
    assert.match(
      await scrape.text(),
      /http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1/,
      "the API port's requests, counted in the one registry",
    );
    assert.equal((await fetch(`${service.url}/metrics`)).status, 404, 'the API port no longer serves /metrics');
    for (const path of ['/', '/images', '/healthz', '/readyz'])
      assert.equal(
        (await fetch(`${metrics.url}${path}`)).status,
        404,
        `the metrics port serves nothing but /metrics: ${path}`,
      );
  } finally {
    await service.shutdown('test');
  }
  assert.equal(service.server.listening, false, 'shutdown closed the API port');
  assert.equal(metrics.server.listening, false, 'and the metrics port');
  for (const port of ports(service.url, metrics.url))
    assert.equal(await refused(port), true, `port ${port} refuses connections after shutdown`);
});

test('metrics_port taken: the start fails, and the API port it had opened is let go', async (t) => {
  const taken = await listen(net.createServer());
  t.after(() => taken.close());
  // A spy that calls the real listen and records each server it was called on.
  const listenCalls = t.mock.method(http.Server.prototype, 'listen');
  const config = serviceConfig(mocks.keystoneUrl, { server: { metrics_port: taken.port } });
  await assert.rejects(startService(config, captureLogger('silent').logger), /EADDRINUSE/, 'the port is in use');
  const opened = listenCalls.mock.calls.map((call) => call.this as http.Server);
  assert.equal(opened.length, 2, 'the API port, then the metrics port, were asked for');
  assert.deepEqual(
    opened.map((s) => s.listening),
    [false, false],
    'neither is left listening',
  );
});

function ports(...urls: string[]): number[] {
  return urls.map((u) => Number(new URL(u).port));
}
