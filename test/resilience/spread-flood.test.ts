// A garbage-token flood spread over many client addresses, through the whole service and the mock cloud: a
// newcomer with a valid token is admitted ahead of it, and making room for it sheds a flooder. The mock
// Keystone holds every validation (its hang fault) until the test has filled the queue; the evidence is the
// order in which validations reach Keystone, never elapsed time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { releaseHeld, setFaults, startMocks, stats, tokenFor } from '../helpers/mocks.js';
import { waitFor } from '../helpers/net.js';
import { serviceOptions, startApp } from '../helpers/service.js';

/** A well-formed token Keystone does not know. */
const garbage = () => `gAAAAA${randomBytes(135).toString('base64url')}`;
const requestId = () => `req-${randomUUID()}`;

test('a newcomer is admitted ahead of a flood from many addresses, and only a flooder is shed for it', async (t) => {
  const mocks = await startMocks();
  t.after(() => mocks.close());
  // One validation at a time, nine waiting in all, four per client; behind a trusted proxy (this test, on
  // 127.0.0.1) so that X-Forwarded-For names the clients. The held validation lasts until the test releases it
  // (the mock's /__mock/release), however long filling the queue takes on a loaded machine.
  const service = await startApp(
    serviceOptions(mocks.keystoneUrl, {
      server: { trusted_proxies: ['127.0.0.1'] },
      keystone_authtoken: {
        validation_concurrency: 1,
        validation_concurrency_per_client: 1,
        validation_queue_per_client: 4,
        validation_queue_size: 9,
        validation_queue_timeout: 30,
      },
    }),
    { level: 'silent' },
  );
  t.after(() => service.close());
  const get = async (token: string, client: string, id: string) => {
    const res = await fetch(`${service.url}/`, {
      headers: { 'x-auth-token': token, 'x-forwarded-for': client, 'x-openstack-request-id': id },
    });
    await res.arrayBuffer();
    return res.status;
  };
  // Tokens that reached the validator: the admission queue takes each in the same turn of the event loop.
  const lookups = async () =>
    (await (await fetch(`${service.url}/metrics`)).text())
      .split('\n')
      .filter((l) => l.startsWith('auth_token_cache_lookups_total'))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);

  // While Keystone answers: the service and the mock Glance get their own tokens; the newcomer's is issued.
  assert.equal(await get(await tokenFor(mocks.keystoneUrl, 'demo'), '192.0.2.1', requestId()), 200, 'warm-up');
  const newcomerToken = await tokenFor(mocks.keystoneUrl, 'demo');
  try {
    await setFaults(mocks.keystone.url, { hang: true, pathPrefix: '/v3/auth/tokens' });
    const held = (await stats(mocks.keystone.url)).counters.held ?? 0;
    const lookedUp = await lookups();
    const holderId = requestId();
    const holder = get(garbage(), '198.51.100.1', holderId);
    await waitFor(
      async () => ((await stats(mocks.keystone.url)).counters.held ?? 0) > held,
      "the holder's validation held at Keystone",
    );
    // Three addresses, three garbage tokens each: the queue is full.
    const flood = Array.from({ length: 9 }, (_, i) => {
      const id = requestId();
      return { id, status: get(garbage(), `203.0.113.${(i % 3) + 1}`, id) };
    });
    await waitFor(async () => (await lookups()) >= lookedUp + 10, 'the holder and the nine flood requests admitted');
    const newcomerId = requestId();
    const newcomer = get(newcomerToken, '192.0.2.99', newcomerId);
    const first = await Promise.race(flood.map(async (f) => ({ id: f.id, status: await f.status })));
    assert.equal(first.status, 503, 'room is made for the newcomer: one flood request is shed at once');
    await setFaults(mocks.keystone.url, {});
    await releaseHeld(mocks.keystone.url);

    assert.equal(await holder, 401, 'the held validation, released, is refused by Keystone, freeing the one slot');
    assert.equal(await newcomer, 200, 'the newcomer gets its images');
    assert.deepEqual(
      (await Promise.all(flood.map((f) => f.status))).sort(),
      [401, 401, 401, 401, 401, 401, 401, 401, 503],
      'the other flood requests waited their turn and were refused by Keystone',
    );
    const order = ((await (await fetch(`${mocks.keystone.url}/__mock/stats`)).json()) as { request_ids: string[] })
      .request_ids;
    const at = (id: string) => order.indexOf(id);
    assert.ok(at(holderId) >= 0, 'the held validation reached Keystone');
    assert.ok(at(newcomerId) > at(holderId), "the newcomer's validation reached Keystone when the slot freed");
    assert.equal(at(first.id), -1, 'the shed flood request never reached Keystone');
    for (const f of flood.filter((f) => f.id !== first.id))
      assert.ok(at(f.id) > at(newcomerId), `flood request ${f.id} reached Keystone after the newcomer's`);
  } finally {
    await setFaults(mocks.keystone.url, {});
    await releaseHeld(mocks.keystone.url);
  }
});
