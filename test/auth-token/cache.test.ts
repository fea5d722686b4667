// The short cache of tokens Keystone rejected: keys, expiry on an injected clock, bounds, off switch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTokenCache } from '../../src/auth-token/cache.js';

test('remembers a key until its TTL passes on the injected clock', () => {
  let now = 1_000_000;
  const cache = new InvalidTokenCache({ ttlMs: 5000, max: 10, now: () => now });
  cache.add('vabc');
  assert.equal(cache.has('vabc'), true);
  assert.equal(cache.has('xabc'), false); // the allow_expired flag is part of the key
  now += 4999;
  assert.equal(cache.has('vabc'), true);
  now += 2;
  assert.equal(cache.has('vabc'), false);
});

test('bounded: the least recently used key goes first', () => {
  const cache = new InvalidTokenCache({ ttlMs: 5000, max: 2, now: () => 0 });
  cache.add('a');
  cache.add('b');
  cache.add('c');
  assert.deepEqual([cache.has('a'), cache.has('b'), cache.has('c')], [false, true, true]);
});

test('ttl 0 disables it', () => {
  const cache = new InvalidTokenCache({ ttlMs: 0, max: 10 });
  cache.add('a');
  assert.equal(cache.has('a'), false);
});
