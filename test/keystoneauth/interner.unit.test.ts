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
  assert.equal(interner.intern('k1', make), a, 'the same key gives the value made the first time');
  assert.notEqual(interner.intern('k2', make), a, 'another key, another value');
  assert.equal(made, 2, 'make ran once per key');
  assert.equal(interner.get('k1'), a, 'get finds an interned value');
  assert.equal(interner.get('k3'), undefined, 'get does not make one');
});

test('a value nobody holds any more is collected, and made again when asked for', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const interner = new Interner<{ n: number }>();
  interner.intern('k', () => ({ n: 1 }));
  // WeakRefs stay alive until the current job ends: collect on a later turn.
  await tick();
  gc();
  assert.equal(interner.get('k'), undefined, 'collected once nobody holds it');
  assert.deepEqual(
    interner.intern('k', () => ({ n: 2 })),
    { n: 2 },
    'asked again, it is made again',
  );
});

test('contentHash is SHA-256 hex; deepFreeze freezes every level', () => {
  assert.equal(
    contentHash(''),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'SHA-256 of the empty string, in hex',
  );
  const value = deepFreeze({ a: [{ b: 1 }], c: { d: 'x' } });
  assert.ok(
    Object.isFrozen(value) && Object.isFrozen(value.a) && Object.isFrozen(value.a[0]) && Object.isFrozen(value.c),
    "every level is frozen: the object, its array, the array's object, the nested object",
  );
});
