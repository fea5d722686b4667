// Entries of the shared token cache protected as keystonemiddleware's MAC and ENCRYPT strategies protect them:
// keys derived per token and secret, tampering and forgery rejected. memcache.test.ts runs them on memcached.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveKeys, protect, TamperedEntryError, unprotect } from '../../src/auth-token/memcache-crypt.js';
import { sha256Hex } from '../../src/common/redact.js';

describe('entry protection (keystonemiddleware MAC / ENCRYPT equivalent)', () => {
  const plain = Buffer.from(JSON.stringify({ user: 'demo', project: 'secret-project' }));

  test('keys are derived per token and per secret; the token never appears in the key', () => {
    const a = deriveKeys('tok-1', 's1', 'MAC');
    assert.notEqual(a.cacheKey, deriveKeys('tok-2', 's1', 'MAC').cacheKey, 'another token, another key');
    assert.notEqual(a.cacheKey, deriveKeys('tok-1', 's2', 'MAC').cacheKey, 'another secret, another key');
    assert.notEqual(a.cacheKey, deriveKeys('tok-1', 's1', 'ENCRYPT').cacheKey, 'another strategy, another key');
    assert.doesNotMatch(a.cacheKey, /tok-1/, 'the token itself never appears in a key');
    assert.ok(!a.cacheKey.includes(sha256Hex('tok-1')), 'with a secret, the key is not a plain hash');
  });

  for (const strategy of ['MAC', 'ENCRYPT'] as const) {
    test(`${strategy}: round trip; wrong secret, tampering and truncation are rejected`, () => {
      const keys = deriveKeys('tok', 'right', strategy);
      const stored = protect(plain, keys, strategy);
      assert.deepEqual(unprotect(stored, keys, strategy), plain, `${strategy}: the entry reads back as it was stored`);
      assert.throws(
        () => unprotect(stored, deriveKeys('tok', 'wrong', strategy), strategy),
        TamperedEntryError,
        `${strategy}: an entry protected with another secret is refused`,
      );
      const tampered = Buffer.from(stored);
      tampered[tampered.length - 3]! ^= 0x01;
      assert.throws(
        () => unprotect(tampered, keys, strategy),
        TamperedEntryError,
        `${strategy}: a flipped bit is refused`,
      );
      assert.throws(
        () => unprotect(stored.subarray(0, 10), keys, strategy),
        TamperedEntryError,
        `${strategy}: a truncated entry is refused`,
      );
      // A forgery made without the secret does not verify.
      assert.throws(
        () =>
          unprotect(
            protect(Buffer.from('{"forged":true}'), deriveKeys('tok', 'guess', strategy), strategy),
            keys,
            strategy,
          ),
        TamperedEntryError,
        `${strategy}: an entry forged without the secret is refused`,
      );
    });
  }

  test('ENCRYPT hides the value; MAC only authenticates it', () => {
    assert.ok(
      protect(plain, deriveKeys('t', 's', 'MAC'), 'MAC').includes('secret-project'),
      'MAC authenticates only: the value stays readable in memcached',
    );
    assert.ok(
      !protect(plain, deriveKeys('t', 's', 'ENCRYPT'), 'ENCRYPT').includes('secret-project'),
      'ENCRYPT: the value cannot be read in memcached',
    );
  });
});
