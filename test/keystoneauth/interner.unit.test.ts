// Content-addressed sharing: one value per content while someone holds it, forgotten after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Interner, contentHash, deepFreeze } from '../../src/keystoneauth/interner.js';

test('one value per key, made once', () => {
  const interner = new Interner<{ n: number }>();
  let made = 0;
  const make = () => ({ n: ++made });
  const a = interner.intern('k1', make);
  assert.equal(interner.intern('k1', make), a);
  assert.notEqual(interner.intern('k2', make), a);
  assert.equal(made, 2);
  assert.equal(interner.get('k1'), a);
  assert.equal(interner.get('k3'), undefined);
});

test('a value nobody holds any more is collected, and made again when asked for', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const interner = new Interner<{ n: number }>();
  interner.intern('k', () => ({ n: 1 }));
  // WeakRefs stay alive until the current job ends: collect on a later turn.
  await tick();
  gc();
  assert.equal(interner.get('k'), undefined);
  assert.deepEqual(
    interner.intern('k', () => ({ n: 2 })),
    { n: 2 },
  );
});

test('contentHash is SHA-256 hex; deepFreeze freezes every level', () => {
  assert.equal(contentHash(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const value = deepFreeze({ a: [{ b: 1 }], c: { d: 'x' } });
  assert.ok(
    Object.isFrozen(value) && Object.isFrozen(value.a) && Object.isFrozen(value.a[0]) && Object.isFrozen(value.c),
  );
});
