// SIGTERM during load: accepted requests complete with 200, later connections are refused, exit 0 in time; past
// the grace period, upstream calls still in flight are abandoned so the process stops within a small margin.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { CLOSE_MARGIN_SECONDS, startService } from '../../src/server.js';
import { captureLogger } from '../helpers/logs.js';
import { releaseHeld, setFaults, startMocks, stats, tokenFor, type Mocks, USERS } from '../helpers/mocks.js';
import { serviceConfig } from '../helpers/service.js';
import { waitFor } from '../helpers/net.js';
import { assertDocumented, type ObservedResponse } from '../helpers/openapi.js';
import { startChild } from '../helpers/process.js';

let mocks: Mocks;
before(async () => {
  mocks = await startMocks();
});
after(() => mocks.close());

test('SIGTERM under load: in-flight requests finish, then exit 0 within the grace period', async () => {
  const child = startChild(['src/server.ts'], {
    OS_SERVER__PORT: '0',
    // Far beyond the 1 s a drain takes here, so that a loaded machine cannot turn a drain into a cut-off.
    OS_SERVER__SHUTDOWN_GRACE: '60',
    OS_KEYSTONE_AUTHTOKEN__AUTH_URL: mocks.keystoneUrl,
    OS_KEYSTONE_AUTHTOKEN__USERNAME: USERS.service.username,
    OS_KEYSTONE_AUTHTOKEN__PASSWORD: USERS.service.password,
    OS_LOG__LEVEL: 'info',
  });
  const { url } = JSON.parse(await child.waitForLine(/service listening/)) as { url: string };
  const token = await tokenFor(mocks.keystoneUrl, 'demo');
  await setFaults(mocks.glance.url, { latencyMs: 1000, pathPrefix: '/v2/' }); // keep requests in flight
  const atGlance = async () => (await stats(mocks.glance.url)).counters.requests ?? 0;
  const glanceBefore = await atGlance();
  const agent = new Agent({ connections: 20 });
  const results: { status?: number; error?: string; sentAfterSignal: boolean; doneAfterSignal: boolean }[] = [];
  // Every response received, checked against the OpenAPI document once the load is over.
  const responses: ObservedResponse[] = [];
  let sent = 0;
  let signalled = false;
  let exited = false;
  void child.exited.then(() => (exited = true));
  // Load has built up once a few rounds have completed (stop waiting if the process died).
  let loaded!: () => void;
  const built = Promise.race([
    new Promise<void>((resolve) => (loaded = resolve)),
    child.exited.then(() => assert.fail(`exited under load:\n${child.stdout()}`)),
  ]);
  // Closed around the signal: no worker sends meanwhile.
  let gate: Promise<void> | undefined;
  try {
    // Each worker keeps sending until the process is gone: before the signal, while it drains, and after it
    // stopped listening (refused connections), whatever the pace of the machine.
    const workers = Array.from({ length: 20 }, async () => {
      while (!exited) {
        if (gate) await gate;
        if (exited) break;
        const sentAfterSignal = signalled;
        sent++;
        try {
          const res = await request(`${url}/`, { headers: { 'x-auth-token': token }, dispatcher: agent });
          const body = await res.body.text();
          responses.push({ method: 'GET', url, status: res.statusCode, headers: res.headers, body });
          results.push({ status: res.statusCode, sentAfterSignal, doneAfterSignal: signalled });
          if (results.length >= 40) loaded();
        } catch (err) {
          results.push({
            error: (err as NodeJS.ErrnoException).code ?? (err as Error).message,
            sentAfterSignal,
            doneAfterSignal: signalled,
          });
          if (sentAfterSignal) await new Promise((r) => setImmediate(r));
        }
      }
    });
    await built;
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    // Signal only once every request sent so far is inside the service (Glance holds each for 1 s): a request
    // still on its way would race the signal, as a keep-alive connection the server sees idle is closed.
    await waitFor(async () => (await atGlance()) - glanceBefore >= sent, 'every request sent so far inside Glance');
    signalled = true;
    child.proc.kill('SIGTERM');
    open();
    await Promise.all(workers);
    for (const response of responses) assertDocumented(response);
    const { code } = await child.exited;
    assert.equal(code, 0, 'a drained shutdown exits 0');
    // Within the grace period: drained, not cut off when the 60 s were over (that exit is 0 as well).
    assert.match(child.stdout(), /"outcome":"drained"/, 'drained, not cut off at the grace period');
    // Everything sent before the signal completed with 200, some of it while draining; afterwards only 200s
    // (drained on a live connection) or refused/closed connections, never a 5xx.
    const before = results.filter((r) => !r.sentAfterSignal);
    assert.ok(
      before.every((r) => r.status === 200),
      JSON.stringify(before.filter((r) => r.status !== 200).slice(0, 3)),
    );
    assert.ok(
      before.some((r) => r.doneAfterSignal),
      'no request was in flight at the signal',
    );
    const afterwards = results.filter((r) => r.sentAfterSignal);
    assert.ok(afterwards.length > 0, 'no request was sent after the signal');
    assert.ok(
      afterwards.every((r) => r.status === 200 || r.error !== undefined),
      JSON.stringify(afterwards.slice(0, 3)),
    );
  } finally {
    await agent.close();
    await setFaults(mocks.glance.url, {});
  }
});

test('past shutdown_grace, a validation held by a hanging Keystone is abandoned: shutdown ends within the margin', async (t) => {
  // In this process (server.ts's startService): a 1 s grace, and a validation timeout far beyond the test, so
  // that only the abandonment can end the held call. Keystone holds every validation until the test ends.
  const config = serviceConfig(mocks.keystoneUrl, {
    server: { shutdown_grace: 1 },
    keystone_authtoken: { timeout: 600 },
  });
  const { logger, lines } = captureLogger('info');
  const service = await startService(config, logger);
  t.after(() => service.shutdown('test end'));
  await waitFor(() => lines.some((l) => l.msg === 'service user authenticated with Keystone'), 'the service user');
  await setFaults(mocks.keystone.url, { hang: true, pathPrefix: '/v3/auth/tokens' });
  t.after(async () => {
    await setFaults(mocks.keystone.url, {});
    await releaseHeld(mocks.keystone.url);
  });
  const counters = async () => (await stats(mocks.keystone.url)).counters;
  const held = (await counters()).held ?? 0;
  const caller = fetch(`${service.url}/`, { headers: { 'X-Auth-Token': 'never-validated-token' } }).catch(
    (err: Error) => err,
  );
  await waitFor(async () => ((await counters()).held ?? 0) > held, 'the validation held by Keystone');
  const abandoned = (await counters()).abandoned ?? 0;
  const started = performance.now();
  await service.shutdown('SIGTERM');
  const seconds = (performance.now() - started) / 1000;
  assert.ok(
    seconds < 1 + CLOSE_MARGIN_SECONDS,
    `shutdown took ${seconds.toFixed(1)} s: within shutdown_grace (1 s) + the margin, not the validation's 600 s`,
  );
  assert.ok((await caller) instanceof Error, 'the caller, cut off at the end of the grace period, got no answer');
  await waitFor(async () => ((await counters()).abandoned ?? 0) > abandoned, 'Keystone sees the validation abandoned');
  assert.ok(
    lines.some((l) => l.msg === 'stopped' && l.outcome === 'timeout'),
    'stopped at the grace period',
  );
  assert.ok(
    !lines.some(
      (l) => l.msg === 'request aborted by the client' || l.msg === 'client went away; upstream calls aborted',
    ),
    "our own cut-off is not logged as the client's abort",
  );
  assert.deepEqual(
    lines
      .filter((l) => l.msg === 'request cut off: the service shut down at the end of its grace period')
      .map((l) => l.level),
    [40],
    'one warn access line says the service cut the request off',
  );
  assert.ok(!lines.some((l) => (l.level as number) >= 50), 'nothing at error level: the abandonment is no failure');
});
