// The shared token cache: two service instances sharing one real memcached (Debian's), including memcached
// dying mid-load. The entries' protection and the hash ring alone: memcache-crypt and memcache-ring.unit.test.ts.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import memjs from 'memjs';
import { deriveKeys, unprotect } from '../../src/auth-token/memcache-crypt.js';
import { sha256Hex } from '../../src/common/redact.js';
import { catalogIdentity } from '../../src/keystoneauth/service-catalog.js';
import { issueDemoToken, startMocks, stats, tokenFor, type Mocks } from '../helpers/mocks.js';
import { build, serviceOptions, type Service } from '../helpers/service.js';
import { skipWithoutMemcached, startMemcached, type Memcached } from '../helpers/memcached.js';
import { waitFor } from '../helpers/net.js';
import { describeOrSkip } from '../helpers/suite.js';

describeOrSkip('two service instances sharing one memcached', { skip: skipWithoutMemcached }, () => {
  let mocks: Mocks;
  let memcached: Memcached;
  before(async () => {
    mocks = await startMocks();
    memcached = await startMemcached();
  });
  after(async () => {
    await memcached.kill();
    await mocks.close();
  });

  /**
   * A service instance for this test, sharing the one memcached; `now` is its clock. Memcached calls get 10 s
   * (the default 0.5 s skipped the cache under load, and a test expecting a hit saw a second validation); the
   * test about a dying memcached keeps the default, `socketTimeout` 0.5.
   */
  function instance(
    t: TestContext,
    strategy: 'None' | 'MAC' | 'ENCRYPT',
    secret = '',
    now?: () => number,
    socketTimeout = 10,
  ): Promise<Service> {
    return build(
      t,
      serviceOptions(mocks.keystoneUrl, {
        keystone_authtoken: {
          memcached_servers: [memcached.address],
          memcache_security_strategy: strategy,
          memcache_secret_key: secret,
          // None is refused unless opted into (these tests show what it exposes).
          memcache_allow_unprotected: strategy === 'None',
          memcache_pool_socket_timeout: socketTimeout,
        },
      }),
      { level: 'warn', now },
    );
  }

  // An authenticated request that does not reach Glance (404 after auth), so only our validations count.
  const touch = async (service: Service, token: string) =>
    (await fetch(`${service.url}/after-auth`, { headers: { 'X-Auth-Token': token } })).status;
  const validations = async (token: string) =>
    (await stats(mocks.keystone.url)).counters[`validations:${sha256Hex(token)}`] ?? 0;

  for (const strategy of ['None', 'MAC', 'ENCRYPT'] as const) {
    test(`${strategy}: a token validated through A is a cache hit on B`, async (t) => {
      const a = await instance(t, strategy, strategy === 'None' ? '' : 'shared-secret');
      const b = await instance(t, strategy, strategy === 'None' ? '' : 'shared-secret');
      const token = await tokenFor(mocks.keystoneUrl, 'demo');
      assert.equal(await touch(a, token), 404, `${strategy}: A validates the token (404: no route after auth)`);
      assert.equal(await touch(b, token), 404, `${strategy}: B accepts the token (from A's memcached entry)`);
      assert.equal(await validations(token), 1, 'one Keystone call in total');
      // And the real work still flows: B answers with names from Glance.
      assert.equal(
        (await fetch(`${b.url}/`, { headers: { 'X-Auth-Token': token } })).status,
        200,
        `${strategy}: B lists the images with the cached token`,
      );
    });
  }

  test('with the wrong secret an entry is neither readable nor trusted', async (t) => {
    const a = await instance(t, 'ENCRYPT', 'secret-one');
    const b = await instance(t, 'ENCRYPT', 'secret-two');
    const token = await tokenFor(mocks.keystoneUrl, 'alt');
    await touch(a, token);
    await touch(b, token);
    assert.equal(await validations(token), 2, 'B could not use A’s entry');
    const raw = memjs.Client.create(memcached.address, { logger: { log: () => {} } });
    const stored = (await raw.get(deriveKeys(token, 'secret-one', 'ENCRYPT').cacheKey)).value!;
    raw.close();
    assert.ok(
      stored && !stored.includes('alt') && !stored.includes('c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4'),
      'the entry is encrypted',
    );
  });

  test('a tampered or forged entry is ignored with a warning, never trusted', async (t) => {
    const a = await instance(t, 'MAC', 'mac-secret');
    const token = await tokenFor(mocks.keystoneUrl, 'wile');
    await touch(a, token);
    const raw = memjs.Client.create(memcached.address, { logger: { log: () => {} } });
    const key = deriveKeys(token, 'mac-secret', 'MAC').cacheKey;
    const stored = Buffer.from((await raw.get(key)).value!);
    // Make the cached identity someone else, keeping the old MAC.
    const forged = Buffer.from(stored.toString('latin1').replace('"wile"', '"root"'), 'latin1');
    await raw.set(key, forged, { expires: 60 });
    raw.close();
    const c = await instance(t, 'MAC', 'mac-secret');
    const res = await fetch(`${c.url}/after-auth`, { headers: { 'X-Auth-Token': token } });
    assert.equal(res.status, 404, 'C accepts the token after validating it itself');
    assert.equal(await validations(token), 2, 'the forged entry was not used');
    assert.ok(
      c.lines.some((l) => l.msg === 'ignoring a token cache entry' && typeof l.request_id === 'string'),
      'a warning with the request id',
    );
  });

  test('a catalog is stored once, under its own key, for every token that carries it', async (t) => {
    const a = await instance(t, 'MAC', 'cat-secret');
    const tokens = [
      await tokenFor(mocks.keystoneUrl, 'demo'),
      await tokenFor(mocks.keystoneUrl, 'demo'),
      await tokenFor(mocks.keystoneUrl, 'alt'),
    ];
    for (const token of tokens) assert.equal(await touch(a, token), 404, 'each token is accepted by A');
    const catalog = mocks.keystone.store.catalog();
    const hash = catalogIdentity(catalog).contentHash;
    const raw = memjs.Client.create(memcached.address, { logger: { log: () => {} } });
    t.after(() => raw.close());
    const catalogKeys = deriveKeys(hash, 'cat-secret', 'MAC', 'catalog');
    const storedCatalog = (await raw.get(catalogKeys.cacheKey)).value!;
    assert.deepEqual(
      JSON.parse(unprotect(storedCatalog, catalogKeys, 'MAC').toString()),
      catalog,
      "the catalog stored under its own key reads back as Keystone's catalog",
    );
    for (const token of tokens) {
      const keys = deriveKeys(token, 'cat-secret', 'MAC');
      const entry = JSON.parse(unprotect((await raw.get(keys.cacheKey)).value!, keys, 'MAC').toString());
      assert.equal(entry.catalogHash, hash, 'the token entry refers to the catalog by its hash');
      assert.equal('catalog' in entry.token, false, 'no copy of the catalog in the token entry');
    }
    // A fresh replica reads the token and its catalog back: a cache hit, with the same catalog.
    const b = await instance(t, 'MAC', 'cat-secret');
    assert.equal(await touch(b, tokens[0]!), 404, 'the fresh replica accepts the token');
    assert.equal(
      await validations(tokens[0]!),
      1,
      'from memcached: Keystone validated this token only once, through A',
    );
    // And finds Glance in that catalog.
    assert.equal(
      (await fetch(`${b.url}/`, { headers: { 'X-Auth-Token': tokens[0]! } })).status,
      200,
      'the fresh replica lists the images through the catalog read back from memcached',
    );
  });

  test('a token entry whose catalog is gone or does not match its hash is a miss, never trusted', async (t) => {
    const a = await instance(t, 'None');
    const token = await tokenFor(mocks.keystoneUrl, 'wile');
    await touch(a, token);
    const hash = catalogIdentity(mocks.keystone.store.catalog()).contentHash;
    const raw = memjs.Client.create(memcached.address, { logger: { log: () => {} } });
    t.after(() => raw.close());
    const key = deriveKeys(hash, '', 'None', 'catalog').cacheKey;
    // Without a secret anyone who reaches memcached can write: a catalog pointing Glance elsewhere.
    await raw.set(key, Buffer.from('[{"type":"image","endpoints":[{"interface":"public","url":"http://evil"}]}]'), {
      expires: 60,
    });
    const b = await instance(t, 'None');
    assert.equal(await touch(b, token), 404, 'B accepts the token after validating it itself');
    assert.equal(await validations(token), 2, 'validated again instead');
    assert.ok(
      b.lines.some((l) => l.msg === 'ignoring a token cache entry' && /hash/.test(String(l.reason))),
      "B warns that the entry's catalog does not match its hash",
    );
    await raw.delete(key);
    const c = await instance(t, 'None');
    assert.equal(await touch(c, token), 404, 'C accepts the token after validating it itself');
    assert.equal(await validations(token), 3, 'no catalog, no hit');
  });

  test('memcached killed mid-load: no errors for callers; the cache comes back by itself', async (t) => {
    // The service's clock: the pause after a memcached failure (5 s) runs on it.
    let now = Date.now();
    const s = await instance(t, 'ENCRYPT', 'k', () => now, 0.5);
    // Distinct tokens, so memcached keeps being asked (a token seen before is in the local LRU): 10 workers,
    // 40 requests each, every token once; memcached is killed after the first 50 answers.
    const tokens = Array.from({ length: 400 }, () => issueDemoToken(mocks).id);
    const statuses: number[] = [];
    let killed = false;
    await Promise.all(
      Array.from({ length: 10 }, async (_, w) => {
        for (let i = w; i < w + 40; i++) {
          if (!killed && statuses.length > 50) {
            killed = true;
            await memcached.kill();
          }
          statuses.push(
            (await fetch(`${s.url}/`, { headers: { 'X-Auth-Token': tokens[(i * 10 + w) % tokens.length]! } })).status,
          );
        }
      }),
    );
    assert.ok(killed, 'memcached was killed during the load');
    assert.equal(statuses.length, 400, 'every request of the 10 workers was answered');
    assert.deepEqual(
      [...new Set(statuses)],
      [200],
      'no caller saw an error while memcached was down: every answer is 200',
    );
    assert.ok(
      s.lines.some((l) => l.msg === 'memcached unavailable; validating with Keystone meanwhile'),
      'the service logs that it validates with Keystone while memcached is unavailable',
    );
    await memcached.restart();
    // New tokens go into memcached again once the pause is over: move the service's clock past it on every
    // try (a first call on a reconnecting client may fail and pause again), bounded.
    const raw = memjs.Client.create(memcached.address, { logger: { log: () => {} } });
    t.after(() => raw.close());
    await waitFor(async () => {
      now += 5001;
      const fresh = await tokenFor(mocks.keystoneUrl, 'demo');
      await fetch(`${s.url}/after-auth`, { headers: { 'X-Auth-Token': fresh } });
      // The test's own client gets a deadline too: a memjs call on a reconnecting socket can stay pending.
      const lookup = raw.get(deriveKeys(fresh, 'k', 'ENCRYPT').cacheKey).catch(() => ({ value: null }));
      let timer: NodeJS.Timeout | undefined;
      const got = await Promise.race([
        lookup,
        new Promise<{ value: null }>((r) => (timer = setTimeout(() => r({ value: null }), 1000))),
      ]);
      clearTimeout(timer);
      return got.value !== null;
    }, 'the restarted memcached holds a freshly validated token again');
  });
});
