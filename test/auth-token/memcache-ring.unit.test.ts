// The consistent hash ring that spreads token cache keys over memcached servers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HashRing } from '../../src/auth-token/memcache-ring.js';

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
    assert.equal(moved.length, 0, 'removing d:1 moves only the keys that were on it');
  });
});
