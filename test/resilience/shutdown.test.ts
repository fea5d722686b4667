// SIGTERM during load: accepted requests complete with 200, later connections are refused, exit 0 in time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { setFaults, startMocks, tokenFor, type Mocks } from '../helpers/mocks.js';
import { startChild } from '../helpers/process.js';

let mocks: Mocks;
before(async () => {
  mocks = await startMocks();
});
after(() => mocks.close());

test('SIGTERM under load: in-flight requests finish, then exit 0 within the grace period', { timeout: 60_000 }, async () => {
  const child = startChild(['src/server.ts'], {
    OS_SERVER__PORT: '0',
    OS_SERVER__SHUTDOWN_GRACE: '10',
    OS_KEYSTONE_AUTHTOKEN__AUTH_URL: mocks.keystoneUrl,
    OS_KEYSTONE_AUTHTOKEN__USERNAME: 'image-names',
    OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'image-names-pw',
    OS_LOG__LEVEL: 'info',
  });
  const { url } = JSON.parse(await child.waitForLine(/service listening/)) as { url: string };
  const token = await tokenFor(mocks.keystoneUrl, 'demo');
  await setFaults(mocks.glance.url, { latencyMs: 300, pathPrefix: '/v2/' }); // keep requests in flight
  const agent = new Agent({ connections: 20 });
  const results: { status?: number; error?: string; sentAfterSignal: boolean }[] = [];
  let signalled = false;
  let signalledAt = 0;
  try {
    const workers = Array.from({ length: 20 }, async () => {
      while (!signalled || Date.now() - signalledAt < 1000) {
        const sentAfterSignal = signalled;
        try {
          const res = await request(`${url}/`, { headers: { 'x-auth-token': token }, dispatcher: agent });
          await res.body.dump();
          results.push({ status: res.statusCode, sentAfterSignal });
        } catch (err) {
          results.push({ error: (err as NodeJS.ErrnoException).code ?? (err as Error).message, sentAfterSignal });
          if (sentAfterSignal) await new Promise((r) => setImmediate(r));
        }
      }
    });
    // Let load build up (a few completed rounds), then signal.
    while (results.length < 40) await new Promise((r) => setTimeout(r, 20));
    signalled = true;
    signalledAt = Date.now();
    child.proc.kill('SIGTERM');
    await Promise.all(workers);
    const { code } = await child.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - signalledAt < 10_000);
    // Everything sent before the signal completed with 200; afterwards only 200s (drained on a live
    // connection) or refused/closed connections, never a 5xx.
    const before = results.filter((r) => !r.sentAfterSignal);
    assert.ok(before.every((r) => r.status === 200), JSON.stringify(before.filter((r) => r.status !== 200).slice(0, 3)));
    const afterwards = results.filter((r) => r.sentAfterSignal);
    assert.ok(afterwards.every((r) => r.status === 200 || r.error !== undefined), JSON.stringify(afterwards.slice(0, 3)));
  } finally {
    await agent.close();
    await setFaults(mocks.glance.url, {});
  }
});
