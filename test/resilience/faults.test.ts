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
import { serviceOptions, startService, type Service } from '../helpers/service.js';

let mocks: Mocks;
let service: Service;
let users: LoadUser[];
const WORKERS = 20;
const agent = new Agent({ connections: WORKERS });

before(async () => {
  mocks = await startMocks();
  users = addLoadUsers(mocks, 20, 'fault');
  // No token cache, so every request needs Keystone; deadlines of 1 s so faults show quickly.
  service = await startService(
    serviceOptions(mocks.keystoneUrl, {
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

/**
 * Load as a fixed amount of work, whatever the pace of the machine: `rounds` requests from each of 20
 * concurrent workers. Every outcome with its latency.
 */
async function load(rounds: number): Promise<Outcome[]> {
  const out: Outcome[] = [];
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      for (let i = w; i < w + rounds; i++) {
        const started = Date.now();
        const res = await request(`${service.url}/`, {
          headers: { 'x-auth-token': users[i % users.length]!.token },
          dispatcher: agent,
        });
        await res.body.dump();
        out.push({ status: res.statusCode, ms: Date.now() - started });
      }
    }),
  );
  return out;
}

/** Rounds of load in a steady state (no fault): before and after each fault. */
const STEADY = 5;
/** Rounds during a fault answered at once (500s, refused connections). */
const FAST = 50;
/** Rounds during a fault that lasts until a deadline (1 s each): as many as 2.5 s of such load gave. */
const SLOW = 3;
/**
 * Every deadline here is 1 s, so a request slower than this means one was not enforced, or was retried.
 * Generous (5 times the deadline) so that a loaded 2-core machine does not trip it. A deadline missing
 * altogether shows anyway: a slow upstream (3 s) would answer 200, and a hanging one would never end the load.
 */
const SLOWEST_MS = 5000;

interface Phase {
  name: string;
  apply: () => Promise<void>;
  clear: () => Promise<void>;
  expected: number;
  rounds: number;
}

async function faultPhase({ apply, clear, expected, rounds }: Phase): Promise<void> {
  await apply();
  let during: Outcome[];
  try {
    during = await load(rounds);
  } finally {
    await clear();
  }
  assert.equal(during.length, WORKERS * rounds);
  const wrong = during.filter((o) => o.status !== expected);
  assert.deepEqual([...new Set(wrong.map((o) => o.status))], [], `statuses other than ${expected}`);
  const slowest = Math.max(...during.map((o) => o.ms));
  assert.ok(slowest <= SLOWEST_MS, `a request took ${slowest} ms (deadline 1 s)`);
  const afterwards = await load(STEADY);
  assert.ok(
    afterwards.every((o) => o.status === 200),
    'did not recover',
  );
}

const keystoneFaults = (f: Record<string, unknown>) => () =>
  setFaults(mocks.keystone.url, { ...f, pathPrefix: '/v3/auth/tokens' });
const glanceFaults = (f: Record<string, unknown>) => () => setFaults(mocks.glance.url, { ...f, pathPrefix: '/v2/' });
const clearKeystone = () => setFaults(mocks.keystone.url, {});
const clearGlance = () => setFaults(mocks.glance.url, {});

/** The server stops listening, then listens again on the same port. */
function down(server: () => Server): Pick<Phase, 'apply' | 'clear'> {
  let port = 0;
  return {
    apply: () =>
      new Promise<void>((resolve) => {
        port = (server().address() as AddressInfo).port;
        server().close(() => resolve());
        server().closeAllConnections();
      }),
    clear: () => new Promise<void>((resolve) => server().listen(port, '127.0.0.1', resolve)),
  };
}

const PHASES: Phase[] = [
  {
    name: 'Keystone answering 500: 503',
    apply: keystoneFaults({ failStatus: 500 }),
    clear: clearKeystone,
    expected: 503,
    rounds: FAST,
  },
  {
    name: 'Keystone slow past the timeout: 503 within it',
    apply: keystoneFaults({ latencyMs: 3000 }),
    clear: clearKeystone,
    expected: 503,
    rounds: SLOW,
  },
  {
    name: 'Keystone hanging: 503 within the timeout',
    apply: keystoneFaults({ hang: true }),
    clear: clearKeystone,
    expected: 503,
    rounds: SLOW,
  },
  { name: 'Keystone down (not listening): 503', ...down(() => mocks.keystone.server), expected: 503, rounds: FAST },
  {
    name: 'Glance answering 500: 502',
    apply: glanceFaults({ failStatus: 500 }),
    clear: clearGlance,
    expected: 502,
    rounds: FAST,
  },
  {
    name: 'Glance slow past the timeout: 504 within it',
    apply: glanceFaults({ latencyMs: 3000 }),
    clear: clearGlance,
    expected: 504,
    rounds: SLOW,
  },
  {
    name: 'Glance hanging: 504 within the timeout',
    apply: glanceFaults({ hang: true }),
    clear: clearGlance,
    expected: 504,
    rounds: SLOW,
  },
  { name: 'Glance down (not listening): 502', ...down(() => mocks.glance.server), expected: 502, rounds: FAST },
];

describe('faults during load', () => {
  test('no fault: all 200', async () => {
    const outcomes = await load(STEADY);
    assert.ok(outcomes.every((o) => o.status === 200));
  });

  for (const phase of PHASES) test(phase.name, () => faultPhase(phase));

  test('memory stays bounded through all of them', async (t) => {
    // Retained memory, not RSS (V8 sizes its heap to the load): the heap after a full collection, in the
    // same steady state before and after every fault in turn. Measured here, so this test needs no other.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const retained = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    await load(STEADY);
    const baseline = retained();
    for (const phase of PHASES) await faultPhase(phase);
    await load(STEADY);
    const grown = (retained() - baseline) / 1024 / 1024;
    t.diagnostic(`heap retained after the faults: ${grown.toFixed(1)} MiB more than before`);
    assert.ok(grown < 32, `the heap retained ${grown.toFixed(1)} MiB more after the faults`);
  });
});
