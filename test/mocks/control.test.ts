// The mocks' fault controls (src/mocks/control.ts) that tests lean on to hold a call without a deadline: a
// request held by `hang` goes on to its normal answer when released, and a long injected latency ends as
// soon as the caller hangs up, so that neither keeps a test (or its process) waiting on a clock.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { releaseHeld, setFaults, startMocks, stats, type Mocks } from '../helpers/mocks.js';
import { waitFor } from '../helpers/net.js';

let mocks: Mocks;
before(async () => {
  mocks = await startMocks();
});
after(() => mocks.close());

const counter = async (name: string) => (await stats(mocks.keystone.url)).counters[name] ?? 0;

test('a held request is answered as usual once released, and only held ones are released', async () => {
  assert.equal(await releaseHeld(mocks.keystone.url), 0, 'nothing is held before the fault');
  const normal = await fetch(`${mocks.keystone.url}/v3`);
  await normal.arrayBuffer();
  const heldBefore = await counter('held');
  await setFaults(mocks.keystone.url, { hang: true, pathPrefix: '/v3' });
  try {
    const pending = Array.from({ length: 3 }, () => fetch(`${mocks.keystone.url}/v3`));
    await waitFor(async () => (await counter('held')) === heldBefore + 3, 'three requests held by the mock');
    await setFaults(mocks.keystone.url, {});
    assert.equal(await releaseHeld(mocks.keystone.url), 3, 'the three held requests are released');
    for (const res of await Promise.all(pending)) {
      assert.equal(res.status, normal.status, 'a released request gets the answer it would have had');
      await res.arrayBuffer();
    }
    assert.equal(await releaseHeld(mocks.keystone.url), 0, 'a request is released once');
  } finally {
    await setFaults(mocks.keystone.url, {});
    await releaseHeld(mocks.keystone.url);
  }
});

test('a caller that hangs up ends an injected latency at once, and a held request', async () => {
  const cutBefore = await counter('latency_cut_short');
  const abandonedBefore = await counter('abandoned');
  await setFaults(mocks.keystone.url, { latencyMs: 600_000, pathPrefix: '/v3' });
  try {
    const caller = new AbortController();
    const requestsBefore = await counter('requests');
    const slow = fetch(`${mocks.keystone.url}/v3`, { signal: caller.signal }).catch((err: Error) => err);
    await waitFor(async () => (await counter('requests')) > requestsBefore, 'the slow request inside the mock');
    caller.abort();
    assert.ok((await slow) instanceof Error, 'the caller gave up on the slow request');
    await waitFor(
      async () => (await counter('latency_cut_short')) > cutBefore,
      'the mock stops waiting out the 10-minute latency when its caller hangs up',
    );
    assert.ok((await counter('abandoned')) > abandonedBefore, 'the mock counts the call as abandoned');
  } finally {
    await setFaults(mocks.keystone.url, {});
  }
  // A held request whose caller hangs up is no longer held: there is nothing left to release.
  await setFaults(mocks.keystone.url, { hang: true, pathPrefix: '/v3' });
  try {
    const caller = new AbortController();
    const heldBefore = await counter('held');
    const stuck = fetch(`${mocks.keystone.url}/v3`, { signal: caller.signal }).catch((err: Error) => err);
    await waitFor(async () => (await counter('held')) > heldBefore, 'the request held by the mock');
    caller.abort();
    await stuck;
    await waitFor(
      async () => (await counter('abandoned')) > abandonedBefore + 1,
      'the mock sees the held caller hang up',
    );
    assert.equal(await releaseHeld(mocks.keystone.url), 0, 'a request whose caller left is not held any more');
  } finally {
    await setFaults(mocks.keystone.url, {});
  }
});
