// Faults injected into Keystone and Glance while requests keep coming: every affected request ends with
// the right 5xx within its deadline, nothing hangs, memory stays bounded, and service resumes by itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { addLoadUsers, setFaults, startMocks, type LoadUser, type Mocks } from '../helpers/mocks.js';
import { serviceConfig, startService, type Service } from '../helpers/service.js';

let mocks: Mocks;
let service: Service;
let users: LoadUser[];
const agent = new Agent({ connections: 20 });

before(async () => {
  mocks = await startMocks();
  users = addLoadUsers(mocks, 20, 'fault');
  // No token cache, so every request needs Keystone; deadlines of 1 s so faults show quickly.
  service = await startService(
    serviceConfig(mocks.keystoneUrl, {
      keystone_authtoken: { token_cache_time: 0, timeout: 1 },
      communication: { timeout: 1, connect_retries: 1, status_code_retries: 0 },
    }),
    { level: 'silent' },
  );
});
after(async () => {
  await agent.close();
  await service.close();
  await mocks.close();
});

interface Outcome {
  status: number;
  ms: number;
}

/** `seconds` of load at concurrency 20; every outcome with its latency. */
async function load(seconds: number): Promise<Outcome[]> {
  const out: Outcome[] = [];
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 20 }, async (_, w) => {
      for (let i = w; Date.now() < until; i++) {
        const started = Date.now();
        const res = await request(`${service.url}/`, { headers: { 'x-auth-token': users[i % users.length]!.token }, dispatcher: agent });
        await res.body.dump();
        out.push({ status: res.statusCode, ms: Date.now() - started });
      }
    }),
  );
  return out;
}

async function faultPhase(apply: () => Promise<void>, clear: () => Promise<void>, expected: number, deadlineMs: number) {
  await apply();
  let during: Outcome[];
  try {
    during = await load(2.5);
  } finally {
    await clear();
  }
  assert.ok(during.length > 0);
  const wrong = during.filter((o) => o.status !== expected);
  assert.deepEqual([...new Set(wrong.map((o) => o.status))], [], `statuses other than ${expected}`);
  const slowest = Math.max(...during.map((o) => o.ms));
  assert.ok(slowest <= deadlineMs, `a request took ${slowest} ms (deadline ${deadlineMs} ms)`);
  const afterwards = await load(1);
  assert.ok(afterwards.length > 0 && afterwards.every((o) => o.status === 200), 'did not recover');
}

/** A fault phase where the server stops listening, then listens again on the same port. */
async function downPhase(server: Server, expected: number) {
  const port = (server.address() as AddressInfo).port;
  await faultPhase(
    () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
    () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    expected,
    2500,
  );
}

const keystoneFaults = (f: Record<string, unknown>) => () => setFaults(mocks.keystone.url, { ...f, pathPrefix: '/v3/auth/tokens' });
const glanceFaults = (f: Record<string, unknown>) => () => setFaults(mocks.glance.url, { ...f, pathPrefix: '/v2/' });
const clearKeystone = () => setFaults(mocks.keystone.url, {});
const clearGlance = () => setFaults(mocks.glance.url, {});

describe('faults during load', () => {
  // Retained memory, not RSS (V8 sizes its heap to the load): the heap after a full collection.
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const retained = () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  let baseline = 0;

  test('baseline: all 200', async () => {
    const outcomes = await load(1);
    assert.ok(outcomes.every((o) => o.status === 200));
    baseline = retained();
  });

  test('Keystone answering 500: 503', () => faultPhase(keystoneFaults({ failStatus: 500 }), clearKeystone, 503, 2500));
  test('Keystone slow past the timeout: 503 within it', () => faultPhase(keystoneFaults({ latencyMs: 3000 }), clearKeystone, 503, 2500));
  test('Keystone hanging: 503 within the timeout', () => faultPhase(keystoneFaults({ hang: true }), clearKeystone, 503, 2500));
  test('Keystone down (not listening): 503', () => downPhase(mocks.keystone.server, 503));
  test('Glance answering 500: 502', () => faultPhase(glanceFaults({ failStatus: 500 }), clearGlance, 502, 2500));
  test('Glance slow past the timeout: 504 within it', () => faultPhase(glanceFaults({ latencyMs: 3000 }), clearGlance, 504, 2500));
  test('Glance hanging: 504 within the timeout', () => faultPhase(glanceFaults({ hang: true }), clearGlance, 504, 2500));
  test('Glance down (not listening): 502', () => downPhase(mocks.glance.server, 502));

  test('memory stays bounded through all of it', async (t) => {
    await load(1); // the same steady state as the baseline
    const grown = (retained() - baseline) / 1024 / 1024;
    t.diagnostic(`heap retained after the faults: ${grown.toFixed(1)} MiB more than before`);
    assert.ok(grown < 32, `the heap retained ${grown.toFixed(1)} MiB more after the faults`);
  });
});
