// The shared token cache: protection of entries, consistent hashing, and two service instances sharing
// one real memcached (Debian's), including memcached dying mid-load.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import memjs from 'memjs';
import { deriveKeys, protect, TamperedEntryError, unprotect } from '../../src/auth-token/memcache-crypt.js';
import { HashRing } from '../../src/auth-token/memcache-ring.js';
import { sha256Hex } from '../../src/common/redact.js';
import { catalogIdentity } from '../../src/keystoneauth/service-catalog.js';
import { issueDemoToken, startMocks, stats, tokenFor, type Mocks } from '../helpers/mocks.js';
import { build, serviceOptions, type Service } from '../helpers/service.js';
import { skipWithoutMemcached, startMemcached, type Memcached } from '../helpers/memcached.js';
import { waitFor } from '../helpers/net.js';
import { describeOrSkip } from '../helpers/suite.js';

describe('entry protection (keystonemiddleware MAC / ENCRYPT equivalent)', () => {
  const plain = Buffer.from(JSON.stringify({ user: 'demo', project: 'secret-project' }));

  test('keys are derived per token and per secret; the token never appears in the key', () => {
    const a = deriveKeys('tok-1', 's1', 'MAC');
    assert.notEqual(a.cacheKey, deriveKeys('tok-2', 's1', 'MAC').cacheKey);
    assert.notEqual(a.cacheKey, deriveKeys('tok-1', 's2', 'MAC').cacheKey);
    assert.notEqual(a.cacheKey, deriveKeys('tok-1', 's1', 'ENCRYPT').cacheKey);
    assert.doesNotMatch(a.cacheKey, /tok-1/);
    assert.ok(!a.cacheKey.includes(sha256Hex('tok-1')), 'with a secret, the key is not a plain hash');
  });

  for (const strategy of ['MAC', 'ENCRYPT'] as const) {
    test(`${strategy}: round trip; wrong secret, tampering and truncation are rejected`, () => {
      const keys = deriveKeys('tok', 'right', strategy);
      const stored = protect(plain, keys, strategy);
      assert.deepEqual(unprotect(stored, keys, strategy), plain);
      assert.throws(() => unprotect(stored, deriveKeys('tok', 'wrong', strategy), strategy), TamperedEntryError);
      const tampered = Buffer.from(stored);
      tampered[tampered.length - 3]! ^= 0x01;
      assert.throws(() => unprotect(tampered, keys, strategy), TamperedEntryError);
      assert.throws(() => unprotect(stored.subarray(0, 10), keys, strategy), TamperedEntryError);
      // A forgery made without the secret does not verify.
      assert.throws(
        () =>
          unprotect(
            protect(Buffer.from('{"forged":true}'), deriveKeys('tok', 'guess', strategy), strategy),
            keys,
            strategy,
          ),
        TamperedEntryError,
      );
    });
  }

  test('ENCRYPT hides the value; MAC only authenticates it', () => {
    assert.ok(protect(plain, deriveKeys('t', 's', 'MAC'), 'MAC').includes('secret-project'));
    assert.ok(!protect(plain, deriveKeys('t', 's', 'ENCRYPT'), 'ENCRYPT').includes('secret-project'));
  });
});

describe('consistent hashing', () => {
  test('keys spread over servers, and removing one moves only its keys', () => {
    const names = ['a:1', 'b:1', 'c:1', 'd:1'];
    const full = new HashRing(names.map((name) => ({ name, node: name })));
    const less = new HashRing(names.filter((n) => n !== 'd:1').map((name) => ({ name, node: name })));
    const keys = Array.from({ length: 4000 }, (_, i) => `key-${i}`);
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(full.get(k), (counts.get(full.get(k)) ?? 0) + 1);
    for (const n of names) assert.ok((counts.get(n) ?? 0) > 600, `${n}: ${counts.get(n)}`);
    const moved = keys.filter((k) => full.get(k) !== 'd:1' && full.get(k) !== less.get(k));
    assert.equal(moved.length, 0);
  });
});

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

  /** A service instance for this test, sharing the one memcached; `now` is its clock. */
  function instance(
    t: TestContext,
    strategy: 'None' | 'MAC' | 'ENCRYPT',
    secret = '',
    now?: () => number,
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
      assert.equal(await touch(a, token), 404);
      assert.equal(await touch(b, token), 404);
      assert.equal(await validations(token), 1, 'one Keystone call in total');
      // And the real work still flows: B answers with names from Glance.
      assert.equal((await fetch(`${b.url}/`, { headers: { 'X-Auth-Token': token } })).status, 200);
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
    assert.equal(res.status, 404);
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
    for (const token of tokens) assert.equal(await touch(a, token), 404);
    const catalog = mocks.keystone.store.catalog();
    const hash = catalogIdentity(catalog).contentHash;
    const raw = memjs.Client.create(memcached.address, { logger: { log: () => {} } });
    t.after(() => raw.close());
    const catalogKeys = deriveKeys(hash, 'cat-secret', 'MAC', 'catalog');
    const storedCatalog = (await raw.get(catalogKeys.cacheKey)).value!;
    assert.deepEqual(JSON.parse(unprotect(storedCatalog, catalogKeys, 'MAC').toString()), catalog);
    for (const token of tokens) {
      const keys = deriveKeys(token, 'cat-secret', 'MAC');
      const entry = JSON.parse(unprotect((await raw.get(keys.cacheKey)).value!, keys, 'MAC').toString());
      assert.equal(entry.catalogHash, hash);
      assert.equal('catalog' in entry.token, false, 'no copy of the catalog in the token entry');
    }
    // A fresh replica reads the token and its catalog back: a cache hit, with the same catalog.
    const b = await instance(t, 'MAC', 'cat-secret');
    assert.equal(await touch(b, tokens[0]!), 404);
    assert.equal(await validations(tokens[0]!), 1);
    // And finds Glance in that catalog.
    assert.equal((await fetch(`${b.url}/`, { headers: { 'X-Auth-Token': tokens[0]! } })).status, 200);
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
    assert.equal(await touch(b, token), 404);
    assert.equal(await validations(token), 2, 'validated again instead');
    assert.ok(b.lines.some((l) => l.msg === 'ignoring a token cache entry' && /hash/.test(String(l.reason))));
    await raw.delete(key);
    const c = await instance(t, 'None');
    assert.equal(await touch(c, token), 404);
    assert.equal(await validations(token), 3, 'no catalog, no hit');
  });

  test('memcached killed mid-load: no errors for callers; the cache comes back by itself', async (t) => {
    // The service's clock: the pause after a memcached failure (5 s) runs on it.
    let now = Date.now();
    const s = await instance(t, 'ENCRYPT', 'k', () => now);
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
    assert.ok(killed);
    assert.equal(statuses.length, 400);
    assert.deepEqual([...new Set(statuses)], [200]);
    assert.ok(s.lines.some((l) => l.msg === 'memcached unavailable; validating with Keystone meanwhile'));
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
    }, 15_000);
  });
});
