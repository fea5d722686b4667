// The in-process token cache (bounded in entries and in bytes, shared parts counted once) and the short cache
// of tokens Keystone rejected (keys, expiry on an injected clock, bounds, off switch).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTokenCache, MemoryTokenCache } from '../../src/auth-token/cache.js';
import { AccessInfo, createAccessSharing, type AccessSharing } from '../../src/keystoneauth/access-info.js';

/** A token of `user` in project p1, with a catalog of `services` services. */
function access(sharing: AccessSharing, token: string, user = 'u1', services = 15): AccessInfo {
  const catalog = Array.from({ length: services }, (_, i) => ({
    id: `s${i}`,
    type: `type-${i}`,
    name: `service-${i}`,
    endpoints: ['public', 'internal', 'admin'].map((iface) => ({
      id: `e${i}${iface}`,
      interface: iface,
      region_id: 'RegionOne',
      region: 'RegionOne',
      url: `https://service-${i}.${iface}.example.org:8774/v2.1`,
    })),
  }));
  return AccessInfo.fromBody(
    {
      token: {
        methods: ['password'],
        user: { id: user, name: user, domain: { id: 'default', name: 'Default' } },
        project: { id: 'p1', name: 'demo', domain: { id: 'default', name: 'Default' } },
        roles: [{ id: 'r1', name: 'member' }],
        expires_at: '2030-01-01T00:00:00.000000Z',
        issued_at: '2029-12-31T23:00:00.000000Z',
        audit_ids: [`audit-${token}`],
        catalog,
      },
    },
    token,
    sharing,
  );
}

describe('MemoryTokenCache', () => {
  test('bytes: each token its own part, a shared subject and catalog once', async () => {
    const sharing = createAccessSharing();
    const cache = new MemoryTokenCache({ maxEntries: 100, maxBytes: 10 * 1024 * 1024 });
    const a = access(sharing, 'tok-a');
    const b = access(sharing, 'tok-b');
    await cache.set('tok-a', a, 60_000);
    assert.equal(
      cache.bytes,
      a.ownBytes + a.subject.approxBytes + a.catalog.approxBytes,
      'one token: its own bytes plus its subject and catalog',
    );
    await cache.set('tok-b', b, 60_000);
    assert.equal(
      cache.bytes,
      a.ownBytes + b.ownBytes + a.subject.approxBytes + a.catalog.approxBytes,
      'a second token of the same user adds only its own bytes: subject and catalog are shared',
    );
    // Setting the same entry again renews it and counts nothing twice.
    await cache.set('tok-b', b, 60_000);
    assert.equal(
      cache.bytes,
      a.ownBytes + b.ownBytes + a.subject.approxBytes + a.catalog.approxBytes,
      'setting the same token again counts nothing twice',
    );
    assert.equal(await cache.get('tok-b'), b, 'the renewed entry is still there');
  });

  test('over maxBytes, the least recently used tokens go; the shared parts go with their last holder', async () => {
    const sharing = createAccessSharing();
    const one = access(sharing, 'probe');
    const shared = one.subject.approxBytes + one.catalog.approxBytes;
    // Room for the shared parts and three tokens' own parts, not four.
    const cache = new MemoryTokenCache({ maxEntries: 100, maxBytes: shared + one.ownBytes * 3 + 10 });
    for (const t of ['t1', 't2', 't3']) await cache.set(t, access(sharing, t), 60_000);
    assert.ok(await cache.get('t1'), 't1 is cached, and reading it makes it the most recently used');
    await cache.set('t4', access(sharing, 't4'), 60_000);
    assert.equal(cache.size, 3, 'four tokens do not fit: one went, three stay');
    assert.equal(await cache.get('t2'), undefined, 'the least recently used went');
    assert.ok(
      (await cache.get('t1')) && (await cache.get('t3')) && (await cache.get('t4')),
      't1 (just used), t3 and the new t4 stay',
    );
    assert.ok(cache.bytes <= shared + one.ownBytes * 3 + 10, 'the cache stays within maxBytes');
  });

  test('a token too big to fit alone is not kept, and the others stay', async () => {
    const sharing = createAccessSharing();
    const cache = new MemoryTokenCache({ maxEntries: 100, maxBytes: 4096 });
    await cache.set('small', access(sharing, 'small', 'u1', 0), 60_000);
    const kept = cache.bytes;
    assert.ok(kept > 0 && kept <= 4096, 'a small token alone fits in 4 KiB');
    await cache.set('huge', access(sharing, 'huge', 'u2', 40), 60_000);
    assert.equal(await cache.get('huge'), undefined, 'a token bigger than maxBytes on its own is not kept');
    assert.ok(await cache.get('small'), 'the small token is not evicted to make room for one that cannot fit');
    assert.equal(cache.bytes, kept, 'nothing of the huge token is counted');
  });

  test('maxEntries still bounds the number of tokens', async () => {
    const sharing = createAccessSharing();
    const cache = new MemoryTokenCache({ maxEntries: 2, maxBytes: 64 * 1024 * 1024 });
    for (const t of ['t1', 't2', 't3']) await cache.set(t, access(sharing, t), 60_000);
    assert.equal(cache.size, 2, 'maxEntries 2 keeps two of three tokens');
    const t = access(sharing, 'tx');
    assert.equal(
      cache.bytes,
      2 * t.ownBytes + t.subject.approxBytes + t.catalog.approxBytes,
      "two tokens' own bytes and the shared parts once",
    );
  });
});

describe('InvalidTokenCache', () => {
  test('remembers a key until its TTL passes on the injected clock', () => {
    let now = 1_000_000;
    const cache = new InvalidTokenCache({ ttlMs: 5000, max: 10, now: () => now });
    cache.add('vabc');
    assert.equal(cache.has('vabc'), true, 'a rejected key is remembered');
    assert.equal(cache.has('xabc'), false, 'the same token with allow_expired is another key, not remembered');
    now += 4999;
    assert.equal(cache.has('vabc'), true, 'still remembered 1 ms before the TTL');
    now += 2;
    assert.equal(cache.has('vabc'), false, 'forgotten once the TTL has passed on the injected clock');
  });

  test('bounded: the least recently used key goes first', () => {
    const cache = new InvalidTokenCache({ ttlMs: 5000, max: 2, now: () => 0 });
    cache.add('a');
    cache.add('b');
    cache.add('c');
    assert.deepEqual(
      [cache.has('a'), cache.has('b'), cache.has('c')],
      [false, true, true],
      'with room for two, the oldest key (a) went',
    );
  });

  test('ttl 0 disables it', () => {
    const cache = new InvalidTokenCache({ ttlMs: 0, max: 10 });
    cache.add('a');
    assert.equal(cache.has('a'), false, 'a TTL of 0 remembers nothing');
  });
});
