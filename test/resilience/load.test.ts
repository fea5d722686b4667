// Sustained load: concurrency 100, 50 users' tokens, for RESILIENCE_SECONDS (30 by default). Zero errors,
// and every response holds exactly its own user's names.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { addLoadUsers, startMocks, type LoadUser, type Mocks } from '../helpers/mocks.js';
import { serviceOptions, startApp, type Service } from '../helpers/service.js';

const SECONDS = Number(process.env.RESILIENCE_SECONDS ?? 30);
let mocks: Mocks;
let service: Service;
let users: LoadUser[];

before(async () => {
  mocks = await startMocks();
  users = addLoadUsers(mocks, 50);
  // The first wave validates 50 tokens, 8 at a time from this one client: on a loaded machine that can
  // outlast the default 5 s queue wait and 10 s validation timeout, which are not what this test measures.
  service = await startApp(
    serviceOptions(mocks.keystoneUrl, { keystone_authtoken: { validation_queue_timeout: 60, timeout: 30 } }),
    { level: 'warn' },
  );
});
after(async () => {
  await service.close();
  await mocks.close();
});

test(
  `${SECONDS} s at concurrency 100 with 50 users: no errors, no cross-user leakage`,
  { timeout: (SECONDS + 60) * 1000 },
  async () => {
    const agent = new Agent({ connections: 100 });
    const until = Date.now() + SECONDS * 1000;
    let done = 0;
    const failures: string[] = [];
    const worker = async (w: number) => {
      for (let i = w; Date.now() < until && failures.length < 10; i++) {
        const user = users[(i * 7 + w) % users.length]!;
        const res = await request(`${service.url}/`, { headers: { 'x-auth-token': user.token }, dispatcher: agent });
        const body = await res.body.text();
        if (res.statusCode !== 200) failures.push(`${res.statusCode} ${body}`);
        else if (body !== JSON.stringify(user.expected)) failures.push(`user ${user.id} got ${body}`);
        done++;
      }
    };
    await Promise.all(Array.from({ length: 100 }, (_, w) => worker(w)));
    await agent.close();
    assert.deepEqual(failures, [], "no error and no other user's names in any response");
    // Every worker was answered; how many requests a second is bench/'s business, not a test's.
    assert.ok(done >= 100, `only ${done} requests`);
    const validations =
      ((await (await fetch(`${mocks.keystone.url}/__mock/stats`)).json()) as { counters: Record<string, number> })
        .counters.validations ?? 0;
    // One per token for the service and one for the mock Glance's own auth_token: single-flight and the
    // cache hold under load.
    assert.ok(validations <= 2 * 50 + 2, `${validations} Keystone validations for 50 tokens`);
  },
);
